"""The /items/ contract: every endpoint, status code and pagination rule."""

import pytest
from factories import create_item
from httpx import AsyncClient


async def test_create_item_returns_201_with_the_item(client: AsyncClient) -> None:
    response = await client.post("/items/", json={"title": "Pen", "description": "Blue ink"})

    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "title": "Pen", "description": "Blue ink"}
    assert isinstance(body["id"], int)


async def test_create_item_without_description_stores_null(client: AsyncClient) -> None:
    response = await client.post("/items/", json={"title": "Pen"})

    assert response.status_code == 201
    assert response.json()["description"] is None


async def test_read_item_returns_the_stored_item(client: AsyncClient) -> None:
    item = await create_item(client, "Pen", description="Blue ink")

    response = await client.get(f"/items/{item['id']}")

    assert response.status_code == 200
    assert response.json() == item


async def test_read_missing_item_returns_404(client: AsyncClient) -> None:
    response = await client.get("/items/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


async def test_list_items_returns_items_ordered_by_id(client: AsyncClient) -> None:
    created = [await create_item(client, f"Item {n}") for n in range(3)]

    response = await client.get("/items/")

    assert response.status_code == 200
    assert response.json() == created


async def test_list_items_is_empty_without_items(client: AsyncClient) -> None:
    response = await client.get("/items/")

    assert response.status_code == 200
    assert response.json() == []


async def test_list_items_paginates_with_skip_and_limit(client: AsyncClient) -> None:
    created = [await create_item(client, f"Item {n}") for n in range(5)]

    page = await client.get("/items/", params={"skip": 1, "limit": 2})
    past_the_end = await client.get("/items/", params={"skip": 5, "limit": 2})

    assert page.status_code == 200
    assert page.json() == created[1:3]
    assert past_the_end.json() == []


async def test_list_items_limit_defaults_to_100(client: AsyncClient) -> None:
    for n in range(101):
        await create_item(client, f"Item {n}")

    response = await client.get("/items/")

    assert len(response.json()) == 100


async def test_replace_item_updates_every_field(client: AsyncClient) -> None:
    item = await create_item(client, "Pen", description="Blue ink")

    response = await client.put(f"/items/{item['id']}", json={"title": "Pencil"})

    assert response.status_code == 200
    assert response.json() == {"id": item["id"], "title": "Pencil", "description": None}
    assert (await client.get(f"/items/{item['id']}")).json() == response.json()


async def test_replace_missing_item_returns_404(client: AsyncClient) -> None:
    response = await client.put("/items/999999", json={"title": "Pencil"})

    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


async def test_delete_item_returns_204_with_empty_body(client: AsyncClient) -> None:
    item = await create_item(client, "Pen")

    response = await client.delete(f"/items/{item['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    assert (await client.get(f"/items/{item['id']}")).status_code == 404


async def test_delete_missing_item_returns_404(client: AsyncClient) -> None:
    response = await client.delete("/items/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/items/", "GET, POST"),
        ("POST", "/items/1", "GET, PUT, PATCH, DELETE"),
        ("PUT", "/items/1/notes", "GET, POST"),
        ("POST", "/health", "GET"),
    ],
)
async def test_a_method_the_path_does_not_take_is_405_listing_those_it_does(
    client: AsyncClient, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path)

    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.json() == {"detail": "Method Not Allowed"}


@pytest.mark.parametrize(
    ("path", "location"),
    [("/items", "/items/"), ("/items?limit=1&skip=0", "/items/?limit=1&skip=0"), ("/health/", "/health")],
)
async def test_a_path_without_its_trailing_slash_redirects_with_a_relative_location(
    client: AsyncClient, path: str, location: str
) -> None:
    response = await client.get(path, headers={"host": "evil.example"})

    assert response.status_code == 307
    assert response.headers["location"] == location


async def test_an_unknown_path_is_404_not_a_redirect(client: AsyncClient) -> None:
    for path in ("/nowhere", "/nowhere/", "//evil.example/items"):
        response = await client.get(f"http://test{path}")

        assert response.status_code == 404, path
        assert "location" not in response.headers
