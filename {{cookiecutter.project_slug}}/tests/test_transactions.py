{% set is_async = cookiecutter.session_mode == "async" %}
{% set async = "async " if is_async else "" %}
{% set await = "await " if is_async else "" %}
"""Each request is one transaction: all of its writes commit, or none do."""

from fastapi import FastAPI
from httpx import AsyncClient

from {{ cookiecutter.project_slug }} import crud
from {{ cookiecutter.project_slug }}.db import SessionDep
from {{ cookiecutter.project_slug }}.schemas import ItemIn


def checked_out(app: FastAPI) -> int:
    """Connections the app's pool has lent out and not got back."""
    count: int = app.state.engine.pool.checkedout()
    return count


async def test_a_request_that_fails_after_writing_leaves_nothing_behind(
    live_app: FastAPI, live_client: AsyncClient
) -> None:
    @live_app.post("/items/then-fail")
    {{ async }}def create_two_items_then_fail(db: SessionDep) -> None:
        {{ await }}crud.create_item(db, ItemIn(title="first"))
        {{ await }}crud.create_item(db, ItemIn(title="second"))  # both INSERTs have reached the database
        raise RuntimeError("failure after the writes")

    response = await live_client.post("/items/then-fail")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
    assert (await live_client.get("/items/")).json() == []
    assert checked_out(live_app) == 0


async def test_the_next_request_after_a_failed_one_works(live_app: FastAPI, live_client: AsyncClient) -> None:
    @live_app.post("/items/fail")
    {{ async }}def fail(db: SessionDep) -> None:
        {{ await }}crud.create_item(db, ItemIn(title="doomed"))
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
