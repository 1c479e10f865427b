{% from "variant.jinja" import is_async, Engine, create_engine, sync_engine with context %}
"""The database engine, which owns the connection pool, and what /health asks of a connection."""

{% if is_async %}
import logging
import os
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
{% else %}
import os
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
{% endif %}
from sqlalchemy.pool import StaticPool

from .config import Settings
from .db_errors import cannot_write

# Reads run without BEGIN (see configure_sqlite): each statement is a transaction of its own.
NO_BEGIN = "no_begin"
READS: dict[str, Any] = {NO_BEGIN: True}


def create_db_engine(settings: Settings) -> {{ Engine }}:
    """Create the engine, which owns the process's connection pool."""
    options: dict[str, Any] = {
        # Errors and logged statements (DB_ECHO) show the SQL, never the values bound to it: the requests' data.
        "hide_parameters": True,
        "connect_args": {"check_same_thread": False},
    }
{% if is_async %}
    # aiosqlite logs each call at DEBUG, with the values bound to it.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
{% endif %}
    if make_url(settings.database_url).database in {None, "", ":memory:"}:
        # An in-memory database lives in one connection, shared by every session.
        engine = {{ create_engine }}(settings.database_url, poolclass=StaticPool, **options)
    else:
        engine = {{ create_engine }}(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
            pool_recycle=settings.db_pool_recycle,
            **options,
        )
        # Not for an in-memory database: it would be lost with its connection.
        discard_connections_that_cannot_write(engine{{ sync_engine }})
    configure_sqlite(engine{{ sync_engine }})
    return engine


def configure_sqlite(engine: Engine) -> None:
    """Enforce foreign keys, use write-ahead logging, and let SQLAlchemy emit BEGIN.

    WAL lets readers go on while one request writes. SQLAlchemy's BEGIN replaces the
    sqlite3 module's legacy mode, in which SELECTs run outside transactions and
    SAVEPOINTs do not nest; sessions for reads (READS) skip it.
    """

    @event.listens_for(engine, "connect")
    def configure_connection(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")  # ignored by in-memory databases
        cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; syncs at checkpoints
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get(NO_BEGIN):
            return
        # A transaction that reads and then writes (crud.begin_write) takes the write lock
        # at BEGIN: it waits for the writer before it, instead of failing to upgrade its
        # read lock ("database is locked") or writing over what that writer stored.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("write") else "BEGIN")


def discard_connections_that_cannot_write(engine: Engine) -> None:
    """Close the connections that cannot write, so that the pool opens new ones that can.

    SQLite opens a file that it may not write (made read-only for a while, say) read-only,
    and such a connection stays read-only when the file is writable again. When a statement
    fails so, or because writing to the file failed, the pool closes its connection and
    every one opened before it, and the request gets a 503 (see db_errors.is_unavailable).
    """

    @event.listens_for(engine, "handle_error")
    def discard(context: ExceptionContext) -> None:
        if cannot_write(context.original_exception):
            context.is_disconnect = True


def engine_for_reads(engine: {{ Engine }}) -> {{ Engine }}:
    """``engine`` for sessions that only read: without BEGIN (READS)."""
    return engine.execution_options(**READS)


def why_writes_fail(connection: Connection) -> str | None:
    """Why a write through ``connection`` would fail now, or None (what /health checks).

    A connection opened before the database's files became read-only still holds them
    open for writing and fails only when it writes to them: their permissions tell. One
    that SQLite opened read-only fails the write below, and is discarded. The write is
    rolled back with the transaction of ``connection``, never committed.
    """
    path: str = connection.exec_driver_sql("SELECT file FROM pragma_database_list WHERE name = 'main'").scalar_one()
    files = [path, f"{path}-wal"] if path else []  # an in-memory database has none
    for file in files:
        if os.path.exists(file) and not os.access(file, os.W_OK):
            return f"{file} is read-only"
    with connection.begin_nested() as savepoint:
        connection.exec_driver_sql("PRAGMA user_version = 0")  # waits for the write lock
        savepoint.rollback()
    return None
