{% from "variant.jinja" import is_async, async, await with context %}
"""Liveness check that includes a round trip to the database{{ " and its schema version" if cookiecutter.use_alembic }}."""

{% if cookiecutter.use_alembic %}
from fastapi import APIRouter, HTTPException, status
{% else %}
from fastapi import APIRouter
{% endif %}
from sqlalchemy import text

from ..db import ReadSessionDep
from ..errors import DATABASE_ERRORS
{% if cookiecutter.use_alembic %}
from ..schema_version import schema_problem
{% endif %}
from ..schemas import Health

router = APIRouter(tags=["health"], responses=DATABASE_ERRORS)


@router.get("/health")
{{ async }}def health(db: ReadSessionDep) -> Health:
    {{ await }}db.execute(text("SELECT 1"))
{% if cookiecutter.use_alembic %}
    problem = {{ "await db.run_sync(lambda session: schema_problem(session.connection()))" if is_async else "schema_problem(db.connection())" }}
    if problem is not None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"The database schema is out of date: {problem}.")
{% endif %}
    return Health(status="ok")
