{% from "variant.jinja" import Session, sessionmaker, is_async with context %}
"""Each user sees and changes only their own items and notes: another user's are "not found"."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from accounts import client_of
from factories import create_item, create_note
from fastapi import FastAPI
from httpx import AsyncClient
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
{% else %}
from sqlalchemy.orm import Session, sessionmaker
{% endif %}


@pytest.fixture
async def other_client(app: FastAPI, session_factory: {{ sessionmaker }}[{{ Session }}]) -> AsyncIterator[AsyncClient]:
    """A client of another user than ``client``'s."""
    async with client_of(app, session_factory, "other@example.com") as other:
        yield other


@pytest.fixture
async def item(client: AsyncClient) -> dict[str, Any]:
    """An item of ``client``'s user, with a note."""
    item = await create_item(client, "Mine")
    item["note"] = await create_note(client, item["id"])
    return item


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/items/{id}", None),
        ("GET", "/items/{id}?expand=notes", None),
        ("PUT", "/items/{id}", {"title": "Theirs"}),
        ("DELETE", "/items/{id}", None),
        ("GET", "/items/{id}/notes", None),
        ("POST", "/items/{id}/notes", {"body": "Theirs"}),
        ("GET", "/items/{id}/notes/{note}", None),
        ("DELETE", "/items/{id}/notes/{note}", None),
    ],
)
async def test_another_users_item_and_its_notes_are_not_found(
    client: AsyncClient, other_client: AsyncClient, item: dict[str, Any], method: str, path: str, body: Any
) -> None:
    url = path.format(id=item["id"], note=item["note"]["id"])

    response = await other_client.request(method, url, json=body)

    assert response.status_code == 404
    assert (await client.get(f"/items/{item['id']}", params={"expand": "notes"})).json()["notes"] == [item["note"]]
    assert (await client.get(f"/items/{item['id']}")).json()["title"] == "Mine"


async def test_another_users_item_cannot_be_patched(other_client: AsyncClient, item: dict[str, Any]) -> None:
    response = await other_client.patch(
        f"/items/{item['id']}", content=b'{"title": "Theirs"}', headers={"Content-Type": "application/merge-patch+json"}
    )

    assert response.status_code == 404


async def test_the_list_shows_only_the_callers_items(
    client: AsyncClient, other_client: AsyncClient, item: dict[str, Any]
) -> None:
    theirs = await create_item(other_client, "Theirs")

    mine = await client.get("/items/", params={"count": "true"})
    their_list = (await other_client.get("/items/")).json()

    assert [listed["id"] for listed in mine.json()] == [item["id"]]
    assert mine.headers["x-total-count"] == "1"
    assert [listed["id"] for listed in their_list] == [theirs["id"]]
