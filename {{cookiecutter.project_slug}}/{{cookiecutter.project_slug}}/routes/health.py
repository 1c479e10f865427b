{% set is_async = cookiecutter.session_mode == "async" %}
"""Liveness check that includes a round trip to the database."""

from fastapi import APIRouter
from sqlalchemy import text

from ..db import SessionDep
from ..schemas import Health, Problem

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    responses={503: {"model": Problem, "description": "The database cannot be reached"}},
)
{{ "async " if is_async }}def health(db: SessionDep) -> Health:
    {{ "await " if is_async }}db.execute(text("SELECT 1"))
    return Health(status="ok")
