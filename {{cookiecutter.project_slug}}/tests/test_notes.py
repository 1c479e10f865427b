{% from "variant.jinja" import is_async, slug, await, Connection with context %}
"""Notes on items: /items/{item_id}/notes, `?expand=notes`, and deleting an item's notes with it."""

from factories import create_item, create_note
from httpx import AsyncClient
{% if is_async %}
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
{% else %}
from sqlalchemy import Connection, func, select, text
{% endif %}

from {{ slug }}.models import Note


async def test_create_note_returns_201_with_the_note(client: AsyncClient) -> None:
    item = await create_item(client)

    response = await client.post(f"/items/{item['id']}/notes", json={"body": "Needs a refill"})

    assert response.status_code == 201
    note = response.json()
    assert note == {"id": note["id"], "item_id": item["id"], "body": "Needs a refill", "created_at": note["created_at"]}
    assert note["created_at"].endswith(("Z", "+00:00"))


async def test_create_note_for_a_missing_or_deleted_item_returns_404(client: AsyncClient) -> None:
    """No lookup first: the foreign key refuses the note, as it does when a concurrent request
    deletes the item, and that violation is mapped to 404 (not 409, not 500)."""
    item = await create_item(client)
    await client.delete(f"/items/{item['id']}")

    deleted = await client.post(f"/items/{item['id']}/notes", json={"body": "Too late"})
    missing = await client.post("/items/999999/notes", json={"body": "Nowhere"})

    assert deleted.status_code == missing.status_code == 404
    assert deleted.json() == missing.json() == {"detail": "Item not found"}


async def test_note_bodies_are_1_to_2000_characters(client: AsyncClient) -> None:
    item = await create_item(client)

    empty = await client.post(f"/items/{item['id']}/notes", json={"body": ""})
    too_long = await client.post(f"/items/{item['id']}/notes", json={"body": "x" * 2001})
    longest = await client.post(f"/items/{item['id']}/notes", json={"body": "x" * 2000})

    assert empty.status_code == too_long.status_code == 422
    assert longest.status_code == 201


async def test_list_notes_returns_the_items_notes_ordered_by_id(client: AsyncClient) -> None:
    item, other = await create_item(client), await create_item(client, "Other")
    notes = [await create_note(client, item["id"], f"Note {n}") for n in range(3)]
    await create_note(client, other["id"], "Not this one")

    everything = await client.get(f"/items/{item['id']}/notes")
    page = await client.get(f"/items/{item['id']}/notes", params={"skip": 1, "limit": 1})

    assert everything.status_code == 200
    assert everything.json() == notes
    assert page.json() == notes[1:2]


async def test_list_notes_of_a_missing_item_returns_404(client: AsyncClient) -> None:
    response = await client.get("/items/999999/notes")

    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


async def test_delete_note_returns_204_and_removes_it(client: AsyncClient) -> None:
    item = await create_item(client)
    kept, deleted = await create_note(client, item["id"], "Kept"), await create_note(client, item["id"], "Deleted")

    response = await client.delete(f"/items/{item['id']}/notes/{deleted['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"/items/{item['id']}/notes")).json() == [kept]


async def test_delete_note_that_is_missing_or_of_another_item_returns_404(client: AsyncClient) -> None:
    item, other = await create_item(client), await create_item(client, "Other")
    note = await create_note(client, other["id"], "Belongs to the other item")

    wrong_item = await client.delete(f"/items/{item['id']}/notes/{note['id']}")
    missing = await client.delete(f"/items/{item['id']}/notes/999999")

    assert wrong_item.status_code == missing.status_code == 404
    assert (await client.get(f"/items/{other['id']}/notes")).json() == [note]


async def test_deleting_an_item_deletes_its_notes(client: AsyncClient, connection: {{ Connection }}) -> None:
    through_the_api, in_sql = await create_item(client), await create_item(client, "Deleted in SQL")
    for item in (through_the_api, in_sql):
        await create_note(client, item["id"], "Goes with its item")

    assert (await client.delete(f"/items/{through_the_api['id']}")).status_code == 204
    {{ await }}connection.execute(text("DELETE FROM items WHERE id = :id"), {"id": in_sql["id"]})  # ON DELETE CASCADE

    left = {{ await }}connection.scalar(select(func.count()).select_from(Note))
    assert left == 0


async def test_expand_notes_adds_each_items_notes_ordered_by_id(client: AsyncClient) -> None:
    item, bare = await create_item(client), await create_item(client, "No notes")
    notes = [await create_note(client, item["id"], f"Note {n}") for n in range(2)]

    one = await client.get(f"/items/{item['id']}", params={"expand": "notes"})
    listed = await client.get("/items/", params={"expand": "notes"})

    assert one.status_code == listed.status_code == 200
    assert one.json() == item | {"notes": notes}
    assert listed.json() == [item | {"notes": notes}, bare | {"notes": []}]


async def test_without_expand_items_have_no_notes_field(client: AsyncClient) -> None:
    item = await create_item(client)
    await create_note(client, item["id"], "Not shown")

    assert (await client.get(f"/items/{item['id']}")).json() == item
    assert (await client.get("/items/")).json() == [item]


async def test_unknown_expand_values_return_422(client: AsyncClient) -> None:
    item = await create_item(client)

    one = await client.get(f"/items/{item['id']}", params={"expand": "owner"})
    listed = await client.get("/items/", params={"expand": "everything"})
    missing = await client.get("/items/999999", params={"expand": "notes"})

    assert one.status_code == listed.status_code == 422
    assert missing.status_code == 404
