{% from "variant.jinja" import is_async, slug, async, await, Engine, Iterator, contextmanager, has_alembic, has_auth with context %}
"""Helpers for tests of the real wiring: the schema, a live app, a real server, the pool."""

import asyncio
import inspect
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
{% if has_auth %}
from accounts import add_user, bearer
{% endif %}
{% if has_alembic %}
from alembic import command
from alembic.config import Config
{% endif %}
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Limits, Response
from sqlalchemy import Connection, Engine, delete, event
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncEngine
{% endif %}

from {{ slug }}.config import Settings
from {{ slug }}.db import create_db_engine
{% if has_alembic %}
from {{ slug }}.models import Base

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_schema(connection: Connection) -> None:
    """Build the schema as production does, with the migrations (alembic upgrade head)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
{% else %}
from {{ slug }}.models import Base


def create_schema(connection: Connection) -> None:
    """Build the schema from the models, as the app's lifespan does."""
    Base.metadata.create_all(connection)
{% endif %}


{{ async }}def migrate(engine: {{ Engine }}) -> None:
    """Create the schema in ``engine``'s database."""
{% if is_async %}
    async with engine.begin() as connection:
        await connection.run_sync(create_schema)
{% else %}
    with engine.begin() as connection:
        create_schema(connection)
{% endif %}


{{ async }}def delete_committed_rows(settings: Settings) -> None:
    """Delete what tests committed, from every table of the models (children first)."""
    engine = create_db_engine(settings)
    {{ async }}with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            {{ await }}connection.execute(delete(table))
    {{ await }}engine.dispose()


