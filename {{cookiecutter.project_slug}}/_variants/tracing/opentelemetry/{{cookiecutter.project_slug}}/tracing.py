"""OpenTelemetry traces: a server span per request, with a child span per SQL statement.

Configured only by the standard ``OTEL_*`` environment variables, and off unless
``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set:
spans go to that OTLP/HTTP endpoint, named by ``OTEL_SERVICE_NAME``.
"""

import os

from asgi_correlation_id import correlation_id
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from sqlalchemy import Engine, event
from starlette.types import ASGIApp, Receive, Scope, Send

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


class RequestIdOnSpan:
    """Put the request id on the request's server span, so a trace leads to its log lines."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            trace.get_current_span().set_attribute("request_id", correlation_id.get() or "")
        await self.app(scope, receive, send)


def tracer_provider_from_env() -> TracerProvider | None:
    """A provider exporting to the OTLP endpoint of the environment; None when none is set."""
    if not any(os.environ.get(name) for name in ENDPOINT_VARIABLES):
        return None
    provider = TracerProvider()  # the resource comes from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def trace_app(app: FastAPI, provider: TracerProvider) -> None:
    """Trace ``app``'s requests, and the statements of the engine its lifespan creates."""
    app.state.tracer_provider = provider
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, exclude_spans=["receive", "send"])


def install_tracing(app: FastAPI) -> None:
    """Trace ``app`` when the environment names an OTLP endpoint (its middleware: RequestIdOnSpan)."""
    app.state.tracer_provider = None
    if (provider := tracer_provider_from_env()) is not None:
        trace_app(app, provider)


def trace_engine(app: FastAPI, engine: Engine) -> None:
    provider: TracerProvider | None = app.state.tracer_provider
    if provider is None:
        return
    instrumentor = SQLAlchemyInstrumentor()
    # Its declared range stops before SQLAlchemy 2.1, whose engine events it uses unchanged.
    instrumentor.instrument(engine=engine, tracer_provider=provider, skip_dep_check=True)
    # The instrumentor is one per process: release it with the engine, for the next one.
    event.listen(engine, "engine_disposed", lambda _engine: instrumentor.uninstrument())
