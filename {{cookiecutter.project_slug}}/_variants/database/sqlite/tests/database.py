{% from "variant.jinja" import slug, async, await, has_alembic with context %}
"""The run's database: SQLite in memory, and a file for the live app.

conftest.py loads these fixtures (``pytest_plugins``) and builds the app's on them.
"""

{% if has_alembic %}
from pathlib import Path

{% endif %}
import pytest
from support import migrate

from {{ slug }}.config import Settings
from {{ slug }}.db import create_db_engine


@pytest.fixture(scope="session")
def database_url() -> str:
    """An in-memory SQLite database (one shared connection, see ``create_db_engine``)."""
    return "sqlite://"


@pytest.fixture(scope="session")
def unreachable_url() -> str:
    """A database that cannot be reached: a file in a directory that does not exist."""
    return "sqlite:////nonexistent-directory/nowhere.db"


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
