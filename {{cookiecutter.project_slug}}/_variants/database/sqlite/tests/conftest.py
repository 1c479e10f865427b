{% from "variant.jinja" import is_async, async, await, has_alembic, has_auth with context %}
{% set unreachable_url = "sqlite:////nonexistent-directory/nowhere.db" %}
"""Fixtures: a database for the test run, and one rolled-back transaction per test.

``client`` serves the app with every request's session joined to the test's
transaction (commits become savepoints), so tests never see each other's data.
``live_app``/``live_client`` use the real lifespan, engine, pool and ``get_db``,
for tests of connection handling (see support.py); what they commit is deleted
after each test.
"""

from collections.abc import AsyncIterator{{ ", Iterator" if not is_async }}
{% if has_alembic %}
from pathlib import Path
{% endif %}

import pytest
{% if has_auth %}
from accounts import add_user, bearer
{% endif %}
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
{% else %}
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
{% endif %}
from support import delete_committed_rows, migrate, recording_statements, running

{% include "test_fixtures_imports.py.jinja" %}


@pytest.fixture(scope="session")
def database_url() -> str:
    """An in-memory SQLite database (one shared connection, see ``create_db_engine``)."""
    return "sqlite://"


{% include "test_fixtures.py.jinja" %}


@pytest.fixture(scope="session")
{{ async }}def live_database(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A file database, so that the live app gets a real connection pool."""
    settings = Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}")
    engine = create_db_engine(settings)
    {{ await }}migrate(engine)
    {{ await }}engine.dispose()
    return settings


{% if has_alembic %}
@pytest.fixture
def empty_database_url(tmp_path: Path) -> str:
    """A database with nothing in it."""
    return f"sqlite:///{tmp_path / 'empty.db'}"


{% endif %}
{% include "live_fixtures.py.jinja" %}
