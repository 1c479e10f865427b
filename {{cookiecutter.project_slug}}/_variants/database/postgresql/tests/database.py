{% from "variant.jinja" import is_async, slug, async, await, Engine, Iterator, has_alembic with context %}
"""The run's database: created on the TEST_DATABASE_URL server, dropped when the run ends.

conftest.py loads these fixtures (``pytest_plugins``) and builds the app's on them.
"""

import os
import uuid
from collections.abc import {{ Iterator }}

import pytest
from server_admin import run_admin
{% if is_async %}
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine
{% else %}
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url
{% endif %}

from {{ slug }}.config import Settings
from {{ slug }}.db import create_db_engine

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


@pytest.fixture(scope="session")
def unreachable_url() -> str:
    """A database that cannot be reached: no server listens on port 9 (discard)."""
    return "postgresql://postgres@127.0.0.1:9/nowhere"


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
