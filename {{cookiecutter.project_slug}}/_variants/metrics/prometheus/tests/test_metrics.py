{% from "variant.jinja" import slug, await with context %}
"""GET /metrics: request counts by route template, the pool read at scrape time, pool timeouts."""

from httpx import AsyncClient
from prometheus_client.parser import text_string_to_metric_families
from support import running

from {{ slug }}.config import Settings
from {{ slug }}.main import create_app


async def scrape(client: AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of ``/metrics``, by name and labels."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests_of(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], route: str, status: str) -> float:
    labels = frozenset({"method": "GET", "route": route, "status": status}.items())
    return samples.get(("http_requests_total", labels), 0)


async def test_requests_are_counted_by_route_template(live_client: AsyncClient) -> None:
    item = (await live_client.post("/items/", json={"title": "Pen"})).json()
    before = await scrape(live_client)
    for _ in range(5):
        assert (await live_client.get(f"/items/{item['id']}")).status_code == 200
    await live_client.get("/items/999999")
    after = await scrape(live_client)

    assert requests_of(after, "/items/{item_id}", "200") - requests_of(before, "/items/{item_id}", "200") == 5
    assert requests_of(after, "/items/{item_id}", "404") - requests_of(before, "/items/{item_id}", "404") == 1
    assert not any(f"/items/{item['id']}" in str(labels) for _, labels in after)
    durations = ("http_request_duration_seconds_count", frozenset(
        {"method": "GET", "route": "/items/{item_id}", "status": "200"}.items()
    ))
    assert after[durations] - before.get(durations, 0) == 5
    assert after[("db_statement_duration_seconds_count", frozenset())] > before[
        ("db_statement_duration_seconds_count", frozenset())
    ]


async def test_the_pool_gauges_are_read_at_scrape_time(live_settings: Settings) -> None:
    app = create_app(live_settings.model_copy(update={"db_pool_size": 3, "db_max_overflow": 0}))
    async with running(app) as client:
        await client.get("/items/")
        at_rest = await scrape(client)
        held = {{ await }}app.state.engine.connect()  # as a request in progress holds one
        {{ await }}held.exec_driver_sql("SELECT 1")
        holding = await scrape(client)
        {{ await }}held.close()

    assert at_rest[("db_pool_size", frozenset())] == 3
    assert at_rest[("db_pool_checked_out", frozenset())] == 0
    assert holding[("db_pool_checked_out", frozenset())] == 1
    assert holding[("db_pool_overflow", frozenset())] == 0


async def test_a_pool_timeout_is_counted(live_settings: Settings) -> None:
    app = create_app(live_settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout": 0.2}))
    async with running(app) as client:
        held = {{ await }}app.state.engine.connect()  # the only connection
        {{ await }}held.exec_driver_sql("SELECT 1")
        response = await client.get("/items/")
        {{ await }}held.close()
        samples = await scrape(client)

    assert response.status_code == 503
    assert samples[("db_pool_timeouts_total", frozenset())] == 1
