{% from "variant.jinja" import is_async, async with context %}
"""Whether the database's schema is the code's: the revisions Alembic recorded in it against the migrations' heads."""

import logging
from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from fastapi import FastAPI
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

# Found as the alembic command finds it: in the working directory (the project's root,
# or /app in the Docker image).
ALEMBIC_INI = Path("alembic.ini")
VERSION_TABLE = "alembic_version"
# A plain statement: /health reads the table without building objects to describe it.
STORED_VERSIONS = text("SELECT version_num FROM alembic_version")


@lru_cache
def migrations() -> tuple[ScriptDirectory, frozenset[str]] | None:
    """The project's migrations and the revisions they end at, or None where they are not deployed."""
    if not ALEMBIC_INI.is_file():
        return None
    scripts = ScriptDirectory.from_config(Config(ALEMBIC_INI))
    return scripts, frozenset(scripts.get_heads())


def stored_versions(connection: Connection) -> frozenset[str]:
    """The revisions the database is at: none if it was never migrated."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    return frozenset(connection.scalars(STORED_VERSIONS))


def schema_problem(connection: Connection) -> str | None:
    """Why the database's schema does not match the code's migrations, or None if it does."""
    if (found := migrations()) is None:
        return None
    scripts, heads = found
    current = stored_versions(connection)
    if current == heads:
        return None
    try:
        pending = [script.revision for script in scripts.iterate_revisions(tuple(heads), tuple(current) or "base")]
    except RevisionError:
        return f"the database is at revision {', '.join(sorted(current))}, which this code does not have"
    return f"migrations not applied: {', '.join(reversed(pending))}; run `make migrate` (alembic upgrade head)"


{{ async }}def check_at_startup(app: FastAPI) -> None:
    """Log an error when the database's schema is not the code's; /health answers 503 until it is."""
    try:
        {{ async }}with app.state.engine.connect() as connection:
            problem = {{ "await connection.run_sync(schema_problem)" if is_async else "schema_problem(connection)" }}
    except (SQLAlchemyError, OSError):
        logger.warning("Could not check the database schema version at startup", exc_info=True)
        return
    if problem is not None:
        logger.error("The database schema is out of date: %s", problem)
