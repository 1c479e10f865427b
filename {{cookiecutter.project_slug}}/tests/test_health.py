{% from "variant.jinja" import slug, async with context %}
"""/health/ready (and /health) answer after a real round trip to the database, within HEALTH_TIMEOUT, and leave
nothing behind; /health/live answers without the database."""

import gc
import logging
import time

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import Table
from support import checked_out, holding_connections, running, wait_until

from {{ slug }} import observability
from {{ slug }}.config import Settings
from {{ slug }}.main import create_app


async def test_health_is_ok_when_the_database_answers(client: AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_is_503_when_the_database_cannot_be_reached(unreachable_client: AsyncClient) -> None:
    response = await unreachable_client.get("/health")

    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()


async def test_liveness_answers_while_the_database_cannot_be_reached(unreachable_client: AsyncClient) -> None:
    """A liveness probe that failed with the database would have every instance restarted for its outage."""
    ready = await unreachable_client.get("/health/ready")
    live = await unreachable_client.get("/health/live")

    assert ready.status_code == 503
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/health/ready", "/health"])
async def test_readiness_is_503_once_shutting_down(app: FastAPI, client: AsyncClient, path: str) -> None:
    app.state.shutting_down = True  # what SIGTERM does (tests/test_shutdown.py sends a real one)

    response = await client.get(path)

    assert response.status_code == 503
    assert response.json() == {"detail": "The service is shutting down; another instance will answer."}
    assert int(response.headers["retry-after"]) > 0
    assert (await client.get("/health/live")).status_code == 200


async def test_a_successful_health_check_logs_nothing_but_its_access_line(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # LOG_LEVEL's default

    response = await client.get("/health")

    assert response.status_code == 200
    # Besides the access line, a statement slowed by a busy machine would log a WARNING.
    expected = {observability.access_logger.name, observability.statement_logger.name, "httpx"}
    others = [record for record in caplog.records if record.name not in expected]
    assert [f"{record.name}: {record.getMessage()}" for record in others] == []


def table_objects() -> int:
    gc.collect()
    return sum(isinstance(thing, Table) for thing in gc.get_objects())


async def test_health_checks_build_no_new_objects_to_keep(client: AsyncClient) -> None:
    """Each check reads the schema's version with the same statement: no new table object for
    the engine's statement cache to keep, check after check."""
    await client.get("/health")
    # What exists now is left out of the counts, which then take milliseconds, not a second each;
    # the garbage of earlier tests is collected first, not kept until the interpreter exits.
    gc.collect()
    gc.freeze()
    try:
        before = table_objects()

        for _ in range(10):
            assert (await client.get("/health")).status_code == 200

        assert table_objects() == before
    finally:
        gc.unfreeze()


async def test_readiness_is_503_at_once_when_every_connection_is_in_use(live_settings: Settings) -> None:
    app = create_app(live_settings.model_copy(update={"db_pool_size": 2, "health_timeout": 30}))
    async with running(app) as client:
        {{ async }}with holding_connections(app, 2):  # every connection
            started = time.monotonic()
            response = await client.get("/health/ready")
            waited = time.monotonic() - started

        assert response.status_code == 503
        assert response.json() == {"detail": "Every database connection is in use; try again shortly."}
        assert int(response.headers["retry-after"]) > 0
        assert waited < 5, "it must not wait for a connection (HEALTH_TIMEOUT is 30 s here)"
        assert (await client.get("/health/ready")).status_code == 200


async def test_health_is_503_within_its_timeout_when_no_connection_is_free(live_settings: Settings) -> None:
    app = create_app(live_settings.model_copy(update={"db_pool_size": 1, "health_timeout": 0.2}))
    async with running(app) as client:
        {{ async }}with holding_connections(app):  # the only connection
            started = time.monotonic()
            response = await client.get("/health")
            waited = time.monotonic() - started

        assert response.status_code == 503
        assert int(response.headers["retry-after"]) > 0
        assert waited < 2, "it must answer after HEALTH_TIMEOUT, not after DB_POOL_TIMEOUT (10 s)"
        await wait_until("the check that was given up has returned its connection", lambda: checked_out(app) == 0)
        assert (await client.get("/health")).status_code == 200
