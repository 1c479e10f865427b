"""The hand-written apps the variants are measured against (see apps.py): app factories reading DATABASE_URL and
DB_POOL_SIZE, pools sized like the variants' (no overflow). The minimal apps are FastAPI + the ORM written the
short way (a session per request opened in the handler, ``session.get``, ``response_model``): what a user would
write by hand."""

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, Text, create_engine, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SELECT_ONE = "SELECT id, title, description FROM items WHERE id = $1"
SELECT_PAGE = "SELECT id, title, description FROM items ORDER BY id OFFSET $1 LIMIT $2"
INSERT_ONE = "INSERT INTO items (title, description) VALUES ($1, $2) RETURNING id, title, description"


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)


class ItemIn(BaseModel):
    title: str
    description: str | None = None


class ItemOut(ItemIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


@asynccontextmanager
async def _asyncpg_pool(app: Any) -> AsyncIterator[None]:
    url, size = os.environ["DATABASE_URL"], int(os.environ["DB_POOL_SIZE"])
    app.state.pool = await asyncpg.create_pool(url, min_size=size, max_size=size)
    yield
    await app.state.pool.close()


def raw() -> Starlette:
    async def read_item(request: Request) -> JSONResponse:
        row = await request.app.state.pool.fetchrow(SELECT_ONE, request.path_params["id"])
        return JSONResponse(dict(row)) if row else JSONResponse({"detail": "Item not found"}, status_code=404)

    async def list_items(request: Request) -> JSONResponse:
        skip, limit = int(request.query_params.get("skip", 0)), int(request.query_params.get("limit", 100))
        return JSONResponse([dict(row) for row in await request.app.state.pool.fetch(SELECT_PAGE, skip, limit)])

    async def create_item(request: Request) -> JSONResponse:
        data = await request.json()
        row = await request.app.state.pool.fetchrow(INSERT_ONE, data["title"], data.get("description"))
        return JSONResponse(dict(row), status_code=201)

    return Starlette(routes=[Route("/items/", list_items, methods=["GET"]), Route("/items/{id:int}", read_item),
                             Route("/items/", create_item, methods=["POST"])], lifespan=_asyncpg_pool)  # fmt: skip


def fastapi_asyncpg() -> FastAPI:
    app = FastAPI(lifespan=_asyncpg_pool)

    @app.get("/items/{item_id}", response_model=ItemOut)
    async def read_item(item_id: int) -> Any:
        row = await app.state.pool.fetchrow(SELECT_ONE, item_id)
        if row is None:
            raise HTTPException(404, "Item not found")
        return dict(row)

    @app.get("/items/", response_model=list[ItemOut])
    async def list_items(skip: int = 0, limit: int = 100) -> Any:
        return [dict(row) for row in await app.state.pool.fetch(SELECT_PAGE, skip, limit)]

    @app.post("/items/", response_model=ItemOut, status_code=201)
    async def create_item(item: ItemIn) -> Any:
        return dict(await app.state.pool.fetchrow(INSERT_ONE, item.title, item.description))

    return app


def minimal_async() -> FastAPI:
    url, size = os.environ["DATABASE_URL"], int(os.environ["DB_POOL_SIZE"])
    engine = create_async_engine(url, pool_size=size, max_overflow=0)
    factory = async_sessionmaker(engine, expire_on_commit=False)

    app = FastAPI()
    app.state.engine = engine

    @app.get("/items/{item_id}", response_model=ItemOut)
    async def read_item(item_id: int) -> Item:
        async with factory() as session:
            item = await session.get(Item, item_id)
        if item is None:
            raise HTTPException(404, "Item not found")
        return item

    @app.get("/items/", response_model=list[ItemOut])
    async def list_items(skip: int = 0, limit: int = 100) -> Sequence[Item]:
        async with factory() as session:
            return (await session.scalars(select(Item).order_by(Item.id).offset(skip).limit(limit))).all()

    @app.post("/items/", response_model=ItemOut, status_code=201)
    async def create_item(body: ItemIn) -> Item:
        async with factory() as session:
            item = Item(**body.model_dump())
            session.add(item)
            await session.commit()
        return item

    return app


def minimal_sync() -> FastAPI:
    url, size = os.environ["DATABASE_URL"], int(os.environ["DB_POOL_SIZE"])
    engine = create_engine(url, pool_size=size, max_overflow=0)
    factory = sessionmaker(engine, expire_on_commit=False)

    app = FastAPI()
    app.state.engine = engine

    @app.get("/items/{item_id}", response_model=ItemOut)
    def read_item(item_id: int) -> Item:
        with factory() as session:
            item = session.get(Item, item_id)
        if item is None:
            raise HTTPException(404, "Item not found")
        return item

    @app.get("/items/", response_model=list[ItemOut])
    def list_items(skip: int = 0, limit: int = 100) -> Sequence[Item]:
        with factory() as session:
            return session.scalars(select(Item).order_by(Item.id).offset(skip).limit(limit)).all()

    @app.post("/items/", response_model=ItemOut, status_code=201)
    def create_item(body: ItemIn) -> Item:
        with factory() as session:
            item = Item(**body.model_dump())
            session.add(item)
            session.commit()
        return item

    return app
