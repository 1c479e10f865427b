"""The migrations build exactly the models' schema, and can be undone and redone.

Runs Alembic's commands in-process with the project's alembic.ini and DATABASE_URL
pointing at an empty database, so migrations/env.py connects as it does for
`alembic upgrade head` (settings, then the app's engine factory).
"""

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from {{ cookiecutter.project_slug }}.config import get_settings

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
