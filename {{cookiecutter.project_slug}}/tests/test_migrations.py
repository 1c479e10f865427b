{% from "variant.jinja" import async, await, has_auth with context %}
"""The migrations build exactly the models' schema, and can be undone and redone.

Runs Alembic's commands in-process with the project's alembic.ini and DATABASE_URL
pointing at an empty database, so migrations/env.py connects as it does for
`alembic upgrade head` (settings, then the app's engine factory).
"""

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
{% if has_auth %}
from accounts import bearer
{% endif %}
from alembic import command
from alembic.config import Config
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from support import running

from {{ cookiecutter.project_slug }}.config import Settings, get_settings
from {{ cookiecutter.project_slug }}.db import create_db_engine
from {{ cookiecutter.project_slug }}.main import create_app
from {{ cookiecutter.project_slug }}.observability import statement_logger

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


@pytest.fixture
def alembic_config(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Config]:
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    yield Config(ALEMBIC_INI, output_buffer=io.StringIO(), stdout=io.StringIO(), attributes={"configure_logger": False})
    get_settings.cache_clear()


def output_of(config: Config, run: str, *args: str, sql: bool = False) -> str:
    """What an Alembic command prints (SQL goes to the output buffer, the rest to stdout)."""
    stream = config.output_buffer if sql else config.stdout
    assert isinstance(stream, io.StringIO)
    stream.seek(0)
    stream.truncate()
    getattr(command, run)(config, *args, **({"sql": True} if sql else {}))
    return stream.getvalue()


def test_upgrade_check_downgrade_and_upgrade_again(alembic_config: Config) -> None:
    assert "(head)" not in output_of(alembic_config, "current")

    command.upgrade(alembic_config, "head")
    assert "(head)" in output_of(alembic_config, "current")
    command.check(alembic_config)  # raises if the models and the migrations differ

    command.downgrade(alembic_config, "base")
    assert "(head)" not in output_of(alembic_config, "current")

    command.upgrade(alembic_config, "head")
    command.check(alembic_config)


def test_the_migrations_can_be_rendered_as_sql(alembic_config: Config) -> None:
    sql = output_of(alembic_config, "upgrade", "head", sql=True)

    assert "CREATE TABLE items" in sql


async def test_an_app_started_before_its_migrations_says_so(
    empty_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Started without `make migrate`: an ERROR at startup, /health 503 with the reason, logged 500s."""
    app = create_app(Settings(database_url=empty_database_url))
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app, raise_app_exceptions=False)
{% if has_auth %}
        headers = bearer(app.state.settings, 1)  # a token is checked before the database is
        async with AsyncClient(transport=transport, base_url="http://test", headers=headers) as client:
{% else %}
        async with AsyncClient(transport=transport, base_url="http://test") as client:
{% endif %}
            health = await client.get("/health")
            read = await client.get("/items/1")

    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    startup = errors[0].getMessage()
    assert startup.startswith("The database schema is out of date: migrations not applied: 0001")
    assert "make migrate" in startup
    assert health.status_code == 503
    assert "0001" in health.json()["detail"]
    assert "make migrate" in health.json()["detail"]
    assert read.status_code == 500
    assert [record.getMessage().split(":")[0] for record in errors[1:]] == ["GET /items/1 failed with a 500"]
    assert errors[1].exc_info is not None


@pytest.fixture
def migrated_database_url(alembic_config: Config, empty_database_url: str) -> str:
    command.upgrade(alembic_config, "head")
    return empty_database_url


async def test_an_app_on_a_database_a_newer_release_migrated_stays_ready(
    migrated_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A rollout runs the next release's migrations first; this release's instances serve on meanwhile."""
    settings = Settings(database_url=migrated_database_url)
    engine = create_db_engine(settings)  # as the next release's migration leaves it:
    {{ async }}with engine.begin() as connection:
        {{ await }}connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeedbeef'"))
    {{ await }}engine.dispose()

    async with running(create_app(settings)) as client:
        ready = await client.get("/health/ready")

    assert ready.status_code == 200, ready.text
    # (A statement slowed by a busy machine would be a WARNING of its own.)
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    logged = [(record.levelname, record.getMessage()) for record in warnings if record.name != statement_logger.name]
    assert logged == [
        (
            "WARNING",
            "The database is at revision f00dfeedbeef, which this code does not have: "
            "a newer release migrated it; serving on",
        )
    ]
