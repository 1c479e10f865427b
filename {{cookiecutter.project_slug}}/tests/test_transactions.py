{% from "variant.jinja" import slug, async, await, Iterator, has_auth with context %}
"""Each request is one transaction: all of its writes commit, or none do."""

from collections.abc import {{ Iterator }}

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from support import checked_out

from {{ slug }} import crud
{% if has_auth %}
from {{ slug }}.auth import CurrentUser
{% endif %}
from {{ slug }}.config import Settings
from {{ slug }}.db import create_db_engine
from {{ slug }}.schemas import ItemIn
from {{ slug }}.sessions import SessionDep


async def test_a_request_that_fails_after_writing_leaves_nothing_behind(
    live_app: FastAPI, live_client: AsyncClient
) -> None:
    @live_app.post("/items/then-fail")
    {{ async }}def create_two_items_then_fail(db: SessionDep{{ ", user: CurrentUser" if has_auth }}) -> None:
        {{ await }}crud.create_item(db, {{ "user, " if has_auth }}ItemIn(title="first"))
        {{ await }}crud.create_item(db, {{ "user, " if has_auth }}ItemIn(title="second"))  # both INSERTs have reached the database
        raise RuntimeError("failure after the writes")

    response = await live_client.post("/items/then-fail")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
    assert (await live_client.get("/items/")).json() == []
    assert checked_out(live_app) == 0


async def test_the_next_request_after_a_failed_one_works(live_app: FastAPI, live_client: AsyncClient) -> None:
    @live_app.post("/items/fail")
    {{ async }}def fail(db: SessionDep{{ ", user: CurrentUser" if has_auth }}) -> None:
        {{ await }}crud.create_item(db, {{ "user, " if has_auth }}ItemIn(title="doomed"))
        raise RuntimeError("failure after a write")

    assert (await live_client.post("/items/fail")).status_code == 500
    created = await live_client.post("/items/", json={"title": "kept"})

    assert created.status_code == 201
    assert [item["title"] for item in (await live_client.get("/items/")).json()] == ["kept"]
    assert checked_out(live_app) == 0


async def test_successful_requests_commit_and_return_their_connection(
    live_app: FastAPI, live_client: AsyncClient
) -> None:
    created = (await live_client.post("/items/", json={"title": "Pen"})).json()
    await live_client.put(f"/items/{created['id']}", json={"title": "Pencil"})

    assert (await live_client.get(f"/items/{created['id']}")).json()["title"] == "Pencil"
    assert checked_out(live_app) == 0


@pytest.fixture
{{ async }}def deferred_foreign_key(live_settings: Settings) -> {{ Iterator }}[None]:
    """Tables whose foreign key is only checked at COMMIT."""
    engine = create_db_engine(live_settings)
    {{ async }}with engine.begin() as connection:
        {{ await }}connection.execute(text("CREATE TABLE parents (id INTEGER PRIMARY KEY)"))
        {{ await }}connection.execute(
            text("CREATE TABLE children (parent_id INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)")
        )
    yield
    {{ async }}with engine.begin() as connection:
        {{ await }}connection.execute(text("DROP TABLE children"))
        {{ await }}connection.execute(text("DROP TABLE parents"))
    {{ await }}engine.dispose()


@pytest.mark.usefixtures("deferred_foreign_key")
async def test_a_failed_commit_is_an_error_response_not_a_success(live_app: FastAPI, live_client: AsyncClient) -> None:
    """The commit runs before the response is sent, so its failure reaches the client."""

    @live_app.post("/items/orphan", status_code=201)
    {{ async }}def create_item_and_orphan(db: SessionDep{{ ", user: CurrentUser" if has_auth }}) -> None:
        {{ await }}crud.create_item(db, {{ "user, " if has_auth }}ItemIn(title="with an orphan"))
        {{ await }}db.execute(text("INSERT INTO children (parent_id) VALUES (42)"))  # fails only at COMMIT

    response = await live_client.post("/items/orphan")

    assert response.status_code == 409
    assert "constraint" in response.json()["detail"]
    assert (await live_client.get("/items/")).json() == []
    assert checked_out(live_app) == 0
