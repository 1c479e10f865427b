{% from "variant.jinja" import is_async, is_pg, slug, async, await, Engine, Connection, Session, sessionmaker, Iterator with context %}
"""Fixtures: a database for the test run, and one rolled-back transaction per test.

``client`` serves the app with every request's session joined to the test's
transaction (commits become savepoints), so tests never see each other's data.
``live_app``/``live_client`` use the real lifespan, engine, pool and ``get_db``,
for tests of connection handling (see support.py); what they commit is deleted
after each test.
"""

{% if is_pg %}
import os
import uuid
{% endif %}
{% if is_async %}
from collections.abc import AsyncIterator
{% else %}
from collections.abc import AsyncIterator, Iterator
{% endif %}
{% if not is_pg and cookiecutter.use_alembic %}
from pathlib import Path
{% endif %}

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
{% if is_async and is_pg %}
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
{% elif is_async %}
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
{% elif is_pg %}
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
{% else %}
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
{% endif %}
{% if is_pg %}
from support import delete_committed_items, migrate, run_admin, running
{% else %}
from support import delete_committed_items, migrate, running
{% endif %}

from {{ slug }}.config import Settings
from {{ slug }}.db import create_db_engine, create_session_factory, get_session_factory
from {{ slug }}.main import create_app

{% if is_pg %}
# The server the tests create their database on; the user must be allowed to CREATE DATABASE.
SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def cannot_create_database(server: URL, error: Exception) -> str:
    reason = str(error).splitlines()[0]
    return (
        f"Cannot create a test database on PostgreSQL at {server.render_as_string()}: {reason}\n"
        "Start PostgreSQL there, or set TEST_DATABASE_URL to a server where this user may "
        "create databases, e.g. TEST_DATABASE_URL=postgresql://user:password@host:5432/postgres"
    )


@pytest.fixture(scope="session")
{{ async }}def admin() -> {{ Iterator }}[{{ Engine }}]:
    """An autocommit engine on the TEST_DATABASE_URL server (not on the test database)."""
    admin = create_db_engine(Settings(database_url=SERVER_URL)).execution_options(isolation_level="AUTOCOMMIT")
    yield admin
    {{ await }}admin.dispose()


@pytest.fixture(scope="session")
{{ async }}def database_url(admin: {{ Engine }}) -> {{ Iterator }}[str]:
    """A database created on the TEST_DATABASE_URL server for this run, dropped afterwards."""
    server = make_url(Settings(database_url=SERVER_URL).database_url)
    name = f"test_{uuid.uuid4().hex[:12]}_{{ slug }}"[:63]
    try:
        {{ await }}run_admin(admin, f'CREATE DATABASE "{name}"')
    except Exception as error:  # any failure to reach the server ends the run with advice
        pytest.exit(cannot_create_database(server, error), returncode=1)
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        {{ await }}run_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
{% else %}

@pytest.fixture(scope="session")
def database_url() -> str:
    """An in-memory SQLite database (one shared connection, see ``create_db_engine``)."""
    return "sqlite://"
{% endif %}


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


@pytest.fixture
def app(settings: Settings, session_factory: {{ sessionmaker }}[{{ Session }}]) -> FastAPI:
    app = create_app(settings)
    app.dependency_overrides[get_session_factory] = lambda: session_factory
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app), base_url="http://test") as client:
        yield client


@pytest.fixture
async def unreachable_client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """A client for the app with a database that cannot be reached."""
{% if is_pg %}
    engine = create_db_engine(Settings(database_url="postgresql://postgres@127.0.0.1:9/nowhere"))
{% else %}
    engine = create_db_engine(Settings(database_url="sqlite:////nonexistent-directory/nowhere.db"))
{% endif %}
    app.dependency_overrides[get_session_factory] = lambda: create_session_factory(engine)
    async with AsyncClient(transport=ASGITransport(app), base_url="http://test") as client:
        yield client
    {{ await }}engine.dispose()


{% if is_pg %}
@pytest.fixture(scope="session")
def live_settings(settings: Settings, engine: {{ Engine }}) -> Settings:
    """The live app commits for real, on the run's database (which ``engine`` prepared)."""
    return settings
{% else %}
@pytest.fixture(scope="session")
{{ async }}def live_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A file database, so that the live app gets a real connection pool."""
    settings = Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}")
    engine = create_db_engine(settings)
    {{ await }}migrate(engine)
    {{ await }}engine.dispose()
    return settings
{% endif %}


{% if cookiecutter.use_alembic %}
@pytest.fixture
{% if is_pg %}
{{ async }}def empty_database_url(admin: {{ Engine }}, database_url: str) -> {{ Iterator }}[str]:
    """A database with nothing in it, dropped after the test."""
    name = f"{make_url(database_url).database}_empty"
    {{ await }}run_admin(admin, f'CREATE DATABASE "{name}"')
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    {{ await }}run_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
{% else %}
def empty_database_url(tmp_path: Path) -> str:
    """A database with nothing in it."""
    return f"sqlite:///{tmp_path / 'empty.db'}"
{% endif %}


{% endif %}
@pytest.fixture
async def live_app(live_settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with its real engine, pool and ``get_db``; run it with ``live_client`` or ``serving()``."""
    yield create_app(live_settings)
    {{ await }}delete_committed_items(live_settings)


@pytest.fixture
async def live_client(live_app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with running(live_app) as client:
        yield client
