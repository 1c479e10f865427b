{% from "variant.jinja" import async, await with context %}
"""Liveness check that includes a round trip to the database."""

from fastapi import APIRouter
from sqlalchemy import text

from ..db import ReadSessionDep
from ..errors import DATABASE_ERRORS
from ..schemas import Health

router = APIRouter(tags=["health"], responses=DATABASE_ERRORS)


@router.get("/health")
{{ async }}def health(db: ReadSessionDep) -> Health:
    {{ await }}db.execute(text("SELECT 1"))
    return Health(status="ok")
