{% from "variant.jinja" import is_async, async, await with context %}
"""Liveness check that includes a round trip to the database{{ " and its schema version" if cookiecutter.use_alembic }}."""

{% if cookiecutter.use_alembic %}
import logging
from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from fastapi import APIRouter, FastAPI, HTTPException, status
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError
{% else %}
from fastapi import APIRouter
from sqlalchemy import text
{% endif %}

from ..db import ReadSessionDep
from ..errors import DATABASE_ERRORS
from ..schemas import Health

router = APIRouter(tags=["health"], responses=DATABASE_ERRORS)
{% if cookiecutter.use_alembic %}
logger = logging.getLogger(__name__)

# Found as the alembic command finds it: in the working directory (the project's root,
# or /app in the Docker image).
ALEMBIC_INI = Path("alembic.ini")


@lru_cache
def migration_scripts() -> ScriptDirectory | None:
    """The project's migrations, or None where they are not deployed."""
    return ScriptDirectory.from_config(Config(ALEMBIC_INI)) if ALEMBIC_INI.is_file() else None


def schema_problem(connection: Connection) -> str | None:
    """Why the database's schema does not match the code's migrations, or None if it does."""
    scripts = migration_scripts()
    if scripts is None:
        return None
    current = MigrationContext.configure(connection).get_current_heads()
    heads = tuple(scripts.get_heads())
    if set(current) == set(heads):
        return None
    try:
        pending = [script.revision for script in scripts.iterate_revisions(heads, current or "base")]
    except RevisionError:
        return f"the database is at revision {', '.join(current)}, which this code does not have"
    return f"migrations not applied: {', '.join(reversed(pending))}; run `make migrate` (alembic upgrade head)"
{% endif %}


@router.get("/health")
{{ async }}def health(db: ReadSessionDep) -> Health:
    {{ await }}db.execute(text("SELECT 1"))
{% if cookiecutter.use_alembic %}
    problem = {{ "await db.run_sync(lambda session: schema_problem(session.connection()))" if is_async else "schema_problem(db.connection())" }}
    if problem is not None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"The database schema is out of date: {problem}.")
{% endif %}
    return Health(status="ok")
{% if cookiecutter.use_alembic %}


{{ async }}def check_schema_version(app: FastAPI) -> None:
    """At startup: log an error when the database's schema is not the code's."""
    try:
        {{ async }}with app.state.engine.connect() as connection:
            problem = {{ "await connection.run_sync(schema_problem)" if is_async else "schema_problem(connection)" }}
    except (SQLAlchemyError, OSError):
        logger.warning("Could not check the database schema version at startup", exc_info=True)
        return
    if problem is not None:
        logger.error("The database schema is out of date: %s", problem)
{% endif %}
