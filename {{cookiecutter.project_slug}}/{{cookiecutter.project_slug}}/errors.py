{% from "variant.jinja" import is_pg with context %}
"""Map failures to clear HTTP responses that leak no internals, and document them.

Every 500 is logged once, at ERROR, with the request's method and path and the traceback.
"""

import json
import logging
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import exc
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .db_errors import is_bad_value, is_unavailable
from .schemas import Problem

logger = logging.getLogger(__name__)

# Seconds a client should wait before retrying after a 503.
RETRY_AFTER = "5"
# The methods a route can take, in the order a 405 lists them in ``Allow``.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

Responses = dict[int | str, dict[str, Any]]
# Told of each database error answered with a 503 (the app's ``state.unavailable_observers``).
UnavailableObserver = Callable[[Exception], None]

# Error responses for the OpenAPI schema, so clients (and schemathesis) know them.
DATABASE_ERRORS: Responses = {
    503: {"model": Problem, "description": "The database is unavailable; retry after `Retry-After` seconds"},
}
WRITE_ERRORS: Responses = {
    409: {"model": Problem, "description": "The write conflicts with stored data (a constraint was violated)"},
}
BODY_ERRORS: Responses = {
    400: {"model": Problem, "description": "The body could not be decoded"},
    413: {"model": Problem, "description": "The body is larger than the server accepts"},
}


def finite(value: Any) -> Any:
    """``value`` with NaN and the infinities, which JSON cannot hold, spelled as strings.

    Python's JSON parser reads them from a request body (``NaN``, ``Infinity``, and
    ``1e400``, which overflows), so a 422 that echoes the input may have to show them.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


class AsciiJSONResponse(JSONResponse):
    """JSON that can echo any input back: non-ASCII characters escaped, non-finite numbers as strings.

    The default rendering encodes to UTF-8, which fails (with a 500) on text such
    as lone surrogates that a client can send in a JSON string.
    """

    def render(self, content: Any) -> bytes:
        return json.dumps(finite(content), ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()


async def database_error(request: Request, error: Exception) -> Response:
    """409, 422 or 503 for what the client or a retry can fix (see db_errors.py); any other is a 500."""
    if isinstance(error, exc.IntegrityError):
        # The first line names the constraint{{ "; the values are on the next ones (PostgreSQL's DETAIL)" if is_pg }}.
        logger.info("integrity error on %s %s: %s", request.method, request.url.path, summary(error.orig or error))
        return JSONResponse(
            {"detail": "The request conflicts with data already stored (a constraint was violated)."},
            status_code=409,
        )
    if is_bad_value(error):
        # The driver's message quotes the value: only its type is logged.
        rejection = type(getattr(error, "orig", error)).__name__
        logger.info("rejected value on %s %s: %s", request.method, request.url.path, rejection)
        return JSONResponse({"detail": "The database rejected a value in the request."}, status_code=422)
    if is_unavailable(error):
        logger.warning("database unavailable on %s %s", request.method, request.url.path, exc_info=error)
        observers: list[UnavailableObserver] = request.app.state.unavailable_observers
        for observe in observers:
            observe(error)
        return JSONResponse(
            {"detail": "The database is unavailable; try again shortly."},
            status_code=503,
            headers={"Retry-After": RETRY_AFTER},
        )
    return await internal_error(request, error)


async def stale_data_error(request: Request, error: Exception) -> Response:
    """Another request changed or deleted the row between this one's read and its write.

    The version check (``version_id_col``) found it: 412 if the client made its write
    conditional (``If-Match``), else 409, so that it reads the item again and retries.
    """
    logger.info("stale write on %s %s: %s", request.method, request.url.path, error)
    status_code = 412 if "if-match" in request.headers else 409
    return JSONResponse({"detail": "The item has changed since it was read."}, status_code=status_code)


def summary(error: BaseException) -> str:
    """The exception's type and the first line of its message, for the log line above the traceback."""
    lines = str(error).splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


async def internal_error(request: Request, error: Exception) -> Response:
    """A 500 that tells the client nothing; the log gets the traceback."""
    logger.error("%s %s failed with a 500: %s", request.method, request.url.path, summary(error), exc_info=error)
    return JSONResponse({"detail": "Internal server error."}, status_code=500)


class CatchUnhandledErrors:
    """Answer any exception that no handler took with a logged 500.

    Starlette's last-resort handler re-raises the exception after answering, so that the
    server logs it a second time, without the request; this middleware sits inside it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def send_and_note(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception as error:
            if response_started:
                raise  # too late for a 500: the server logs it and drops the connection
            response = await internal_error(Request(scope), error)
            await response(scope, receive, send)


async def validation_error(request: Request, error: Exception) -> Response:
    """FastAPI's 422 body (what is wrong, where, and the input), safe for any input."""
    assert isinstance(error, RequestValidationError)
    return AsciiJSONResponse({"detail": jsonable_encoder(error.errors())}, status_code=422)


def routed(app: FastAPI, scope: Scope) -> bool:
    """Whether one of ``app``'s routes takes this path and method."""
    return any(route.matches(scope)[0] is Match.FULL for route in app.router.routes)


def slash_redirect(request: Request) -> Response | None:
    """A 307 to the path with its trailing slash added or removed, if a route takes that one.

    Starlette's own redirect (turned off in main.py) puts the request's ``Host`` header,
    which the client chooses, in ``Location``; this one is relative.
    """
    path: str = request.scope["path"]
    other = path.removesuffix("/") if path.endswith("/") else f"{path}/"
    if not other.startswith("/") or other.startswith("//") or not routed(request.app, {**request.scope, "path": other}):
        return None
    query = request.scope["query_string"].decode("latin-1")
    return RedirectResponse(quote(other) + (f"?{query}" if query else ""), status_code=307)


def body_too_large(max_body_size: int) -> Response:
    detail = f"The body is larger than the {max_body_size:,} bytes this server accepts."
    return JSONResponse({"detail": detail}, status_code=413)


async def http_error(request: Request, error: Exception) -> Response:
    """FastAPI's own handling, except for three statuses that Starlette answers incompletely.

    A 405 lists the path's methods in ``Allow``; a 404 for a path that only lacks (or has)
    a trailing slash redirects to the other; a 413 says what size is accepted.
    """
    assert isinstance(error, HTTPException)
    if error.status_code == 405:
        allowed = [method for method in METHODS if routed(request.app, {**request.scope, "method": method})]
        error.headers = {**(error.headers or {}), "Allow": ", ".join(allowed)}
    if error.status_code == 404 and "endpoint" not in request.scope and (redirect := slash_redirect(request)):
        return redirect
    if error.status_code == 413:
        return body_too_large(request.app.state.settings.max_body_size)
    return await http_exception_handler(request, error)


class LimitBodySize:
    """A 413 for a request body over ``max_body_size`` bytes.

    A body whose ``Content-Length`` is over the limit is refused before it is read. One sent
    without a length is counted as it arrives by Starlette's limit, inside, whose 413 is an
    exception for ``http_error`` (Starlette's own answer to the first case is plain text).
    """

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = RequestBodyLimitMiddleware(app, max_body_size)
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = Headers(scope=scope).get("content-length", "") if scope["type"] == "http" else ""
        if length.isdigit() and int(length) > self.max_body_size:
            await body_too_large(self.max_body_size)(scope, receive, send)
            return
        await self.app(scope, receive, send)
