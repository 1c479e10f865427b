{% from "variant.jinja" import is_async, is_pg, slug, async, await, Session with context %}
"""Optimistic concurrency: item responses carry an ETag, and If-Match makes writes conditional.

Without If-Match a write overwrites whatever is stored (last write wins); with it, a client
that read an older version gets 412 instead of overwriting another client's change.
"""

import asyncio
{% if is_async %}
import contextlib
{% else %}
import threading
{% endif %}
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession
{% else %}
from sqlalchemy.orm import Session
{% endif %}

from {{ slug }} import crud
from {{ slug }}.models import Item
from {{ slug }}.schemas import ItemIn

STALE = {"detail": "The item has changed since it was read."}


async def create(client: AsyncClient, title: str = "Pen") -> tuple[str, str]:
    """Create an item; return its URL and ETag."""
    response = await client.post("/items/", json={"title": title})
    assert response.status_code == 201, response.text
    return f"/items/{response.json()['id']}", response.headers["ETag"]


async def test_item_responses_carry_the_items_version_as_etag(client: AsyncClient) -> None:
    url, created = await create(client)

    read = await client.get(url)
    replaced = await client.put(url, json={"title": "Pencil"})

    assert created == read.headers["ETag"] == '"1"'
    assert replaced.headers["ETag"] == (await client.get(url)).headers["ETag"] == '"2"'
    assert replaced.json()["title"] == "Pencil"  # the body is the item, as without ETags


async def test_put_with_a_stale_etag_returns_412_and_changes_nothing(client: AsyncClient) -> None:
    url, tag = await create(client)
    assert (await client.put(url, json={"title": "Changed by another client"})).status_code == 200

    response = await client.put(url, json={"title": "Pencil"}, headers={"If-Match": tag})

    assert response.status_code == 412
    assert response.json() == STALE
    assert (await client.get(url)).json()["title"] == "Changed by another client"


async def test_put_with_the_current_etag_or_star_succeeds(client: AsyncClient) -> None:
    url, tag = await create(client)

    current = await client.put(url, json={"title": "Pencil"}, headers={"If-Match": f'"0", {tag}'})
    star = await client.put(url, json={"title": "Crayon"}, headers={"If-Match": "*"})

    assert current.status_code == star.status_code == 200
    assert star.headers["ETag"] == '"3"'
    assert (await client.get(url)).json()["title"] == "Crayon"


async def test_writes_without_if_match_overwrite_whatever_is_stored(client: AsyncClient) -> None:
    url, _ = await create(client)
    await client.put(url, json={"title": "First"})

    response = await client.put(url, json={"title": "Second"})

    assert response.status_code == 200
    assert (await client.get(url)).json()["title"] == "Second"


async def test_delete_honours_if_match(client: AsyncClient) -> None:
    url, tag = await create(client)
    await client.put(url, json={"title": "Changed"})

    stale = await client.delete(url, headers={"If-Match": tag})
    current = await client.delete(url, headers={"If-Match": '"2"'})

    assert stale.status_code == 412
    assert stale.json() == STALE
    assert current.status_code == 204
    assert (await client.delete(url, headers={"If-Match": "*"})).status_code == 404


@pytest.mark.parametrize(("if_match", "status"), [("*", 412), (None, 409)])
async def test_a_row_changed_between_read_and_write_is_412_or_409_not_500(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch, if_match: str | None, status: int
) -> None:
    """The version check in the UPDATE (StaleDataError) catches what If-Match checked too early."""
    url, _ = await create(client)
    replace_item = crud.replace_item

    {{ async }}def changed_meanwhile(session: {{ Session }}, item: Item, data: ItemIn) -> Item:
        {{ await }}session.execute(text("UPDATE items SET version = version + 1 WHERE id = :id"), {"id": item.id})
        return {{ await }}replace_item(session, item, data)

    monkeypatch.setattr(crud, "replace_item", changed_meanwhile)
    response = await client.put(url, json={"title": "Pencil"}, headers={"If-Match": if_match} if if_match else {})

    assert response.status_code == status
    assert response.json() == STALE


async def test_two_concurrent_updates_with_the_same_etag_one_wins(
    live_client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests, two sessions, the same If-Match: one stores its title, the other gets 412.

{% if is_pg %}
    The first to write holds its transaction open until the second has read the item too,
    so both pass the If-Match check and only the version check in the second's UPDATE stops it.
{% else %}
    The first to write waits (up to a second) for the second to read the item too, but SQLite
    lets one writer in at a time: the second reads it only after the first has committed.
{% endif %}
    """
    url, tag = await create(live_client)
    replace_item = crud.replace_item
    writers: list[str] = []
{% if is_async %}
    second_has_read = asyncio.Event()

    async def first_holds_on(session: AsyncSession, item: Item, data: ItemIn) -> Item:
        writers.append(data.title)
        if len(writers) > 1:
            second_has_read.set()
            return await replace_item(session, item, data)
        stored = await replace_item(session, item, data)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(second_has_read.wait(), timeout=1)
        return stored
{% else %}
    second_has_read = threading.Event()

    def first_holds_on(session: Session, item: Item, data: ItemIn) -> Item:
        writers.append(data.title)
        if len(writers) > 1:
            second_has_read.set()
            return replace_item(session, item, data)
        stored = replace_item(session, item, data)
        second_has_read.wait(timeout=1)
        return stored
{% endif %}

    monkeypatch.setattr(crud, "replace_item", first_holds_on)
    responses = await asyncio.gather(
        *(live_client.put(url, json={"title": title}, headers={"If-Match": tag}) for title in ("A", "B"))
    )

    by_status: dict[int, Any] = {response.status_code: response for response in responses}
    assert sorted(by_status) == [200, 412], [response.text for response in responses]
    assert by_status[412].json() == STALE
    stored = await live_client.get(url)
    assert stored.json() == by_status[200].json()
    assert stored.headers["ETag"] == '"2"'
