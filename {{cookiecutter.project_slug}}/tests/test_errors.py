{% from "variant.jinja" import slug, async, await with context %}
"""Failures become clear responses that leak no SQL, stack trace or driver detail."""

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response

from {{ slug }}.db import SessionDep
from {{ slug }}.models import Item

INTERNALS = ("Traceback", "SELECT", "INSERT", "sqlalche.me", "Error", "{{ slug }}", "line ")


def assert_leaks_nothing(response: Response) -> None:
    leaked = [word for word in INTERNALS if word in response.text]
    assert leaked == [], response.text


async def test_a_constraint_violation_is_409(live_app: FastAPI, live_client: AsyncClient) -> None:
    created = (await live_client.post("/items/", json={"title": "Pen"})).json()

    @live_app.post("/items/duplicate")
    {{ async }}def insert_duplicate_key(db: SessionDep) -> None:
        db.add(Item(id=created["id"], title="same primary key"))
        {{ await }}db.flush()

    response = await live_client.post("/items/duplicate")

    assert response.status_code == 409
    assert response.json() == {"detail": "The request conflicts with data already stored (a constraint was violated)."}
    assert_leaks_nothing(response)


async def test_an_unexpected_error_is_a_generic_500(live_app: FastAPI, live_client: AsyncClient) -> None:
    @live_app.get("/boom")
    {{ async }}def boom(db: SessionDep) -> None:
        raise ZeroDivisionError("secret detail: SELECT password FROM users")

    response = await live_client.get("/boom")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
    assert "secret" not in response.text
    assert_leaks_nothing(response)


@pytest.mark.parametrize("path", ["/items/", "/items/1", "/health"])
async def test_an_unreachable_database_is_503_with_retry_after(unreachable_client: AsyncClient, path: str) -> None:
    response = await unreachable_client.get(path)

    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert response.json() == {"detail": "The database is unavailable; try again shortly."}
    assert_leaks_nothing(response)
