{% from "variant.jinja" import is_async, slug, async, await, Engine, has_auth with context %}
"""Lost connections and outages of the PostgreSQL server: 503 while it lasts, then recovery."""

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing, suppress

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from server_admin import run_admin
{% if is_async %}
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
{% else %}
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
{% endif %}
from sqlalchemy.pool import NullPool
from support import checked_out, running, wait_until

from {{ slug }}.config import Settings
from {{ slug }}.db import APPLICATION_NAME, create_db_engine
from {{ slug }}.main import create_app
from {{ slug }}.sessions import (
    SessionDep,
    create_read_session_factory,
    get_read_session_factory,
)


def database_name(settings: Settings) -> str:
    return str(make_url(settings.database_url).database)


async def kill_app_connections(admin: {{ Engine }}, settings: Settings) -> int:
    """Terminate the service's connections server-side, as a database restart would."""
    query = "FROM pg_stat_activity WHERE datname = :db AND application_name = :app"
    params = {"db": database_name(settings), "app": APPLICATION_NAME}
    killed = {{ await }}run_admin(admin, f"SELECT pg_terminate_backend(pid) {query}", **params)

    {{ async }}def gone() -> bool:
        return not {{ await }}run_admin(admin, f"SELECT pid {query}", **params)

    await wait_until("the server processes are gone", gone, within=5)
    # They leave pg_stat_activity just before they exit and close their sockets; a real
    # restart takes far longer than this.
    await asyncio.sleep(0.2)
    return len(killed)


{{ async }}def idle_in_transaction(admin: {{ Engine }}, settings: Settings) -> int:
    rows = {{ await }}run_admin(
        admin,
        "SELECT pid FROM pg_stat_activity"
        " WHERE datname = :db AND application_name = :app AND state LIKE 'idle in transaction%'",
        db=database_name(settings),
        app=APPLICATION_NAME,
    )
    return len(rows)


