{% from "variant.jinja" import slug with context %}
"""Requests that wait for a connection get one in the order they came (connection_queue.py)."""

import asyncio

import pytest
from sqlalchemy import event, text
from support import running, wait_until

from {{ slug }}.config import Settings
from {{ slug }}.connection_queue import ConnectionQueue
from {{ slug }}.db import create_db_engine
from {{ slug }}.main import create_app
from {{ slug }}.sessions import create_read_session_factory


def one_connection(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0, **changes})


async def test_connections_go_to_requests_in_the_order_they_came(live_settings: Settings) -> None:
    """A request that arrives just as the only connection comes back is served after the one waiting.

    The pool alone would give it the connection: a connection handed back goes to whichever
    request asks first, and the waiting request, woken a moment later, waits again at the
    back. The late request arrives from the pool's checkin event, the instant the
    connection goes back, so that the race happens in every run.
    """
    settings = one_connection(live_settings)
    engine = create_db_engine(settings)
    sessions = ConnectionQueue(settings).sessions(create_read_session_factory(engine))  # as the lifespan builds them
    arrived: list[str] = []
    served: list[str] = []
    first_may_finish = asyncio.Event()

    async def request(name: str) -> None:
        arrived.append(name)
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
            served.append(name)
            if name == "first":
                await first_may_finish.wait()  # holds the connection until then

    first = asyncio.create_task(request("first"))
    await wait_until("the first request has the connection", lambda: served == ["first"])
    # A request that finds the connection taken starts waiting (in the queue, or in the pool
    # without the queue) before it lets another task run: once it has arrived, it waits.
    waiting = asyncio.create_task(request("waiting"))
    await wait_until("the second request waits", lambda: arrived == ["first", "waiting"])
    late: list[asyncio.Task[None]] = []

    def arrive_late(_dbapi_connection: object, _record: object) -> None:
        # Runs just before the pool takes the connection back and wakes the waiting
        # request, so the late request asks for it first.
        late.append(asyncio.create_task(request("late")))

    event.listen(engine.sync_engine, "checkin", arrive_late, once=True)
    first_may_finish.set()
    await asyncio.wait_for(asyncio.gather(first, waiting), 10)
    await asyncio.wait_for(asyncio.gather(*late), 10)
    await engine.dispose()

    assert arrived == ["first", "waiting", "late"]
    assert served == arrived


async def test_a_request_waiting_longer_than_the_pool_timeout_gets_a_503(live_settings: Settings) -> None:
    app = create_app(one_connection(live_settings, db_pool_timeout=0.3))
    async with running(app) as client:
        async with app.state.session_factory():  # as a request in progress holds the only turn
            response = await client.get("/items/")

        assert response.status_code == 503
        assert int(response.headers["retry-after"]) > 0
        assert (await client.get("/items/")).status_code == 200


async def test_a_request_cancelled_while_waiting_gives_up_its_place(live_settings: Settings) -> None:
    queue = ConnectionQueue(one_connection(live_settings))

    async def take_a_turn() -> None:
        async with queue.turn():
            pass

    async with queue.turn():
        waiting = asyncio.create_task(take_a_turn())
        await asyncio.sleep(0.05)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    await asyncio.wait_for(take_a_turn(), 1)  # the turn is free: nobody holds it or waits ahead
