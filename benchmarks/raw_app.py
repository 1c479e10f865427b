"""The raw baseline: Starlette and an asyncpg pool with hand-written SQL on the same table.

No ORM, no dependency injection, no response models: the least a Python service can do to
serve these endpoints, so the rendered variants' req/s and p99 are read as ratios to it. Its
pool is sized like the app's (DB_POOL_SIZE connections, opened at startup).

    DATABASE_URL=postgresql://... uvicorn benchmarks.raw_app:app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from benchmarks import POOL_PATH

# Hand-written SQL, prepared once per connection by asyncpg's statement cache.
SELECT_ONE = "SELECT id, title, description FROM items WHERE id = $1"
SELECT_PAGE = "SELECT id, title, description FROM items ORDER BY id OFFSET $1 LIMIT $2"
INSERT_ONE = "INSERT INTO items (title, description) VALUES ($1, $2) RETURNING id, title, description"


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    size = int(os.environ.get("DB_POOL_SIZE", "10"))
    dsn = os.environ["DATABASE_URL"]
    app.state.pool = await asyncpg.create_pool(dsn, min_size=size, max_size=size)
    try:
        yield
    finally:
        await app.state.pool.close()


def pool_of(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


async def read_item(request: Request) -> JSONResponse:
    row = await pool_of(request).fetchrow(SELECT_ONE, request.path_params["id"])
    if row is None:
        return JSONResponse({"detail": "Item not found"}, status_code=404)
    return JSONResponse(dict(row))


async def list_items(request: Request) -> JSONResponse:
    try:
        skip = max(0, int(request.query_params.get("skip", 0)))
        limit = min(100, max(1, int(request.query_params.get("limit", 100))))
    except ValueError:
        return JSONResponse({"detail": "skip and limit must be integers"}, status_code=422)
    rows = await pool_of(request).fetch(SELECT_PAGE, skip, limit)
    return JSONResponse([dict(row) for row in rows])


async def create_item(request: Request) -> JSONResponse:
    try:
        data = await request.json()
        title, description = str(data["title"]), data.get("description")
    except (ValueError, KeyError, TypeError, AttributeError):
        return JSONResponse({"detail": "expected {title, description}"}, status_code=422)
    row = await pool_of(request).fetchrow(INSERT_ONE, title, description)
    return JSONResponse(dict(row), status_code=201)


async def health(request: Request) -> JSONResponse:
    await pool_of(request).fetchval("SELECT 1")
    return JSONResponse({"status": "ok"})


async def pool_status(request: Request) -> JSONResponse:
    pool = pool_of(request)
    size = pool.get_size()
    return JSONResponse(
        {"pool": "asyncpg.Pool", "checked_out": size - pool.get_idle_size(), "size": size, "max_overflow": 0}
    )


app = Starlette(
    routes=[
        Route("/items/", list_items, methods=["GET"]),
        Route("/items/", create_item, methods=["POST"]),
        Route("/items/{id:int}", read_item, methods=["GET"]),
        Route("/health", health),
        Route(POOL_PATH, pool_status),
    ],
    lifespan=lifespan,
)
