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


def unknown(scripts: ScriptDirectory, revisions: frozenset[str]) -> list[str]:
    """Which of ``revisions`` the migrations do not have."""
    missing = []
    for revision in sorted(revisions):
        try:
            scripts.revision_map.get_revision(revision)
        except RevisionError:
            missing.append(revision)
    return missing


def revisions_unknown_here(connection: Connection) -> list[str]:
    """The revisions the database is at that this code's migrations do not have: a newer release applied them."""
    if (found := migrations()) is None:
        return []
    scripts, _ = found
    return unknown(scripts, stored_versions(connection))


def schema_problem(connection: Connection) -> str | None:
    """Why this code cannot serve on the database's schema (migrations it has are not applied), or None.

    A database ahead of the code is no problem: during a rollout the newer release's migrations
    run first and this release's instances serve on until they are replaced, which works because
    migrations keep the previous release working (add first; drop or rename a release later).
    """
    if (found := migrations()) is None:
        return None
    scripts, heads = found
    current = stored_versions(connection)
    if current == heads or unknown(scripts, current):
        return None
    pending = [script.revision for script in scripts.iterate_revisions(tuple(heads), tuple(current) or "base")]
    return f"migrations not applied: {', '.join(reversed(pending))}; run `make migrate` (alembic upgrade head)"


{{ async }}def check_at_startup(app: FastAPI) -> None:
    """Log an error when the database lacks this code's migrations (/health answers 503 until it has them)."""
    try:
        {{ async }}with app.state.engine.connect() as connection:
            problem = {{ "await connection.run_sync(schema_problem)" if is_async else "schema_problem(connection)" }}
            newer = {{ "await connection.run_sync(revisions_unknown_here)" if is_async else "revisions_unknown_here(connection)" }}
    except (SQLAlchemyError, OSError):
        logger.warning("Could not check the database schema version at startup", exc_info=True)
        return
    if problem is not None:
        logger.error("The database schema is out of date: %s", problem)
    elif newer:
        logger.warning(
            "The database is at revision %s, which this code does not have: a newer release migrated it; serving on",
            ", ".join(newer),
        )
