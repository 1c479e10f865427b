{% from "variant.jinja" import is_async, has_metrics, async, await, sync_engine, Engine, Session, sessionmaker with context %}
"""Reads on a streaming replica (DATABASE_REPLICA_URL), and read-your-writes.

Requests that only read (``ReadSessionDep``) get their session on the replica; the rest stay
on the primary. After a request commits, its response sets the cookie ``read_after`` to the
primary's WAL position after the commit (``pg_current_wal_insert_lsn()``). A read that
presents it goes to the replica only if the replica has replayed that far, else to the
primary: a client reads its own writes, and everyone else what the replica has.

Where the replica has got to is not asked on each read, which would cost every read a round
trip: each process asks every DB_REPLICA_CHECK_MS, in the background, on connections of its
own. A replica's replay position only grows, so the last answer is a lower bound: a read that
it clears has been replayed for certain, and one that it does not clear goes to the primary,
which is never wrong, only busier (for at most one interval after each write).

The replica is skipped, and its reads go to the primary, while it cannot be reached or has
not replayed what the primary had written DB_REPLICA_MAX_LAG seconds ago: logged once when
that starts and once when it ends.
"""

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

{% if is_async %}
from fastapi import FastAPI, Request
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import Settings
from .connection_queue import ConnectionQueue
{% else %}
from anyio import to_thread
from fastapi import FastAPI, Request
from sqlalchemy import Engine, exc, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import Settings
{% endif %}
from .db import READS, create_db_engine
{% if has_metrics %}
from .metrics import count_replica_fallbacks
{% endif %}
from .observability import slow_statement_logger, time_statements
from .sessions import create_read_session_factory

logger = logging.getLogger(__name__)

READ_AFTER_COOKIE = "read_after"
# WAL positions as numbers of bytes, which the drivers read as integers.
INSERT_POSITION = text("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")
FLUSH_POSITION = text("SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::bigint")
# NULL on a server that is not a standby.
REPLAY_POSITION = text("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint")
# What a replica that has stopped, or cannot be reached, raises when a connection is opened.
CONNECT_ERRORS = (exc.DBAPIError, OSError)


def parse_lsn(value: str) -> int | None:
    """A WAL position written as PostgreSQL does (``16/B374D848``) as a number, or None."""
    high, slash, low = value.partition("/")
    if not (slash and 0 < len(high) <= 8 and 0 < len(low) <= 8):
        return None
    try:
        return int(high, 16) << 32 | int(low, 16)
    except ValueError:
        return None


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


