{% from "variant.jinja" import is_async, in_turn, Session, sessionmaker with context %}
"""Health check: the database answers and can be written{{ ", and its schema is the code's" if cookiecutter.use_alembic }}."""

import asyncio
import logging
from typing import Annotated

{% if not is_async %}
from anyio import to_thread
{% endif %}
from fastapi import APIRouter, Depends, HTTPException, Request, status
from sqlalchemy import Connection
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
{% else %}
from sqlalchemy.orm import Session, sessionmaker
{% endif %}

from ..db import get_read_session_factory, why_writes_fail
from ..errors import DATABASE_ERRORS, RETRY_AFTER
{% if cookiecutter.use_alembic %}
from ..schema_version import schema_problem
{% endif %}
from ..schemas import Health

router = APIRouter(tags=["health"], responses=DATABASE_ERRORS)
logger = logging.getLogger(__name__)

SessionFactory = Annotated[{{ sessionmaker }}[{{ Session }}], Depends(get_read_session_factory)]


def check_database(connection: Connection) -> None:
    """Raise a 503 if a write would fail now{{ ", or if the schema is not the code's" if cookiecutter.use_alembic }}."""
    reason = why_writes_fail(connection)
    if reason is not None:
        logger.warning("/health: the database cannot be written: %s", reason)
        detail = "The database cannot be written; try again shortly."
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail, headers={"Retry-After": RETRY_AFTER})
{% if cookiecutter.use_alembic %}
    problem = schema_problem(connection)
    if problem is not None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"The database schema is out of date: {problem}.")
{% endif %}
{% if not is_async %}


def check_in_session(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        check_database(session.connection())
{% endif %}


@router.get("/health")
async def health(request: Request, factory: SessionFactory) -> Health:
    """Within HEALTH_TIMEOUT: 200 if the database can be written{{ " and has the code's schema" if cookiecutter.use_alembic }}, else 503."""
    timeout = request.app.state.settings.health_timeout
    try:
        async with asyncio.timeout(timeout):
{% if is_async %}
            async with {{ in_turn }}factory() as session:
                connection = await session.connection()
                await connection.run_sync(check_database)
{% else %}
            # A driver call cannot be interrupted: the check runs in a worker thread, which
            # is left to finish on its own (and return its connection) when time is up.
            await to_thread.run_sync(check_in_session, factory, abandon_on_cancel=True)
{% endif %}
    except TimeoutError:
        raise TimeoutError(f"the database did not answer within HEALTH_TIMEOUT ({timeout} s)") from None
    return Health(status="ok")
