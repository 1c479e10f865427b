{% from "variant.jinja" import is_async, is_pg, async, await, Engine, Session, sessionmaker, Iterator with context %}
"""Sessions, and the per-request session dependencies for writes and reads."""

from collections.abc import AsyncIterator, Callable{{ ", Iterator" if not is_async }}
from typing import {{ "TYPE_CHECKING, " if is_pg }}Annotated, Any, cast

from fastapi import Depends, Request
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
{% else %}
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
{% endif %}

from .db import engine_for_reads
{% if is_pg %}

if TYPE_CHECKING:
    from .replica import Replica  # which imports this module
{% endif %}


def create_session_factory(engine: {{ Engine }}) -> {{ sessionmaker }}[{{ Session }}]:
    # expire_on_commit=False keeps loaded objects readable after the commit, so
    # building the response never goes back to the database.
    return {{ sessionmaker }}(engine, expire_on_commit=False)


def create_read_session_factory(engine: {{ Engine }}) -> {{ sessionmaker }}[{{ Session }}]:
    # Sessions for requests that only read: outside a transaction (see READS), so a read
    # costs its queries and no BEGIN or COMMIT round trips.
    return {{ sessionmaker }}(engine_for_reads(engine), expire_on_commit=False)


async def get_session_factory(request: Request) -> {{ sessionmaker }}[{{ Session }}]:
    """The session factory that the app's lifespan created (tests override this).

    ``async`` although it awaits nothing: FastAPI runs plain ``def`` dependencies in
    its thread pool, which costs a thread hand-off on every request.
    """
    return cast("{{ sessionmaker }}[{{ Session }}]", request.app.state.session_factory)


async def get_read_session_factory(request: Request) -> {{ sessionmaker }}[{{ Session }}]:
    """The factory of sessions for reads that the app's lifespan created (tests override this)."""
    return cast("{{ sessionmaker }}[{{ Session }}]", request.app.state.read_session_factory)


{{ async }}def get_db(
{% if is_pg %}
    request: Request,
{% endif %}
    factory: Annotated[{{ sessionmaker }}[{{ Session }}], Depends(get_session_factory)],
) -> {{ Iterator }}[{{ Session }}]:
    """One session per request: commit if the request succeeds, else roll back; always close."""
{% if is_pg %}
    {{ async }}with factory() as session:
        {{ async }}with session.begin():
            yield session
        replica: Replica | None = request.app.state.replica
        if replica is not None:
            {{ await }}replica.note_commit(request, session)  # so that the client reads its write
{% else %}
    {{ async }}with factory() as session, session.begin():
        yield session
{% endif %}


async def get_read_db(
{% if is_pg %}
    request: Request,
{% endif %}
    factory: Annotated[{{ sessionmaker }}[{{ Session }}], Depends(get_read_session_factory)],
) -> AsyncIterator[{{ Session }}]:
    """One session per read-only request, without a transaction; always closed."""
{% if not is_async %}
    # `async` although it awaits nothing: opening a session and closing one without a
    # transaction do no I/O, and a `def` generator costs two thread hand-offs per request.
{% endif %}
{% if is_pg %}
    replica: Replica | None = request.app.state.replica
    if replica is not None:
        async with replica.session(request, factory) as session:
            yield session
        return
{% endif %}
    {{ async }}with factory() as session:
        yield session


class DependencyOverrides(dict[Callable[..., Any], Callable[..., Any]]):
    """``app.dependency_overrides``, where an override of ``get_db`` also stands in for ``get_read_db``.

    Tests written the FastAPI tutorial's way override ``get_db`` alone: the handlers that only
    read must then get the override's sessions too, not sessions on the real database.
    """

    def get(self, key: Callable[..., Any], default: Any = None, /) -> Any:
        if key is get_read_db and get_read_db not in self:
            key = get_db
        return super().get(key, default)


# scope="function" runs the commit before the response is sent: a failed commit
# becomes an error response, never a success for data that was not stored.
SessionDep = Annotated[{{ Session }}, Depends(get_db, scope="function")]
# For handlers that only read; what they wrote would be committed statement by statement.
ReadSessionDep = Annotated[{{ Session }}, Depends(get_read_db, scope="function")]
