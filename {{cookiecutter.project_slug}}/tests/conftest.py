{% from "variant.jinja" import is_async, slug, async, await, Engine, Connection, Session, sessionmaker, Iterator, sync_engine, has_auth with context %}
"""Fixtures: a database for the test run, and one rolled-back transaction per test.

``client`` serves the app with every request's session joined to the test's
transaction (commits become savepoints), so tests never see each other's data.
``live_app``/``live_client`` use the real lifespan, engine, pool and ``get_db``,
for tests of connection handling (see support.py); what they commit is deleted
after each test. The run's database itself comes from database.py.
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
{% if has_auth %}
from accounts import bearer, client_of
{% endif %}
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
{% else %}
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
{% endif %}
from starlette.datastructures import State
from support import delete_committed_rows, migrate, recording_statements, running

from {{ slug }}.config import Settings
from {{ slug }}.db import create_db_engine
from {{ slug }}.main import create_app
from {{ slug }}.sessions import (
    create_read_session_factory,
    create_session_factory,
    get_read_session_factory,
    get_session_factory,
)

# This database's own fixtures, on which those below build: the run's database (database_url),
# the live app's (live_database), one that cannot be reached (unreachable_url), an empty one
# for the migration tests (empty_database_url).
pytest_plugins = ["database"]


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
{{ async }}def engine(settings: Settings) -> {{ Iterator }}[{{ Engine }}]:
    """The run's database, with the schema built."""
    engine = create_db_engine(settings)
    {{ await }}migrate(engine)
    yield engine
    {{ await }}engine.dispose()


@pytest.fixture
{{ async }}def connection(engine: {{ Engine }}) -> {{ Iterator }}[{{ Connection }}]:
    """A connection inside a transaction that is rolled back when the test ends."""
    {{ async }}with engine.connect() as connection:
        transaction = {{ await }}connection.begin()
        yield connection
        {{ await }}transaction.rollback()


@pytest.fixture
def session_factory(connection: {{ Connection }}) -> {{ sessionmaker }}[{{ Session }}]:
    """Sessions joined to the test's transaction: their commits only release savepoints."""
    return {{ sessionmaker }}(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")


@pytest.fixture(scope="session")
def base_app(settings: Settings) -> FastAPI:
    """One app for every test's ``app``: FastAPI builds an app's routes on its first request, which
    costs more than most tests, so the tests share one and ``app`` undoes what each changes."""
    return create_app(settings)


@pytest.fixture
def app(base_app: FastAPI, engine: {{ Engine }}, session_factory: {{ sessionmaker }}[{{ Session }}]) -> Iterator[FastAPI]:
    """The app, with every request's session joined to the test's transaction."""
    app = base_app
    state = dict(app.state._state)
    app.state.engine = engine  # whose pool /health/ready looks at, as the lifespan (not run here) would set
    app.dependency_overrides[get_session_factory] = lambda: session_factory
    app.dependency_overrides[get_read_session_factory] = lambda: session_factory
    yield app
    app.dependency_overrides.clear()
    app.state = State(state)


{% if has_auth %}
@pytest.fixture
async def client(app: FastAPI, session_factory: {{ sessionmaker }}[{{ Session }}]) -> AsyncIterator[AsyncClient]:
    """A client that sends the access token of a user of its own, who owns what it creates."""
    async with client_of(app, session_factory, "owner@example.com") as client:
        yield client


@pytest.fixture
async def anonymous_client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app), base_url="http://test") as client:
        yield client
{% else %}
@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app), base_url="http://test") as client:
        yield client
{% endif %}


@pytest.fixture
{{ async }}def statements(engine: {{ Engine }}) -> {{ Iterator }}[list[str]]:
    """The SQL statements that the test's requests send (transaction control left out).

    Clear it, make a request, count: ``statements.clear(); await client.get(...)``, then
    ``assert len(statements) == 2``. A count that grows with the rows returned is an N+1.
    """
    with recording_statements(engine{{ sync_engine }}) as statements:
        yield statements


@pytest.fixture
async def unreachable_client(app: FastAPI, unreachable_url: str) -> AsyncIterator[AsyncClient]:
    """A client for the app with a database that cannot be reached."""
    engine = create_db_engine(Settings(database_url=unreachable_url))
    app.dependency_overrides[get_session_factory] = lambda: create_session_factory(engine)
    app.dependency_overrides[get_read_session_factory] = lambda: create_read_session_factory(engine)
{% if has_auth %}
    headers = bearer(app.state.settings, 1)  # checked before the database is
    async with AsyncClient(transport=ASGITransport(app), base_url="http://test", headers=headers) as client:
{% else %}
    async with AsyncClient(transport=ASGITransport(app), base_url="http://test") as client:
{% endif %}
        yield client
    {{ await }}engine.dispose()


@pytest.fixture
{{ async }}def live_settings(live_database: Settings) -> {{ Iterator }}[Settings]:
    """Settings for the live database; what the test commits there is deleted when it ends."""
    yield live_database
    {{ await }}delete_committed_rows(live_database)


@pytest.fixture
def live_app(live_settings: Settings) -> FastAPI:
    """The app with its real engine, pool and ``get_db``; run it with ``live_client`` or ``serving()``."""
    return create_app(live_settings)


@pytest.fixture
async def live_client(live_app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with running(live_app) as client:
        yield client


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leave test_api_schema.py out of the fast tier (`-m "not slow"`) before it is imported: its tests
    are all slow, and schemathesis builds them as the module is collected (about 1.5 s)."""
    if collection_path.name == "test_api_schema.py" and config.option.markexpr == "not slow":
        return True
    return None
