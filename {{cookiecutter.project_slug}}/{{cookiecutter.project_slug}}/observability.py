{% from "variant.jinja" import slug, has_metrics, has_tracing with context %}
"""What an operator sees of the service: request ids, logs, slow statements{{ ", metrics" if has_metrics }}{{ ", traces" if has_tracing }}.

Every request gets an id (the client's ``X-Request-ID`` when it is 1 to 128 visible
ASCII characters, else a new UUID), returned in ``X-Request-ID`` and written in every
log line of the request: asgi-correlation-id keeps it in a context variable, which
survives ``await`` and is copied into the thread pool of sync handlers.
"""

import logging
import logging.config
import re
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pythonjsonlogger.core import RESERVED_ATTRS
from sqlalchemy import Engine, event
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import Settings
{% if has_metrics %}
from .metrics import observe_pool
{% endif %}
{% if has_tracing %}
from .tracing import trace_engine
{% endif %}

REQUEST_ID_HEADER = "X-Request-ID"
VALID_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")

access_logger = logging.getLogger("{{ slug }}.access")
statement_logger = logging.getLogger("{{ slug }}.db")


# Control characters and Unicode line breaks, as escapes: a request's path, query or
# header value with a line feed (`%0a`) cannot start a forged line of its own.
ESCAPES = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
ESCAPES |= {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", 0x2028: "\\u2028", 0x2029: "\\u2029"}


class OneLineFormatter(logging.Formatter):
    """Text logs with one line per record, and a traceback under it with every line indented.

    A line that does not start with a space starts a record, and nothing a request sends can forge one.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging.Formatter's names
        return super().formatMessage(record).translate(ESCAPES)

    def formatException(self, ei: Any) -> str:  # noqa: N802
        return self.indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return self.indented(super().formatStack(stack_info))

    @staticmethod
    def indented(text: str) -> str:
        return "\n".join(f"    {line.translate(ESCAPES)}" for line in text.split("\n"))


def logging_config(settings: Settings) -> dict[str, Any]:
    """One handler on stderr for every logger, uvicorn's included, with the request id on each line."""
    formatters = {
        "text": {
            "class": f"{__name__}.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s",
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {"levelname": "level", "name": "logger", "correlation_id": "request_id"},
            "timestamp": "time",
            "reserved_attrs": [*RESERVED_ATTRS, "color_message"],  # uvicorn's message with terminal colours
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "asgi_correlation_id.CorrelationIdFilter", "default_value": "-"}},
        "formatters": {"default": formatters[settings.log_format]},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id"],
            },
        },
        "root": {"level": settings.log_level, "handlers": ["default"]},
        "loggers": {
            # uvicorn's lines go to the handler above; its access line gives way to ours
            # (which has the request id and the duration).
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
            # DB_ECHO: SQLAlchemy logs each statement at INFO, through the handler above (the engine's
            # own echo=True would add a handler on stdout, writing each statement twice).
            "sqlalchemy.engine": {"level": "INFO" if settings.db_echo else "NOTSET"},
        },
    }


def configure_logging(settings: Settings) -> None:
    """Configure logging for the process: once, before the app serves (see main.py)."""
    logging.config.dictConfig(logging_config(settings))


# Called once per request with its scope, status and duration in seconds.
RequestObserver = Callable[[Scope, int, float], None]


class ObserveRequests:
    """Time each request and note its status, once, for every observer (access line, metrics)."""

    def __init__(self, app: ASGIApp, observers: list[RequestObserver]) -> None:
        self.app = app
        self.observers = observers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            seconds = time.perf_counter() - started
            for observe in self.observers:
                observe(scope, status, seconds)


def log_access(scope: Scope, status: int, seconds: float) -> None:
    """One line per request, after the response: method, path, status and duration."""
    duration_ms = round(seconds * 1000, 2)
    fields = {"method": scope["method"], "path": scope["path"], "status": status, "duration_ms": duration_ms}
    access_logger.info("%(method)s %(path)s %(status)s %(duration_ms)sms", fields, extra=fields)


def time_statements(engine: Engine, *observers: Callable[[float, str], None]) -> None:
    """Call each observer with the duration (seconds) and SQL text of every statement."""

    @event.listens_for(engine, "before_cursor_execute")
    def start(connection: Any, *_: Any) -> None:
        connection.info.setdefault("statements_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def finish(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        duration = time.perf_counter() - connection.info["statements_started"].pop()
        for observe in observers:
            observe(duration, statement)


def slow_statement_logger(threshold_ms: float) -> Callable[[float, str], None]:
    """Log statements slower than ``threshold_ms`` at WARNING: the SQL text, never the parameters."""

    def log_if_slow(duration: float, statement: str) -> None:
        duration_ms = round(duration * 1000, 1)
        if duration_ms >= threshold_ms:
            statement_logger.warning(
                "slow statement (%s ms): %s", duration_ms, statement, extra={"duration_ms": duration_ms}
            )

    return log_if_slow


def observe_engine(app: FastAPI, engine: Engine) -> None:
    """Watch the statements{{ " and the pool" if has_metrics }} of the engine that the app's lifespan created."""
    settings: Settings = app.state.settings
{% if has_metrics %}
    time_statements(engine, slow_statement_logger(settings.db_slow_query_ms), observe_pool(app, engine))
{% else %}
    time_statements(engine, slow_statement_logger(settings.db_slow_query_ms))
{% endif %}
{% if has_tracing %}
    trace_engine(app, engine)
{% endif %}
