{% from "variant.jinja" import is_async, slug, async, await, Engine with context %}
"""On SIGTERM the served app closes every connection it opened: PostgreSQL's pg_stat_activity says so."""

from pathlib import Path

import pytest
from server_admin import run_admin
{% if is_async %}
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
{% else %}
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
{% endif %}
from support import sigterm_while_serving, wait_until

from {{ slug }}.config import Settings
from {{ slug }}.db import APPLICATION_NAME

pytestmark = pytest.mark.slow

IN_FLIGHT = 4
BACKENDS = "SELECT pid FROM pg_stat_activity WHERE datname = :db AND application_name = :app"


async def test_sigterm_closes_every_connection_the_server_opened(
    admin: {{ Engine }}, live_database: Settings, tmp_path: Path
) -> None:
    params = {"db": make_url(live_database.database_url).database, "app": APPLICATION_NAME}

    {{ async }}def backends() -> set[int]:
        return {pid for (pid,) in {{ await }}run_admin(admin, BACKENDS, **params)}

    tests_own = {{ await }}backends()  # the test session's connections, open before the server starts

    {{ async }}def servers() -> set[int]:
        return {{ await }}backends() - tests_own

    {{ async }}def all_connected() -> bool:
        return len({{ await }}servers()) >= IN_FLIGHT

    async def connected_servers() -> set[int]:
        # The pool counts a connection as checked out while it is still being opened.
        await wait_until("each request in flight has its connection", all_connected, within=2)
        return {{ await }}servers()

    stopped = await sigterm_while_serving(
        live_database,
        tmp_path / "stderr.log",
        IN_FLIGHT,
        3,
        connected_servers,
        SHUTDOWN_DELAY="0.5",
        SHUTDOWN_TIMEOUT="20",
    )
    servers_own: set[int] = stopped.in_flight_seen

    {{ async }}def closed() -> bool:
        return not {{ await }}backends() & servers_own

    assert len(servers_own) >= IN_FLIGHT, "each request in flight held a connection"
    assert stopped.returncode is not None, "the server has exited"
    # A backend leaves pg_stat_activity as it ends, a moment after its client has closed the connection.
    await wait_until("every connection of the server is closed", closed, within=2)