class Replica:
    """A streaming replica's engine and read sessions, and how far this process knows it has replayed.

    ``unusable`` says why reads skip it now ("starting", "unavailable", "lagging"), or is None.
    """

    def __init__(self, settings: Settings, fallback_observers: list[Callable[[str], None]]) -> None:
        replica_settings = settings.model_copy(update={"database_url": settings.database_replica_url})
        self.engine = create_db_engine(replica_settings)
{% if is_async %}
        # Its own pool, its own queue.
        self.sessions = ConnectionQueue(settings).sessions(create_read_session_factory(self.engine))
{% else %}
        self.sessions = create_read_session_factory(self.engine)
{% endif %}
        self.max_lag = settings.db_replica_max_lag
        self.interval = settings.db_replica_check_ms / 1000
        # A write is read from the primary until the replica has replayed it or is skipped
        # for lag: a client does not need the cookie longer than this.
        self.cookie_max_age = math.ceil(self.max_lag + 2 * self.interval) + 1
        # The checks run on connections of their own: a busy pool never delays them.
        checks = {"db_pool_size": 1, "db_max_overflow": 0, "db_null_pool": False}
        self.primary_checks = create_db_engine(settings.model_copy(update=checks))
        self.replica_checks = create_db_engine(replica_settings.model_copy(update=checks))
        self.replayed = -1
        self.unusable: str | None = "starting"
        # The primary's flushed WAL positions not yet replayed, with when they were seen (oldest
        # first): the replica lags by the age of the oldest. Enough of them to measure past the bound.
        self.unreplayed: deque[tuple[float, int]] = deque(maxlen=2 * math.ceil(self.max_lag / self.interval) + 2)
        # Called with the reason of each read sent to the primary instead.
        self.fallback_observers = fallback_observers
        self.task: asyncio.Task[None] | None = None
        self.stopping = asyncio.Event()

    def start(self) -> None:
        """Check the replica every DB_REPLICA_CHECK_MS until ``close()`` (from the app's lifespan)."""
        self.task = asyncio.create_task(self.check_periodically())

    async def close(self) -> None:
        """Stop checking, then close the pools: a check under way finishes first, its connection back in its pool."""
        self.stopping.set()
        if self.task is not None:
            await self.task
        for engine in (self.engine, self.primary_checks, self.replica_checks):
            {{ await }}engine.dispose()

    async def check_periodically(self) -> None:
        while not self.stopping.is_set():
            try:
                await {{ "self.check()" if is_async else "to_thread.run_sync(self.check)  # it blocks" }}
            except Exception:  # a bug, not an outage (check() handles those): keep checking
                logger.exception("checking the read replica failed")
            with suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), self.interval)

    {{ async }}def check(self) -> None:
        """Ask the replica how far it has replayed, and the primary how far it has written."""
        try:
            replayed = {{ await }}scalar(self.replica_checks, REPLAY_POSITION)
        except CONNECT_ERRORS as error:
            self.skip("unavailable", f"cannot be reached ({type(error).__name__})")
            return
        if replayed is None:
            self.skip("unavailable", "is not a standby (promoted?)")
            return
        now = time.monotonic()
        try:
            flushed = {{ await }}scalar(self.primary_checks, FLUSH_POSITION)
        except CONNECT_ERRORS:
            flushed = None  # the primary's outage shows elsewhere; the replica can still serve reads
        if flushed is not None and flushed > (self.unreplayed[-1][1] if self.unreplayed else replayed):
            self.unreplayed.append((now, flushed))
        self.replayed = replayed
        while self.unreplayed and self.unreplayed[0][1] <= replayed:
            self.unreplayed.popleft()
        lag = now - self.unreplayed[0][0] if self.unreplayed else 0.0
        if lag > self.max_lag:
            self.skip("lagging", f"lags {lag:.1f} s behind the primary (DB_REPLICA_MAX_LAG={self.max_lag})")
        else:
            self.use()

    def skip(self, reason: str, why: str) -> None:
        if self.unusable in {None, "starting"}:
            logger.warning("the read replica %s: reads go to the primary until it is back", why)
        self.unusable = reason

    def use(self) -> None:
        if self.unusable not in {None, "starting"}:
            logger.info("the read replica is back: it serves reads again")
        self.unusable = None

    def reason_for_primary(self, request: Request) -> str | None:
        """Why this request's read must go to the primary, or None if the replica may serve it."""
        if self.unusable is not None:
            return self.unusable
        cookie = request.cookies.get(READ_AFTER_COOKIE)
        read_after = parse_lsn(cookie) if cookie else None
        if read_after is not None and read_after > self.replayed:
            return "read_after"  # the client's last write may not be there yet
        return None

    @asynccontextmanager
    async def session(self, request: Request, primary: {{ sessionmaker }}[{{ Session }}]) -> AsyncIterator[{{ Session }}]:
        """A session for a request that only reads: on the replica when it may serve it, else on the primary."""
        reason = self.reason_for_primary(request)
        if reason is None:
            {{ async }}with self.sessions() as session:
                try:
                    # Connect now, not at the handler's first query: a replica that has just
                    # stopped then costs this read a detour, not an error.
                    await {{ "session.connection()" if is_async else "to_thread.run_sync(session.connection)  # it blocks" }}
                except CONNECT_ERRORS as error:
                    self.skip("unavailable", f"cannot be reached ({type(error).__name__})")
                    reason = "unavailable"
                else:
                    yield session
                    return
        for observe in self.fallback_observers:
            observe(reason)
        {{ async }}with primary() as session:
            yield session

    {{ async }}def note_commit(self, request: Request, session: {{ Session }}) -> None:
        """After ``session`` has committed: the position its client's next reads need (a response cookie)."""
        connection = {{ await }}session.connection(execution_options=READS)  # no transaction: one round trip
        lsn = ({{ await }}connection.execute(INSERT_POSITION)).scalar_one()
        attributes = f"Max-Age={self.cookie_max_age}; Path=/; HttpOnly; SameSite=lax"
        request.state.read_after = f"{READ_AFTER_COOKIE}={format_lsn(lsn)}; {attributes}"


{{ async }}def scalar(engine: {{ Engine }}, statement: Any) -> Any:
    {{ async }}with engine.connect() as connection:
        return ({{ await }}connection.execute(statement)).scalar_one()


class SetReadAfterCookie:
    """Set the cookie of ``Replica.note_commit`` on the response (the commit ends after the handler)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and "read_after" in scope.get("state", {}):
                cookie = scope["state"]["read_after"].encode("latin-1")
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def install_read_replica(app: FastAPI) -> None:
    """With DATABASE_REPLICA_URL set, send the reads of ``ReadSessionDep`` there from startup to shutdown."""
    settings: Settings = app.state.settings
    app.state.replica = None
    if not settings.database_replica_url:
        return
    lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan_with_replica(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app):
            replica = Replica(settings, [{{ "count_replica_fallbacks(app)" if has_metrics }}])
            time_statements(replica.engine{{ sync_engine }}, slow_statement_logger(settings.db_slow_query_ms))
            app.state.replica = replica
            replica.start()
            try:
                yield
            finally:
                await replica.close()

    app.router.lifespan_context = lifespan_with_replica
