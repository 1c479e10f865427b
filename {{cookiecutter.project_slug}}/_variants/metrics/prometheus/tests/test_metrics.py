{% from "variant.jinja" import slug, async, await, has_auth with context %}
"""GET /metrics: request counts by route template, the pool read at scrape time, pool timeouts."""

from collections.abc import Iterable
from pathlib import Path

import httpx
import pytest
{% if has_auth %}
from accounts import committed_user_headers
{% endif %}
from httpx import AsyncClient
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from support import holding_connections, running, serving_logged, wait_until

from {{ slug }}.config import Settings
from {{ slug }}.main import create_app

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: AsyncClient) -> Samples:
    """Every sample of ``/metrics``, by name and labels."""
    return samples_of(await client.get("/metrics"))


def samples_of(response: httpx.Response) -> Samples:
    assert response.status_code == 200
    return samples_in(text_string_to_metric_families(response.text))


def samples_in(families: Iterable[Metric]) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in families
        for sample in family.samples
    }


def labels_of(route: str, status: str) -> set[tuple[str, str]]:
    return {("method", "GET"), ("route", route), ("status", status)}


def requests_of(samples: Samples, route: str, status: str) -> float:
    return samples.get(("http_requests_total", frozenset(labels_of(route, status))), 0)


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
    durations = ("http_request_duration_seconds_count", frozenset(labels_of("/items/{item_id}", "200")))
    statements = ("db_statement_duration_seconds_count", frozenset[tuple[str, str]]())
    assert after[durations] - before.get(durations, 0) == 5
    assert after[statements] > before[statements]


async def test_made_up_methods_are_counted_as_one_other_method(live_client: AsyncClient) -> None:
    """Any token is a method to some servers (uvicorn --http h11): a series for each would have no bound."""
    for number in range(20):
        assert (await live_client.request(f"MADE-UP-{number}", "/items/")).status_code == 405
    assert (await live_client.patch("/items/", json={})).status_code == 405  # a standard method, though not routed
    assert (await live_client.delete("/items/999999")).status_code == 404
    samples = await scrape(live_client)

    methods = {dict(labels)["method"] for name, labels in samples if name == "http_requests_total"}
    assert methods == {"other", "PATCH", "DELETE"}
    other = frozenset({("method", "other"), ("route", "/items/"), ("status", "405")})
    assert samples[("http_requests_total", other)] == 20
    assert samples[("http_request_duration_seconds_count", other)] == 20


async def test_the_pool_gauges_are_read_at_scrape_time(live_settings: Settings) -> None:
    app = create_app(live_settings.model_copy(update={"db_pool_size": 3, "db_max_overflow": 0}))
    async with running(app) as client:
        await client.get("/items/")
        at_rest = await scrape(client)
        {{ async }}with holding_connections(app):
            holding = await scrape(client)

    assert at_rest[("db_pool_size", frozenset())] == 3
    assert at_rest[("db_pool_checked_out", frozenset())] == 0
    assert holding[("db_pool_checked_out", frozenset())] == 1
    assert holding[("db_pool_overflow", frozenset())] == 0


async def test_a_pool_timeout_is_counted(live_settings: Settings) -> None:
    app = create_app(live_settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout": 0.2}))
    async with running(app) as client:
        {{ async }}with holding_connections(app):  # the only connection
            response = await client.get("/items/")
        samples = await scrape(client)

    assert response.status_code == 503
    assert samples[("db_pool_timeouts_total", frozenset())] == 1


async def counted_by_each_worker(shared: Path, requests: int) -> list[float]:
    """Each worker's own count of ``GET /items/`` answered 200, once the counts add up to ``requests``.

    Each worker writes its counts to a file of its own (counter_<pid>.db), which a scrape
    adds up; it counts a request just after it has sent the response.
    """

    def counts() -> list[float]:
        # Read as a scrape reads them, one file at a time (merge() has no annotations).
        merged = [MultiProcessCollector.merge([str(path)]) for path in shared.glob("counter_*.db")]  # type: ignore[no-untyped-call]
        return [requests_of(samples_in(families), "/items/", "200") for families in merged]

    await wait_until("the workers have counted every request", lambda: sum(counts()) == requests)
    return counts()


@pytest.mark.slow
async def test_workers_share_their_counts_in_multiprocess_mode(live_settings: Settings, tmp_path: Path) -> None:
    """Two uvicorn workers: a scrape, whichever worker answers it, counts the requests of both."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    with serving_logged(live_settings, tmp_path / "stderr.log", workers=2, PROMETHEUS_MULTIPROC_DIR=str(shared)) as url:
        # A new connection for each request: whichever worker accepts it answers it.
{% if has_auth %}
        signed = {{ await }}committed_user_headers(live_settings)
        async with AsyncClient(base_url=url, headers={"Connection": "close", **signed}) as client:
{% else %}
        async with AsyncClient(base_url=url, headers={"Connection": "close"}) as client:
{% endif %}
            sent = 0
            counts: list[float] = []
            while len(counts) < 2 or 0 in counts:  # until each worker has answered some
                assert sent < 1000, f"one worker answered all {sent} requests"
                assert (await client.get("/items/")).status_code == 200
                sent += 1
                counts = await counted_by_each_worker(shared, sent)
            samples = await scrape(client)

    # Each worker counted only some of the requests: a scrape that shows them all adds up both.
    assert requests_of(samples, "/items/", "200") == sent
