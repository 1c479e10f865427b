{% from "variant.jinja" import is_async, slug, async, await, Engine, Iterator, has_alembic, has_auth with context %}
{% set unreachable_url = "postgresql://postgres@127.0.0.1:9/nowhere" %}
"""Fixtures: a database for the test run, and one rolled-back transaction per test.

``client`` serves the app with every request's session joined to the test's
transaction (commits become savepoints), so tests never see each other's data.
``live_app``/``live_client`` use the real lifespan, engine, pool and ``get_db``,
for tests of connection handling (see support.py); what they commit is deleted
after each test.
"""

import os
import uuid
{% if is_async %}
from collections.abc import AsyncIterator
{% else %}
from collections.abc import AsyncIterator, Iterator
{% endif %}

import pytest
{% if has_auth %}
from accounts import add_user, bearer
{% endif %}
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from server_admin import run_admin
{% if is_async %}
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
{% else %}
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
{% endif %}
from support import delete_committed_rows, migrate, recording_statements, running

{% include "test_fixtures_imports.py.jinja" %}

# The server the tests create their database on; the user must be allowed to CREATE DATABASE.
SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# How the test databases' names start: runs that share a server can each set their own,
# to tell their databases apart.
DATABASE_PREFIX = os.environ.get("TEST_DATABASE_PREFIX", "test_")


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
    unique = f"{DATABASE_PREFIX}{uuid.uuid4().hex[:12]}_"
    name = f"{unique}{{ slug }}"[:63]
    try:
        {{ await }}run_admin(admin, f'CREATE DATABASE "{name}"')
    except Exception as error:  # any failure to reach the server ends the run with advice
        pytest.exit(cannot_create_database(server, error), returncode=1)
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        {{ await }}run_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


{% include "test_fixtures.py.jinja" %}


@pytest.fixture(scope="session")
def live_database(settings: Settings, engine: {{ Engine }}) -> Settings:
    """The live app commits for real, on the run's database (which ``engine`` prepared)."""
    return settings


{% if has_alembic %}
@pytest.fixture
{{ async }}def empty_database_url(admin: {{ Engine }}, database_url: str) -> {{ Iterator }}[str]:
    """A database with nothing in it, dropped after the test."""
    name = f"{make_url(database_url).database}_empty"
    {{ await }}run_admin(admin, f'CREATE DATABASE "{name}"')
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    {{ await }}run_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


{% endif %}
{% include "live_fixtures.py.jinja" %}
