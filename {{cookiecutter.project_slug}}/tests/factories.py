"""Create the API's resources through the API, for tests: one helper per resource, used by every test file."""

from typing import Any

from httpx import AsyncClient


async def created(client: AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` to ``path``, check that it was created, and return what the API returned."""
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    resource: dict[str, Any] = response.json()
    return resource


async def create_item(client: AsyncClient, title: str = "Pen", **fields: Any) -> dict[str, Any]:
    return await created(client, "/items/", {"title": title, **fields})


async def create_note(client: AsyncClient, item_id: int, body: str = "Needs a refill") -> dict[str, Any]:
    return await created(client, f"/items/{item_id}/notes", {"body": body})


async def create_items_with_notes(client: AsyncClient, count: int, notes: int = 3) -> list[dict[str, Any]]:
    items = [await create_item(client, f"Item {n}") for n in range(count)]
    for item in items:
        for m in range(notes):
            await create_note(client, item["id"], f"Note {m}")
    return items
