{% from "variant.jinja" import is_async, slug, async with context %}
"""The connection pool under pressure: fail fast when exhausted, never leak, never deadlock."""

import asyncio
import time

from support import checked_out, holding_connections, running

from {{ slug }}.config import Settings
from {{ slug }}.main import create_app


def small_pool(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update={"db_pool_size": 2, "db_max_overflow": 0, **changes})


async def test_an_exhausted_pool_gives_503_after_the_pool_timeout(live_settings: Settings) -> None:
    app = create_app(small_pool(live_settings, db_pool_size=1, db_pool_timeout=0.5))
    async with running(app) as client:
        {{ async }}with holding_connections(app):  # the only connection
            started = time.monotonic()
            response = await client.get("/items/")
            waited = time.monotonic() - started

        assert response.status_code == 503
        assert int(response.headers["retry-after"]) > 0
        assert waited < 10, "the request must fail near the pool timeout, not hang"
        assert (await client.get("/items/")).status_code == 200
        assert checked_out(app) == 0


async def test_many_concurrent_requests_share_a_small_pool(live_settings: Settings) -> None:
    """100 requests at once on 2 connections: all succeed and every connection comes back."""
{% if not is_async %}
    # Sync handlers run in worker threads, and a request keeps its connection until its
    # response is built, which needs another worker thread. With THREAD_POOL_SIZE at or
    # below the number of concurrent requests, the threads all wait for connections held
    # by requests that wait for a thread, until the pool timeout fails them with 503s.
{% endif %}
    app = create_app(small_pool(live_settings, db_pool_timeout=5))
    async with running(app) as client:
        item = (await client.post("/items/", json={"title": "Pen"})).json()
        responses = await asyncio.gather(*(client.get(f"/items/{item['id']}") for _ in range(100)))

        assert [r.status_code for r in responses] == [200] * 100  # none waited out the pool timeout
        assert checked_out(app) == 0
