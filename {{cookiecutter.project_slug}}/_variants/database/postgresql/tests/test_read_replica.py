{% from "variant.jinja" import is_async, slug, async, await, Engine, Iterator, has_metrics, has_auth with context %}
"""DATABASE_REPLICA_URL: reads on a real streaming replica, read-your-writes, and falling back to the primary.

The tests start a primary and a standby of their own (streaming_replica.py).
"""

import asyncio
import logging
{% if is_async %}
from collections.abc import AsyncIterator
{% else %}
from collections.abc import Iterator
{% endif %}

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from server_admin import run_admin
{% if is_async %}
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
{% else %}
from sqlalchemy import Engine, text
{% endif %}
from streaming_replica import Cluster, primary_and_standby, server_programs
from support import delete_committed_rows, migrate, running, wait_until

from {{ slug }} import replica
from {{ slug }}.config import Settings
from {{ slug }}.db import APPLICATION_NAME, create_db_engine
from {{ slug }}.main import create_app
from {{ slug }}.replica import (
    READ_AFTER_COOKIE,
    Replica,
    format_lsn,
    parse_lsn,
)
from {{ slug }}.sessions import ReadSessionDep, SessionDep

PROGRAMS = server_programs()
REPLICA_LOGGER = "{{ slug }}.replica"
needs_servers = pytest.mark.skipif(
    PROGRAMS is None,
    reason="PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) were not found: "
    "install the postgresql package or set PG_BINDIR (see README.md, Read replica)",
)


def test_wal_positions_read_as_postgresql_writes_them() -> None:
    assert parse_lsn("16/B374D848") == 0x16_B374D848
    assert format_lsn(0x16_B374D848) == "16/B374D848"
    assert [parse_lsn(value) for value in ("", "16", "/1", "1/", "x/1", "123456789/0")] == [None] * 6


async def test_without_a_replica_writes_set_no_cookie(app: FastAPI, client: AsyncClient) -> None:
    created = await client.post("/items/", json={"title": "Pen"})

    assert created.status_code == 201
    assert app.state.replica is None
    assert READ_AFTER_COOKIE not in created.cookies


def test_the_replica_url_gets_the_project_driver() -> None:
    replica = Settings(database_replica_url="postgresql://reader@replica:5432/app")

    assert replica.database_replica_url is not None
    assert replica.database_replica_url.startswith("{{ "postgresql+asyncpg" if is_async else "postgresql+psycopg" }}://")


@pytest.fixture(scope="module")
{{ async }}def clusters() -> {{ Iterator }}[tuple[Cluster, Cluster]]:
    """A primary with the app's schema in its database ``app``, and a standby that replays it."""
    assert PROGRAMS is not None
    with primary_and_standby(PROGRAMS) as (primary, standby):
        admin = create_db_engine(Settings(database_url=primary.url())).execution_options(isolation_level="AUTOCOMMIT")
        {{ await }}run_admin(admin, "CREATE DATABASE app")
        {{ await }}admin.dispose()
        engine = create_db_engine(Settings(database_url=primary.url("app")))
        {{ await }}migrate(engine)
        {{ await }}engine.dispose()
        yield primary, standby


@pytest.fixture(scope="module")
{{ async }}def standby_admin(clusters: tuple[Cluster, Cluster]) -> {{ Iterator }}[{{ Engine }}]:
    _, standby = clusters
    admin = create_db_engine(Settings(database_url=standby.url())).execution_options(isolation_level="AUTOCOMMIT")
    yield admin
    {{ await }}admin.dispose()


@pytest.fixture
{{ async }}def replica_settings(clusters: tuple[Cluster, Cluster], standby_admin: {{ Engine }}) -> {{ Iterator }}[Settings]:
    """The app on the primary, its reads on the standby; afterwards the standby runs and replays again."""
    primary, standby = clusters
    settings = Settings(
        database_url=primary.url("app"),
        database_replica_url=standby.url("app"),
        db_replica_max_lag=5,
        db_replica_check_ms=50,
    )
    yield settings
    if not standby.is_running():
        standby.start()
    {{ await }}standby_admin.dispose()  # its connections did not survive a restart
    {{ await }}run_admin(standby_admin, "SELECT pg_wal_replay_resume()")
    {{ await }}delete_committed_rows(settings)


def with_recovery_routes(app: FastAPI) -> FastAPI:
    """``GET /in-recovery`` reads, ``POST`` writes: each says whether its session is on a standby."""

    @app.get("/in-recovery")
    {{ async }}def read(db: ReadSessionDep) -> bool:
        return bool({{ await }}db.scalar(text("SELECT pg_is_in_recovery()")))

    @app.post("/in-recovery")
    {{ async }}def write(db: SessionDep) -> bool:
        return bool({{ await }}db.scalar(text("SELECT pg_is_in_recovery()")))

    return app


async def replica_in_use(app: FastAPI) -> None:
    replica: Replica = app.state.replica
    await wait_until("the replica serves reads", lambda: replica.unusable is None)


async def pause_replay(standby_admin: {{ Engine }}) -> None:
    {{ await }}run_admin(standby_admin, "SELECT pg_wal_replay_pause()")

    {{ async }}def paused() -> bool:
        rows = {{ await }}run_admin(standby_admin, "SELECT pg_get_wal_replay_pause_state()")
        return bool(rows[0][0] == "paused")

    await wait_until("replay has paused", paused)


def replica_log(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(record.levelname, record.getMessage()) for record in caplog.records if record.name == REPLICA_LOGGER]


