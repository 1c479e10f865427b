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


def unknown_here(current: frozenset[str]) -> list[str]:
    """Which of the database's revisions this code's migrations do not have: a newer release applied them."""
    if (found := migrations()) is None:
        return []
    scripts, _ = found
    missing = []
    for revision in sorted(current):
        try:
            scripts.revision_map.get_revision(revision)
        except RevisionError:
            missing.append(revision)
    return missing


def problem_with(current: frozenset[str]) -> str | None:
    """Why this code cannot serve on a database at revisions ``current`` (migrations it has are not applied), or None.

    A database ahead of the code is no problem: during a rollout the newer release's migrations
    run first and this release's instances serve on until they are replaced, which works because
    migrations keep the previous release working (add first; drop or rename a release later).
    """
    if (found := migrations()) is None:
        return None
    scripts, heads = found
    if current == heads or unknown_here(current):
        return None
    pending = [script.revision for script in scripts.iterate_revisions(tuple(heads), tuple(current) or "base")]
    return f"migrations not applied: {', '.join(reversed(pending))}; run `make migrate` (alembic upgrade head)"


def schema_problem(connection: Connection) -> str | None:
    """Why this code cannot serve on the database's schema, or None (see problem_with)."""
    return problem_with(stored_versions(connection))


{{ async }}def check_at_startup(app: FastAPI) -> None:
    """Log an error when the database lacks this code's migrations (/health answers 503 until it has them)."""
    try:
        {{ async }}with app.state.engine.connect() as connection:
            current = {{ "await connection.run_sync(stored_versions)" if is_async else "stored_versions(connection)" }}
    except (SQLAlchemyError, OSError):
        logger.warning("Could not check the database schema version at startup", exc_info=True)
        return
    if (problem := problem_with(current)) is not None:
        logger.error("The database schema is out of date: %s", problem)
    elif newer := unknown_here(current):
        logger.warning(
            "The database is at revision %s, which this code does not have: a newer release migrated it; serving on",
            ", ".join(newer),
        )
