{% from "variant.jinja" import is_async, slug, Engine, create_engine, sync_engine with context %}
"""The database engine, which owns the connection pool, and what /health asks of a connection."""

{% if is_async %}
from typing import Any
from uuid import uuid4

from sqlalchemy import Connection, Engine, event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
{% else %}
import selectors
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
{% endif %}
from sqlalchemy.pool import NullPool

from .config import Settings

# Shown in pg_stat_activity, so the service's connections are easy to find.
APPLICATION_NAME = "{{ slug }}"
# Reads run on autocommit connections: the driver sends no BEGIN or COMMIT.
READS: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"}


def create_db_engine(settings: Settings) -> {{ Engine }}:
    """Create the engine, which owns the process's connection pool."""
{% if is_async %}
    connect_args: dict[str, Any] = {
        "timeout": settings.db_connect_timeout,
        "server_settings": {"application_name": APPLICATION_NAME},
    }
    options: dict[str, Any] = {}
    if settings.db_pgbouncer:
        # PgBouncer (transaction pooling) may run each transaction on another server
        # connection, so no prepared statement may be reused across transactions:
        # no statement caches, and unique names for the statements asyncpg prepares.
        connect_args |= {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
        }
        # asyncpg prepares a statement and runs it in two round trips, which outside a
        # transaction may reach two server connections: reads keep a transaction too.
        options["reads_in_transactions"] = True
{% else %}
    connect_args: dict[str, Any] = {
        "connect_timeout": settings.db_connect_timeout,
        "application_name": APPLICATION_NAME,
    }
    if settings.db_pgbouncer:
        # PgBouncer (transaction pooling) may run each transaction on another server
        # connection: psycopg must not prepare statements on the server.
        connect_args["prepare_threshold"] = None
{% endif %}
    pooling: dict[str, Any] = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout,
        "pool_recycle": settings.db_pool_recycle,
    }
    if settings.db_null_pool:
        pooling = {"poolclass": NullPool}  # a connection per request, e.g. when PgBouncer pools them
    engine = {{ create_engine }}(
        settings.database_url,
        # Errors and logged statements (DB_ECHO) show the SQL, never the values bound to it: the requests' data.
        hide_parameters=True,
        pool_pre_ping=settings.db_pool_pre_ping,
        connect_args=connect_args,
{% if is_async %}
        execution_options=options,
{% endif %}
        **pooling,
    )
    discard_closed_connections(engine{{ sync_engine }})
    return engine


def discard_closed_connections(engine: Engine) -> None:
    """Replace pooled connections that the server has closed, at almost no cost per request.

{% if is_async %}
    asyncpg marks a connection closed as soon as the event loop reads the server's
    goodbye from its socket.
{% else %}
    An idle connection has nothing to read: if its socket is readable, the server has
    sent its goodbye or hung up.
{% endif %}

    Connections dropped by a database restart, a failover or pg_terminate_backend are
    thus replaced before use. DB_POOL_PRE_PING=true also catches connections that died
    silently (a network partition), at the price of a round trip on every request.
    """

    @event.listens_for(engine, "checkout")
    def check_open(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
{% if is_async %}
        if dbapi_connection.driver_connection.is_closed():
            raise exc.DisconnectionError("the server closed this connection")  # the pool reconnects
{% else %}
        if dbapi_connection.closed or _readable(dbapi_connection.fileno()):
            raise exc.DisconnectionError("the server closed this connection")  # the pool reconnects


def _readable(fd: int) -> bool:
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        return bool(selector.select(timeout=0))
{% endif %}


def engine_for_reads(engine: {{ Engine }}) -> {{ Engine }}:
    """``engine`` for sessions that only read: on autocommit connections (READS)."""
{% if is_async %}
    # Not behind PgBouncer (see create_db_engine).
    reads = {} if engine.get_execution_options().get("reads_in_transactions") else READS
    return engine.execution_options(**reads)
{% else %}
    return engine.execution_options(**READS)
{% endif %}


def why_writes_fail(connection: Connection) -> str | None:
    """Why a write through ``connection`` would fail now, or None (what /health checks)."""
    if connection.exec_driver_sql("SHOW transaction_read_only").scalar() == "on":
        return "the server accepts no writes (a standby, or default_transaction_read_only is on)"
    return None
