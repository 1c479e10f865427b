{% from "variant.jinja" import slug with context %}
"""OpenTelemetry: a server span per request with a child span per statement; off without an endpoint."""

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from support import running

from {{ slug }}.config import Settings
from {{ slug }}.main import create_app
from {{ slug }}.tracing import trace_app, tracer_provider_from_env


async def test_a_request_gives_a_server_span_with_a_database_child(live_settings: Settings) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(live_settings)
    trace_app(app, provider)
    async with running(app) as client:
        exporter.clear()  # the startup's statements (creating the tables, say)
        response = await client.get("/items/", headers={"X-Request-ID": "traced-1"})

    assert response.status_code == 200
    spans = exporter.get_finished_spans()
    [server] = [span for span in spans if span.kind is SpanKind.SERVER]
    database = [span for span in spans if span.kind is SpanKind.CLIENT]
    assert server.name == "GET /items/"
    assert server.attributes is not None
    assert server.attributes["request_id"] == "traced-1"
    assert database, [span.name for span in spans]
    assert all(span.parent is not None and span.parent.span_id == server.context.span_id for span in database)
    assert all(span.context.trace_id == server.context.trace_id for span in database)


def test_tracing_is_off_unless_an_endpoint_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert tracer_provider_from_env() is None

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    provider = tracer_provider_from_env()
    assert provider is not None
    provider.shutdown()
