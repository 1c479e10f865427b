{% set is_async = cookiecutter.session_mode == "async" %}
{% set is_sqlite = cookiecutter.database == "sqlite" %}
"""Database engine, sessions and the per-request session dependency."""

{% if is_async %}
from collections.abc import AsyncIterator
{% else %}
from collections.abc import Iterator
{% endif %}
{% if is_sqlite %}
from typing import Annotated, Any, cast
{% else %}
from typing import Annotated, cast
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
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
{% else %}
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker
{% endif %}

from .config import Settings

{% if not is_sqlite %}
# Shown in pg_stat_activity, so the service's connections are easy to find.
APPLICATION_NAME = "{{ cookiecutter.project_slug }}"

{% endif %}{% set Engine = "AsyncEngine" if is_async else "Engine" %}
{% set Session = "AsyncSession" if is_async else "Session" %}
{% set sessionmaker = "async_sessionmaker" if is_async else "sessionmaker" %}
{% set create_engine = "create_async_engine" if is_async else "create_engine" %}

def create_db_engine(settings: Settings) -> {{ Engine }}:
    """Create the engine, which owns the process's connection pool."""
{% if is_sqlite %}
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
            pool_pre_ping=settings.db_pool_pre_ping,
            connect_args=connect_args,
        )
    configure_sqlite(engine{{ ".sync_engine" if is_async }})
    return engine


def configure_sqlite(engine: Engine) -> None:
    """Enforce foreign keys, and let SQLAlchemy emit BEGIN instead of sqlite3's legacy mode.

    In the legacy mode SELECTs run outside transactions and SAVEPOINTs do not nest.
    """

    @event.listens_for(engine, "connect")
    def configure_connection(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")
{% else %}
    return {{ create_engine }}(
        settings.database_url,
        echo=settings.db_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=settings.db_pool_pre_ping,
{% if is_async %}
        connect_args={
            "timeout": settings.db_connect_timeout,
            "server_settings": {"application_name": APPLICATION_NAME},
        },
{% else %}
        connect_args={"connect_timeout": settings.db_connect_timeout, "application_name": APPLICATION_NAME},
{% endif %}
    )
{% endif %}


def create_session_factory(engine: {{ Engine }}) -> {{ sessionmaker }}[{{ Session }}]:
    # expire_on_commit=False keeps loaded objects readable after the commit, so
    # building the response never goes back to the database.
    return {{ sessionmaker }}(engine, expire_on_commit=False)


def get_session_factory(request: Request) -> {{ sessionmaker }}[{{ Session }}]:
    """The session factory that the app's lifespan created (tests override this)."""
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