{% if has_auth %}
def fresh_client(app: FastAPI, first: AsyncClient) -> AsyncClient:
    """Another client of the running app, without the first one's cookies (with its access token)."""
    headers = {"Authorization": first.headers["Authorization"]}
    return AsyncClient(transport=ASGITransport(app), base_url="http://test", headers=headers)
{% else %}
def fresh_client(app: FastAPI) -> AsyncClient:
    """Another client of the running app, without the first one's cookies."""
    return AsyncClient(transport=ASGITransport(app), base_url="http://test")
{% endif %}


@needs_servers
@pytest.mark.slow
async def test_reads_go_to_the_replica_and_writes_to_the_primary(replica_settings: Settings) -> None:
    app = with_recovery_routes(create_app(replica_settings))
    async with running(app) as client:
        await replica_in_use(app)
        read = await client.get("/in-recovery")
        write = await client.post("/in-recovery")

    assert read.json() is True
    assert write.json() is False
    assert READ_AFTER_COOKIE in write.cookies


@needs_servers
@pytest.mark.slow
async def test_a_client_reads_its_write_at_once_while_replay_is_paused(
    replica_settings: Settings, standby_admin: {{ Engine }}
) -> None:
    app = create_app(replica_settings)
    async with running(app) as client, fresh_client(app{{ ", client" if has_auth }}) as other:
        await replica_in_use(app)
        await pause_replay(standby_admin)
        created = await client.post("/items/", json={"title": "Pen"})
        mine = await client.get(f"/items/{created.json()['id']}")
        theirs = await other.get(f"/items/{created.json()['id']}")

    assert created.status_code == 201
    assert mine.status_code == 200, "the writer's read went to the replica, which has not replayed the write"
    assert mine.json()["title"] == "Pen"
    assert theirs.status_code == 404, "a read without the cookie must go to the (paused) replica"


@needs_servers
@pytest.mark.slow
async def test_a_stopped_replica_costs_no_failed_request(
    replica_settings: Settings, clusters: tuple[Cluster, Cluster], caplog: pytest.LogCaptureFixture
) -> None:
    _, standby = clusters
    # One check, at startup: the reads below find out for themselves that the replica has gone.
    app = with_recovery_routes(create_app(replica_settings.model_copy(update={"db_replica_check_ms": 600_000})))
    async with running(app) as client:
        await replica_in_use(app)
        before = await client.get("/in-recovery")
        await asyncio.to_thread(standby.stop)  # the app goes on running meanwhile, as in production
        with caplog.at_level(logging.INFO, logger=REPLICA_LOGGER):
            during = [await client.get("/items/") for _ in range(5)]
            on_primary = await client.get("/in-recovery")
{% if has_metrics %}
            metrics = (await client.get("/metrics")).text
{% endif %}
            await asyncio.to_thread(standby.start)
            {{ await }}app.state.replica.check()
            after = await client.get("/in-recovery")

    assert before.json() is True
    assert [response.status_code for response in during] == [200] * 5
    assert on_primary.json() is False
    lines = replica_log(caplog)
    assert [level for level, _ in lines] == ["WARNING", "INFO"], "one line as the episode starts, one as it ends"
    assert "cannot be reached" in lines[0][1]
    assert "back" in lines[1][1]
{% if has_metrics %}
    assert 'db_replica_fallbacks_total{reason="unavailable"} 6.0' in metrics
{% endif %}
    assert after.json() is True


@needs_servers
@pytest.mark.slow
async def test_a_replica_lagging_past_the_bound_is_skipped(
    replica_settings: Settings, standby_admin: {{ Engine }}, caplog: pytest.LogCaptureFixture
) -> None:
    app = with_recovery_routes(create_app(replica_settings.model_copy(update={"db_replica_max_lag": 0.5})))
    async with running(app) as client, fresh_client(app{{ ", client" if has_auth }}) as other:
        await replica_in_use(app)
        await pause_replay(standby_admin)
        with caplog.at_level(logging.INFO, logger=REPLICA_LOGGER):
            await client.post("/items/", json={"title": "Pen"})  # the primary moves on, the replica does not
            await asyncio.sleep(1.5)  # three times the bound
            lagging = [await other.get("/in-recovery") for _ in range(3)]
            {{ await }}run_admin(standby_admin, "SELECT pg_wal_replay_resume()")
            await replica_in_use(app)
            caught_up = await other.get("/in-recovery")

    assert [response.json() for response in lagging] == [False] * 3
    lines = replica_log(caplog)
    assert [level for level, _ in lines] == ["WARNING", "INFO"], "one line as the episode starts, one as it ends"
    assert "lags" in lines[0][1]
    assert caught_up.json() is True


@needs_servers
@pytest.mark.slow
async def test_stopping_during_a_replica_check_leaves_no_connection_open(
    replica_settings: Settings, standby_admin: {{ Engine }}, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check under way when the app stops finishes first; then its connection closes with the pools."""
    # A check that takes a quarter of a second on the standby: the app stops in the middle of one.
    slow = text("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint FROM pg_sleep(0.25)")
    monkeypatch.setattr(replica, "REPLAY_POSITION", slow)
    app = create_app(replica_settings)
    async with running(app):
        await replica_in_use(app)
        checks = app.state.replica.replica_checks.pool
        await wait_until("a check is under way", lambda: checks.checkedout() == 1)

    {{ async }}def closed() -> bool:
        query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app AND pid <> pg_backend_pid()"
        return bool(({{ await }}run_admin(standby_admin, query, app=APPLICATION_NAME))[0][0] == 0)

    await wait_until("the app's connections to the replica are closed", closed)
