{% from "variant.jinja" import is_async, is_sqlite, Engine, Session, sessionmaker, create_engine with context %}
"""Database engine, sessions and the per-request session dependency."""

{% if not is_sqlite and not is_async %}
import selectors
{% endif %}
{% if is_async %}
from collections.abc import AsyncIterator
{% else %}
from collections.abc import Iterator
{% endif %}
from typing import Annotated, Any, cast
{% if not is_sqlite and is_async %}
from uuid import uuid4
{% endif %}

from fastapi import Depends, Request
{% if is_sqlite and is_async %}
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
{% elif is_sqlite %}
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool
{% elif is_async %}
from sqlalchemy import Engine, event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
{% else %}
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool
{% endif %}

from .config import Settings
{% if is_sqlite %}


def create_db_engine(settings: Settings) -> {{ Engine }}:
    """Create the engine, which owns the process's connection pool."""
    connect_args = {"check_same_thread": False}
    if make_url(settings.database_url).database in {None, "", ":memory:"}:
        # An in-memory database lives in one connection, shared by every session.
        engine = {{ create_engine }}(
            settings.database_url,
            echo=settings.db_echo,
            poolclass=StaticPool,
            connect_args=connect_args,
        )
    else:
        engine = {{ create_engine }}(
            settings.database_url,
            echo=settings.db_echo,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
            pool_recycle=settings.db_pool_recycle,
            connect_args=connect_args,
        )
    configure_sqlite(engine{{ ".sync_engine" if is_async }})
    return engine


def configure_sqlite(engine: Engine) -> None:
    """Enforce foreign keys, use write-ahead logging, and let SQLAlchemy emit BEGIN.

    WAL lets readers go on while one request writes. SQLAlchemy's BEGIN replaces the
    sqlite3 module's legacy mode, in which SELECTs run outside transactions and
    SAVEPOINTs do not nest.
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
        connection.exec_driver_sql("BEGIN")
{% else %}

# Shown in pg_stat_activity, so the service's connections are easy to find.
APPLICATION_NAME = "{{ cookiecutter.project_slug }}"


def create_db_engine(settings: Settings) -> {{ Engine }}:
    """Create the engine, which owns the process's connection pool."""
{% if is_async %}
    connect_args: dict[str, Any] = {
        "timeout": settings.db_connect_timeout,
        "server_settings": {"application_name": APPLICATION_NAME},
    }
    if settings.db_pgbouncer:
        # PgBouncer (transaction pooling) may run each transaction on another server
        # connection, so no prepared statement may be reused across transactions:
        # no statement caches, and unique names for the statements asyncpg prepares.
        connect_args |= {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
        }
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
        echo=settings.db_echo,
        pool_pre_ping=settings.db_pool_pre_ping,
        connect_args=connect_args,
        **pooling,
    )
    discard_closed_connections(engine{{ ".sync_engine" if is_async }})
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
{% endif %}


def create_session_factory(engine: {{ Engine }}) -> {{ sessionmaker }}[{{ Session }}]:
    # expire_on_commit=False keeps loaded objects readable after the commit, so
    # building the response never goes back to the database.
    return {{ sessionmaker }}(engine, expire_on_commit=False)


async def get_session_factory(request: Request) -> {{ sessionmaker }}[{{ Session }}]:
    """The session factory that the app's lifespan created (tests override this).

    ``async`` although it awaits nothing: FastAPI runs plain ``def`` dependencies in
    its thread pool, which costs a thread hand-off on every request.
    """
    return cast("{{ sessionmaker }}[{{ Session }}]", request.app.state.session_factory)


{% if is_async %}
async def get_db(
    factory: Annotated[{{ sessionmaker }}[{{ Session }}], Depends(get_session_factory)],
) -> AsyncIterator[AsyncSession]:
    """One session per request: commit if the request succeeds, else roll back; always close."""
    async with factory.begin() as session:
        yield session
{% else %}
def get_db(
    factory: Annotated[{{ sessionmaker }}[{{ Session }}], Depends(get_session_factory)],
) -> Iterator[Session]:
    """One session per request: commit if the request succeeds, else roll back; always close."""
    with factory.begin() as session:
        yield session
{% endif %}


# scope="function" runs the commit before the response is sent: a failed commit
# becomes an error response, never a success for data that was not stored.
SessionDep = Annotated[{{ Session }}, Depends(get_db, scope="function")]
