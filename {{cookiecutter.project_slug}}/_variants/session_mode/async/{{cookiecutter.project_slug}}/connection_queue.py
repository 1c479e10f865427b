{% from "variant.jinja" import is_pg with context %}
"""Requests wait for a pooled connection here, first come, first served.

The pool's own wait is not a queue: a connection handed back goes to the longest-waiting
request only if no request that has just arrived asks first, and a request that loses
that race waits again at the back. Under load a few requests then wait for seconds while
the rest are quick; in this queue, each waits as long as those before it.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Self

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .config import Settings


class ConnectionQueue:
    def __init__(self, settings: Settings) -> None:
        self.timeout = settings.db_pool_timeout
        capacity = settings.db_pool_size + settings.db_max_overflow
{% if is_pg %}
        # None without a pool (DB_NULL_POOL): each request opens a connection of its own.
        self.turns = None if settings.db_null_pool else asyncio.Semaphore(capacity)
{% else %}
        self.turns = asyncio.Semaphore(capacity)
{% endif %}

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait until a connection is free, behind the requests that came first.

        After DB_POOL_TIMEOUT it fails as the pool itself would: the request gets a 503.
        """
{% if is_pg %}
        if self.turns is None:
            yield
            return
{% endif %}
        try:
            async with asyncio.timeout(self.timeout):
                await self.turns.acquire()
        except TimeoutError:
            message = f"no database connection was free within DB_POOL_TIMEOUT ({self.timeout} s)"
            raise exc.TimeoutError(message) from None
        try:
            yield
        finally:
            self.turns.release()

    def sessions(self, factory: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
        """The sessions of ``factory``, each of which waits for its turn here when opened (``async with``)."""
        return async_sessionmaker(class_=QueuedSession, queue=self, **factory.kw)


class QueuedSession(AsyncSession):
    """A session that, opened with ``async with``, waits for its turn in the queue; it gives it up when closed.

    Opened otherwise (``factory.begin()``), a session takes its connection straight from the pool.
    """

    def __init__(self, *args: Any, queue: ConnectionQueue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = queue
        self.turn: AbstractAsyncContextManager[None] | None = None

    async def __aenter__(self) -> Self:
        turn = self.queue.turn()
        await turn.__aenter__()
        self.turn = turn
        return self

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        try:
            await super().__aexit__(type_, value, traceback)
        finally:
            turn, self.turn = self.turn, None
            if turn is not None:
                await turn.__aexit__(None, None, None)
