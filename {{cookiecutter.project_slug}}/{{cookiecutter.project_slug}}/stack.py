{% from "variant.jinja" import is_pg, has_metrics, has_tracing with context %}
"""What a request passes through on its way to a route: the middleware, outermost first, and the exception handlers."""

from uuid import uuid4

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import exc
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from .config import Settings
from .errors import CatchUnhandledErrors, LimitBodySize, database_error, http_error, stale_data_error, validation_error
{% if has_metrics %}
from .metrics import install_metrics
{% endif %}
from .observability import REQUEST_ID_HEADER, VALID_REQUEST_ID, ObserveRequests, log_access
{% if is_pg %}
from .replica import SetReadAfterCookie
{% endif %}
{% if has_tracing %}
from .tracing import RequestIdOnSpan, install_tracing
{% endif %}


def install_stack(app: FastAPI) -> None:
    """Wrap ``app``'s routes in its middleware and give it its exception handlers."""
    settings: Settings = app.state.settings
{% if has_metrics %}
    metrics = install_metrics(app)  # and GET /metrics
{% endif %}
{% if has_tracing %}
    install_tracing(app)  # a span per request, when the OTEL_* variables name an endpoint
{% endif %}
    stack = [
        # A request id for every request (the client's X-Request-ID if it is valid), in every log line.
        Middleware(
            CorrelationIdMiddleware,
            header_name=REQUEST_ID_HEADER,
            generator=lambda: str(uuid4()),
            validator=lambda value: VALID_REQUEST_ID.fullmatch(value) is not None,
        ),
        # The status and the time the client sees, for the access line{{ " and the request metrics" if has_metrics }}.
        Middleware(ObserveRequests, observers=[log_access{{ ", metrics.observe_request" if has_metrics }}]),
{% if has_tracing %}
        Middleware(RequestIdOnSpan),  # the request id on the request's span
{% endif %}
        # A logged 500 for any exception that no handler below takes.
        Middleware(CatchUnhandledErrors),
        Middleware(LimitBodySize, max_body_size=settings.max_body_size),
    ]
    if settings.cors_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["*"],
                allow_headers=["*"],
                # Response headers a browser's script may read, beyond the few that every response shows.
                expose_headers=["ETag", "Link", "Location", "X-Total-Count"],
            )
        )
{% if is_pg %}
    if settings.database_replica_url:
        stack.append(Middleware(SetReadAfterCookie))  # read-your-writes (see replica.py)
{% endif %}
    for middleware in reversed(stack):  # each one added goes around those added before it
        app.add_middleware(middleware.cls, *middleware.args, **middleware.kwargs)

    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(StaleDataError, stale_data_error)
    app.add_exception_handler(exc.SQLAlchemyError, database_error)
    app.add_exception_handler(ConnectionError, database_error)
    app.add_exception_handler(TimeoutError, database_error)
    # Told of each database error that database_error answers with a 503{{ ": the pool timeouts are counted" if has_metrics }}.
    app.state.unavailable_observers = [{{ "metrics.count_pool_timeout" if has_metrics }}]