@asynccontextmanager
async def outage(admin: {{ Engine }}, settings: Settings) -> AsyncIterator[None]:
    """The database refuses connections, and has dropped the service's, until the block ends."""
    name = database_name(settings)
    {{ await }}run_admin(admin, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    try:
        await kill_app_connections(admin, settings)
        yield
    finally:
        {{ await }}run_admin(admin, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


async def test_killed_connections_are_replaced_before_the_next_request(
    admin: {{ Engine }}, live_settings: Settings, live_client: AsyncClient
) -> None:
    assert (await live_client.get("/items/")).status_code == 200

    assert await kill_app_connections(admin, live_settings) > 0
    response = await live_client.get("/items/")

    assert response.status_code == 200  # the pool saw the closed connection and opened a new one


async def test_a_connection_lost_mid_request_is_503_and_not_leaked(live_app: FastAPI, live_client: AsyncClient) -> None:
    @live_app.get("/lose-connection")
    {{ async }}def lose_connection(db: SessionDep) -> None:
        {{ await }}db.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    response = await live_client.get("/lose-connection")

    assert response.status_code == 503
    assert checked_out(live_app) == 0
    assert (await live_client.get("/items/")).status_code == 200


async def test_health_reports_an_outage_while_it_lasts(
    admin: {{ Engine }}, live_settings: Settings, live_client: AsyncClient
) -> None:
    assert (await live_client.get("/health")).status_code == 200

    async with outage(admin, live_settings):
        during = [await live_client.get(path) for path in ("/health", "/items/", "/items/1")]

    after = await live_client.get("/health")

    assert [response.status_code for response in during] == [503, 503, 503]
    assert all("retry-after" in response.headers for response in during)
    assert after.status_code == 200


@pytest.fixture
def silent_server() -> Iterator[str]:
    """The URL of a server that accepts connections and never answers, as a hung database does."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield f"postgresql://postgres@127.0.0.1:{server.getsockname()[1]}/nowhere"


async def test_health_is_503_within_its_timeout_when_the_server_does_not_answer(
    app: FastAPI, settings: Settings, silent_server: str
) -> None:
    app.state.settings = settings.model_copy(update={"health_timeout": 0.2})
    engine = create_db_engine(Settings(database_url=silent_server))
    app.dependency_overrides[get_read_session_factory] = lambda: create_read_session_factory(engine)
    async with AsyncClient(transport=ASGITransport(app), base_url="http://test") as client:
        started = time.monotonic()
        response = await client.get("/health")
        waited = time.monotonic() - started
    {{ await }}engine.dispose()

    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert waited < 2, "it must answer after HEALTH_TIMEOUT, not after DB_CONNECT_TIMEOUT (5 s)"


class FreezingProxy:
    """A TCP proxy to the database that stops passing bytes on when frozen, as a frozen server does.

    It runs in threads of its own: a sync app's database calls block the event loop.
    """

    def __init__(self, url: str) -> None:
        self.target = make_url(url)
        self.frozen = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.sockets = [self.listener]
        threading.Thread(target=self.accept, daemon=True).start()

    @property
    def url(self) -> str:
        """The URL that reaches the database through the proxy."""
        port = self.listener.getsockname()[1]
        return self.target.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)

    def accept(self) -> None:
        with suppress(OSError):  # until close()
            while True:
                client, _ = self.listener.accept()
                server = socket.create_connection((str(self.target.host), int(self.target.port or 5432)))
                self.sockets += [client, server]
                for source, sink in ((client, server), (server, client)):
                    threading.Thread(target=self.pipe, args=(source, sink), daemon=True).start()

    def pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):  # until close()
            while (data := source.recv(65536)) and not self.frozen.is_set():
                sink.sendall(data)

    def close(self) -> None:
        """Drop every connection, as a server that is restarted at last does."""
        for sock in self.sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


async def test_health_is_503_within_its_timeout_when_the_server_freezes(live_settings: Settings) -> None:
    """A connection from the pool meets a server that stops answering: /health still answers in time."""
    with closing(FreezingProxy(live_settings.database_url)) as proxy:
        app = create_app(live_settings.model_copy(update={"database_url": proxy.url, "health_timeout": 0.5}))
        async with running(app) as client:
            assert (await client.get("/health")).status_code == 200  # its connection is pooled now
            proxy.frozen.set()
            started = time.monotonic()
            response = await client.get("/health")
            waited = time.monotonic() - started
            proxy.close()  # before the app closes its pool, so that the check given up returns its connection

    assert response.status_code == 503
    assert waited < 1.5, f"answered after {waited:.1f} s, HEALTH_TIMEOUT being 0.5 s"


async def test_health_reports_a_server_that_accepts_no_writes(admin: {{ Engine }}, live_settings: Settings) -> None:
    """As a standby does, or a database set read-only."""
    name = database_name(live_settings)
    {{ await }}run_admin(admin, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    try:
        async with running(create_app(live_settings){{ ", user=None" if has_auth }}) as client:  # its connections are new: read-only
            response = await client.get("/health")
    finally:
        {{ await }}run_admin(admin, f'ALTER DATABASE "{name}" RESET default_transaction_read_only')

    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert response.json() == {"detail": "The database cannot be written; try again shortly."}


async def test_pgbouncer_mode_serves_requests(live_settings: Settings) -> None:
    """DB_PGBOUNCER and DB_NULL_POOL: no pool, no reused prepared statements, same behaviour."""
    app = create_app(live_settings.model_copy(update={"db_pgbouncer": True, "db_null_pool": True}))
    async with running(app) as client:
        created = await client.post("/items/", json={"title": "Pen"})
        for _ in range(10):  # more than the drivers' thresholds for preparing statements
            assert (await client.get(f"/items/{created.json()['id']}")).status_code == 200
        deleted = await client.delete(f"/items/{created.json()['id']}")

        assert created.status_code == 201
        assert deleted.status_code == 204
        assert isinstance(app.state.engine.pool, NullPool)


async def test_no_session_is_left_idle_in_transaction(
    admin: {{ Engine }}, live_app: FastAPI, live_client: AsyncClient, live_settings: Settings
) -> None:
    @live_app.post("/fail-after-write")
    {{ async }}def fail_after_write(db: SessionDep) -> None:
        {{ await }}db.execute(text("INSERT INTO items (title) VALUES ('doomed')"))
        raise RuntimeError("failure inside the transaction")

    for _ in range(5):
        await live_client.post("/items/", json={"title": "Pen"})
        await live_client.post("/fail-after-write")
        await live_client.get("/items/999999")

    assert {{ await }}idle_in_transaction(admin, live_settings) == 0
    assert checked_out(live_app) == 0
