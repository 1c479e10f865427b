{% from "variant.jinja" import is_pg with context %}
"""Prometheus metrics at ``GET /metrics``: requests, the connection pool, statement durations.

Each app has its own registry. With several worker processes (``uvicorn --workers``,
gunicorn), each has its own counters and a scrape reaches one of them: set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory, the same for every worker and
emptied before each start, and ``/metrics`` adds up the counters and histograms that
all the workers write there (prometheus-client's multiprocess mode). The pool gauges
are read from the answering worker's pool at scrape time.
"""

import os
from collections.abc import Callable, Iterator

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine, exc
from sqlalchemy.pool import QueuePool
from starlette.types import Scope

router = APIRouter()

REQUEST_LABELS = ["method", "route", "status"]
# RFC 9110's methods and PATCH. Some servers (uvicorn --http h11) pass any token on as a
# method: the rest are labelled "other", so that clients cannot add series without end.
STANDARD_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})


class PoolCollector(Collector):
    """The engine's pool, read at scrape time."""

    def __init__(self) -> None:
        self.engine: Engine | None = None

    def collect(self) -> Iterator[Metric]:
        pool = self.engine.pool if self.engine is not None else None
        if not isinstance(pool, QueuePool):
            return  # no engine yet, or a pool that keeps no count (NullPool, StaticPool)
        yield GaugeMetricFamily("db_pool_size", "Connections the pool keeps open", value=pool.size())
        yield GaugeMetricFamily("db_pool_checked_out", "Connections lent out to requests", value=pool.checkedout())
        # SQLAlchemy counts the pool's unopened connections as negative overflow.
        overflow = max(pool.overflow(), 0)
        yield GaugeMetricFamily("db_pool_overflow", "Connections open beyond the pool size", value=overflow)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("http_requests", "HTTP requests answered", REQUEST_LABELS, registry=self.registry)
        self.request_duration = Histogram(
            "http_request_duration_seconds", "Time to answer HTTP requests", REQUEST_LABELS, registry=self.registry
        )
        self.pool_timeouts = Counter(
            "db_pool_timeouts", "Requests that waited out the pool timeout (answered 503)", registry=self.registry
        )
        self.statement_duration = Histogram(
            "db_statement_duration_seconds", "Time to execute SQL statements", registry=self.registry
        )
{% if is_pg %}
        self.replica_fallbacks = Counter(
            "db_replica_fallbacks",
            "Reads sent to the primary instead of the read replica, by reason",
            ["reason"],
            registry=self.registry,
        )
{% endif %}
        self.pool = PoolCollector()
        self.registry.register(self.pool)

    def observe_request(self, scope: Scope, status: int, seconds: float) -> None:
        """Count and time a request (an observer of observability.ObserveRequests)."""
        # The route template (never the raw path): the router has put it in the scope.
        route = getattr(scope.get("route"), "path", "unmatched")
        method = scope["method"] if scope["method"] in STANDARD_METHODS else "other"
        labels = (method, route, str(status))
        self.requests.labels(*labels).inc()
        self.request_duration.labels(*labels).observe(seconds)

    def count_pool_timeout(self, error: Exception) -> None:
        """Count the pool timeouts among the database errors answered with a 503 (errors.UnavailableObserver)."""
        if isinstance(error, exc.TimeoutError):
            self.pool_timeouts.inc()

    def scraped_registry(self) -> CollectorRegistry:
        if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
            return self.registry
        registry = CollectorRegistry()
        # Every worker's counters and histograms (the class has no annotations).
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(self.pool)
        return registry


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.scraped_registry()
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def install_metrics(app: FastAPI) -> Metrics:
    """Serve /metrics; what the returned metrics observe is wired in stack.py."""
    app.state.metrics = metrics = Metrics()
    app.include_router(router)
    return metrics


def observe_pool(app: FastAPI, engine: Engine) -> Callable[[float, str], None]:
    """Report ``engine``'s pool at scrape time; the returned observer times its statements."""
    metrics: Metrics = app.state.metrics
    metrics.pool.engine = engine
    return lambda duration, _statement: metrics.statement_duration.observe(duration)
{% if is_pg %}


def count_replica_fallbacks(app: FastAPI) -> Callable[[str], None]:
    """An observer that counts the reads sent to the primary instead of the replica, by reason."""
    counter: Counter = app.state.metrics.replica_fallbacks
    return lambda reason: counter.labels(reason).inc()
{% endif %}
