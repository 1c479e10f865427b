{% from "variant.jinja" import is_async, Session, sessionmaker, has_alembic with context %}
"""Health checks for orchestrators: /health/live (the process serves) and /health/ready (it can serve requests now)."""

import asyncio
import logging
from typing import Annotated

{% if not is_async %}
from anyio import to_thread
{% endif %}
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, status
from sqlalchemy import Connection
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
{% else %}
from sqlalchemy.orm import Session, sessionmaker
{% endif %}
from sqlalchemy.pool import QueuePool

from ..db import why_writes_fail
from ..errors import DATABASE_ERRORS, RETRY_AFTER
{% if has_alembic %}
from ..schema_version import schema_problem
{% endif %}
from ..schemas import Health
from ..sessions import get_read_session_factory

router = APIRouter(tags=["health"])
logger = logging.getLogger(__name__)

SessionFactory = Annotated[{{ sessionmaker }}[{{ Session }}], Depends(get_read_session_factory)]


def not_ready(detail: str) -> HTTPException:
    """A 503: every reason not to be ready passes, so another instance, or this one shortly, can serve."""
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail, headers={"Retry-After": RETRY_AFTER})


def no_connection_free(app: FastAPI) -> bool:
    """Whether requests have borrowed every connection the pool may open (a pool that keeps no count never has)."""
    pool = app.state.engine.pool
    settings = app.state.settings
    return isinstance(pool, QueuePool) and pool.checkedout() >= settings.db_pool_size + settings.db_max_overflow


def check_database(connection: Connection) -> None:
    """Raise a 503 if a write would fail now{{ ", or if the schema is not the code's" if has_alembic }}."""
    reason = why_writes_fail(connection)
    if reason is not None:
        logger.warning("health check: the database cannot be written: %s", reason)
        raise not_ready("The database cannot be written; try again shortly.")
{% if has_alembic %}
    problem = schema_problem(connection)
    if problem is not None:
        raise not_ready(f"The database schema is out of date: {problem}.")
{% endif %}
{% if is_async %}


async def check_in_session(factory: async_sessionmaker[AsyncSession]) -> None:
    async with factory() as session:
        connection = await session.connection()
        await connection.run_sync(check_database)
{% else %}


def check_in_session(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        check_database(session.connection())
{% endif %}


# Checks given up at HEALTH_TIMEOUT, kept until they have finished (the event loop keeps no task alive).
given_up: set[asyncio.Task[None]] = set()


@router.get("/health/live")
async def live() -> Health:
    """200 while the process serves requests: for liveness probes, it never touches the database."""
    return Health(status="ok")


@router.get("/health/ready", responses=DATABASE_ERRORS)
async def ready(request: Request, factory: SessionFactory) -> Health:
    """200 if this instance can serve requests now, else 503 with the reason, within HEALTH_TIMEOUT.

    Not ready: shutting down (from SIGTERM on), every pool connection in use, the database
    not answering or not writable{{ ", or its schema not the code's" if has_alembic }}.
    """
    if request.app.state.shutting_down:
        raise not_ready("The service is shutting down; another instance will answer.")
    if no_connection_free(request.app):
        raise not_ready("Every database connection is in use; try again shortly.")
    timeout = request.app.state.settings.health_timeout
    # A driver call may not stop at once when cancelled ({{ "its clean-up waits for the database" if is_async else "it runs in a worker thread" }}):
    # when time is up, the check is cancelled and left to finish on its own, returning its connection.
{% if is_async %}
    check = asyncio.create_task(check_in_session(factory))
{% else %}
    check = asyncio.create_task(to_thread.run_sync(check_in_session, factory))
{% endif %}
    try:
        async with asyncio.timeout(timeout):
            await asyncio.shield(check)
    except TimeoutError:
        raise TimeoutError(f"the database did not answer within HEALTH_TIMEOUT ({timeout} s)") from None
    finally:
        if not check.done():
            check.cancel()
            given_up.add(check)
            check.add_done_callback(given_up.discard)
    return Health(status="ok")


@router.get("/health", responses=DATABASE_ERRORS)
async def health(request: Request, factory: SessionFactory) -> Health:
    """The same as /health/ready (clients of earlier versions use this path)."""
    return await ready(request, factory)
