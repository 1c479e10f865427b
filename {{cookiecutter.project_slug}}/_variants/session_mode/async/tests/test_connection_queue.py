{% from "variant.jinja" import slug with context %}
"""Requests that wait for a connection get one in the order they came (connection_queue.py)."""

import asyncio

import pytest
from sqlalchemy import text
from support import running

from {{ slug }}.config import Settings
from {{ slug }}.connection_queue import ConnectionQueue
from {{ slug }}.db import (
    create_db_engine,
    create_read_session_factory,
)
from {{ slug }}.main import create_app


def one_connection(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0, **changes})


async def test_connections_go_to_requests_in_the_order_they_came(live_settings: Settings) -> None:
    """Requests that arrive while others wait for the only connection are served after them.

    Without the queue a request that arrives just as the connection comes back can take it before
    the longest-waiting request wakes up, and that one waits again at the back.
    """
    settings = one_connection(live_settings)
    engine = create_db_engine(settings)
    sessions = create_read_session_factory(engine)  # as get_read_db does
    queue = ConnectionQueue(settings)
    arrived: list[int] = []
    served: list[int] = []

    async def request(number: int) -> None:
        arrived.append(number)
        async with queue.turn(), sessions() as session:
            await session.execute(text("SELECT 1"))
            served.append(number)

    requests = []
    for number in range(100):  # a new request in every turn of the event loop
        requests.append(asyncio.create_task(request(number)))
        await asyncio.sleep(0)
    await asyncio.wait_for(asyncio.gather(*requests), 30)
    await engine.dispose()

    assert served == arrived


async def test_a_request_waiting_longer_than_the_pool_timeout_gets_a_503(live_settings: Settings) -> None:
    app = create_app(one_connection(live_settings, db_pool_timeout=0.3))
    async with running(app) as client:
        async with app.state.connection_queue.turn():  # as a request in progress holds the only turn
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