@asynccontextmanager
{% if has_auth %}
async def running(app: FastAPI, user: str | int | None = "owner@example.com") -> AsyncIterator[AsyncClient]:
    """Run ``app``'s lifespan and yield a client for it, with the access token of ``user``: a new
    user with that email, or the user with that id (``None``: no token).

    The client gets a 500 response, not the exception, when the app fails.
    """
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            if isinstance(user, str):
                user = ({{ await }}add_user(app.state.session_factory, user)).id
            if user is not None:
                client.headers.update(bearer(app.state.settings, user))
            yield client
{% else %}
async def running(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """Run ``app``'s lifespan and yield a client for it.

    The client gets a 500 response, not the exception, when the app fails.
    """
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
{% endif %}


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port, in a thread; yield its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


async def wait_until(what: str, condition: Callable[[], bool | Awaitable[bool]], within: float = 10) -> None:
    """Wait until ``condition()`` (which may be async) holds; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        met = condition()
        if inspect.isawaitable(met):
            met = await met
        if met:
            return
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.01)


def checked_out(app: FastAPI) -> int:
    """Connections that the app's pool has lent out and not got back."""
    count: int = app.state.engine.pool.checkedout()
    return count


@{{ contextmanager }}
{{ async }}def holding_connections(app: FastAPI, count: int = 1) -> {{ Iterator }}[None]:
    """Hold ``count`` connections of the app's pool, as requests in progress do, until the block ends."""
    held = [{{ await }}app.state.engine.connect() for _ in range(count)]
    try:
        for connection in held:
            {{ await }}connection.exec_driver_sql("SELECT 1")
        yield
    finally:
        for connection in held:
            {{ await }}connection.close()


# BEGIN, SAVEPOINT, RELEASE SAVEPOINT, ROLLBACK TO SAVEPOINT: not what a request asks for.
TRANSACTION_CONTROL = re.compile(r"(BEGIN|SAVEPOINT|RELEASE|ROLLBACK)\b", re.IGNORECASE)


@contextmanager
def recording_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` sends while the block runs, transaction control left out."""
    statements: list[str] = []

    def record(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        if not TRANSACTION_CONTROL.match(statement):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


TESTS = Path(__file__).resolve().parent
# Only for a server that neither gets ready nor exits: the waits below end as soon as it
# reports ready or exits, and a loaded machine may take many seconds to start workers.
LAST_RESORT = 300  # seconds


@contextmanager
def serving_logged(
    settings: Settings,
    log: Path,
    workers: int = 1,
    command: list[str] | None = None,
    cwd: Path = TESTS.parent,
    **env: str,
) -> Iterator[str]:
    """Serve tests/observed_app.py with the uvicorn command, its stderr and stdout in ``log``; yield its base URL.

    Settings come from the environment, as in production: ``settings``' database, and ``env``
    (and from a ``.env`` file in ``cwd``). ``command`` serves instead (and must start ``workers`` workers).
    """
    environment = {**os.environ, "DATABASE_URL": settings.database_url, **env}
    app = ["observed_app:app", "--app-dir", str(TESTS)]
    command = command or [sys.executable, "-m", "uvicorn", *app, "--port", "0", "--workers", str(workers)]
    with log.open("w") as output:
        server = subprocess.Popen(command, env=environment, stdout=output, stderr=output, cwd=cwd)
    try:
        yield started(server, log, workers)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=LAST_RESORT)


def started(server: subprocess.Popen[bytes], log: Path, workers: int) -> str:
    """The server's base URL, once its log says that it listens and every worker's app has started."""
    awaited = f"uvicorn to listen and {workers} worker(s) to report 'Application startup complete'"
    deadline = time.monotonic() + LAST_RESORT
    while True:
        text = log.read_text()
        listening = re.search(r"Uvicorn running on (http://[\w.:]+)", text)
        if listening and text.count("Application startup complete") >= workers:
            return listening.group(1)
        assert server.poll() is None, f"uvicorn exited (status {server.returncode}) before it was ready:\n{text}"
        # uvicorn replaces a worker that dies, and would go on doing so.
        assert not re.search(r"Child process \[\d+\] died", text), f"a worker died before it was ready:\n{text}"
        assert time.monotonic() < deadline, f"waited {LAST_RESORT} s for {awaited}; its log:\n{text}"
        time.sleep(0.01)


# `python -m` the package, one worker, serving main.app with the routes tests/observed_app.py adds (GET /slow...).
SERVE_OBSERVED_APP = """
import observed_app
from {{ slug }}.__main__ import main
main()
"""


@dataclass
class Stopped:
    """What a server stopped by SIGTERM with requests in flight answered, and when it exited."""

    responses: list[Response | BaseException]  # the requests in flight at the signal
    unfinished_after_probes: int  # of those, how many had no answer yet when the probes below had theirs
    ready: Response  # GET /health/ready, sent just after the signal
    live: Response  # GET /health/live, sent just after the signal
    returncode: int
    seconds_to_exit: float
    log: str
    in_flight_seen: Any = None  # what ``observe`` returned while every request was in flight


def serve_observed_app(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("w") as stderr:
        return subprocess.Popen([sys.executable, "-c", SERVE_OBSERVED_APP], env=environment, stderr=stderr)


async def sigterm_while_serving(
    settings: Settings,
    log: Path,
    in_flight: int,
    seconds: float,
    observe: Callable[[], Awaitable[Any]] | None = None,
    **env: str,
) -> Stopped:
    """Serve with ``python -m``, send SIGTERM while ``in_flight`` requests each hold a pool connection
    for ``seconds``; what followed. The pool has ``in_flight`` connections, so all of them are taken
    (and /health/ready says so) once every request is in the database; ``observe()`` runs then,
    just before the signal."""
    environment = {**os.environ, "DATABASE_URL": settings.database_url, "PORT": "0", "PYTHONPATH": str(TESTS)}
    environment |= {"DB_POOL_SIZE": str(in_flight), **env}
    server = serve_observed_app(environment, log)
    try:
        url = started(server, log, 1)
        limits = Limits(max_connections=in_flight + 2)
        async with AsyncClient(base_url=url, timeout=LAST_RESORT, limits=limits) as client:
            slow = [asyncio.create_task(client.get("/slow", params={"seconds": seconds})) for _ in range(in_flight)]

            async def all_in_flight() -> bool:
                response = await client.get("/health/ready")
                return response.status_code == 503 and "connection is in use" in response.json()["detail"]

            await wait_until("every request holds a pool connection", all_in_flight)
            seen = await observe() if observe else None
            server.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            ready, live = await client.get("/health/ready"), await client.get("/health/live")
            unfinished = sum(not request.done() for request in slow)
            responses = await asyncio.gather(*slow, return_exceptions=True)
        returncode = await asyncio.to_thread(server.wait, LAST_RESORT)
        seconds_to_exit = time.monotonic() - signalled
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    text = await asyncio.to_thread(log.read_text)
    return Stopped(responses, unfinished, ready, live, returncode, seconds_to_exit, text, seen)
