"""Map database failures to clear HTTP responses that leak no internals."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc

logger = logging.getLogger(__name__)

# Seconds a client should wait before retrying after a 503.
RETRY_AFTER = "5"


def is_unavailable(error: Exception) -> bool:
    """True for failures that mean "the database cannot serve us right now"."""
    if isinstance(error, exc.TimeoutError | exc.OperationalError | exc.InterfaceError):
        return True  # pool exhausted, server unreachable or gone, connection closed
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, ConnectionError | TimeoutError)


async def database_error(request: Request, error: Exception) -> JSONResponse:
    if isinstance(error, exc.IntegrityError):
        logger.info("integrity error on %s %s: %s", request.method, request.url.path, error.orig)
        return JSONResponse(
            {"detail": "The request conflicts with data already stored (a constraint was violated)."},
            status_code=409,
        )
    if isinstance(error, exc.DataError):
        logger.info("data error on %s %s: %s", request.method, request.url.path, error.orig)
        return JSONResponse({"detail": "The database rejected a value in the request."}, status_code=422)
    if is_unavailable(error):
        logger.warning("database unavailable on %s %s", request.method, request.url.path, exc_info=error)
        return JSONResponse(
            {"detail": "The database is unavailable; try again shortly."},
            status_code=503,
            headers={"Retry-After": RETRY_AFTER},
        )
    return await internal_error(request, error)


async def internal_error(request: Request, error: Exception) -> JSONResponse:
    # Starlette logs the traceback after this response is sent; the client sees none of it.
    return JSONResponse({"detail": "Internal server error."}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(exc.SQLAlchemyError, database_error)
    app.add_exception_handler(ConnectionError, database_error)
    app.add_exception_handler(TimeoutError, database_error)
    app.add_exception_handler(Exception, internal_error)
