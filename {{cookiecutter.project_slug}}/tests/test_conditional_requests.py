"""One resource over HTTP: `Location` on create, `ETag` on read, 304 for a current copy, 412 with the current ETag."""

import pytest
from factories import create_item
from httpx import AsyncClient


async def test_creating_answers_with_the_location_of_the_new_resource(client: AsyncClient) -> None:
    item = await client.post("/items/", json={"title": "Pen"})
    note = await client.post(f"/items/{item.json()['id']}/notes", json={"body": "Refill"})

    assert item.headers["location"] == f"/items/{item.json()['id']}"
    assert note.headers["location"] == f"/items/{item.json()['id']}/notes/{note.json()['id']}"
    assert (await client.get(item.headers["location"])).json() == item.json()
    assert (await client.get(note.headers["location"])).json() == note.json()


@pytest.mark.parametrize("if_none_match", ['"1"', 'W/"1"', '"7", "1"', "*"])
async def test_a_read_of_an_unchanged_item_is_304_without_a_body(client: AsyncClient, if_none_match: str) -> None:
    item = await create_item(client)

    response = await client.get(f"/items/{item['id']}", headers={"If-None-Match": if_none_match})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == '"1"'


async def test_a_read_of_a_changed_item_returns_it_with_its_new_etag(client: AsyncClient) -> None:
    item = await create_item(client)
    await client.put(f"/items/{item['id']}", json={"title": "Pencil"})

    response = await client.get(f"/items/{item['id']}", headers={"If-None-Match": '"1"'})

    assert response.status_code == 200
    assert response.json()["title"] == "Pencil"
    assert response.headers["etag"] == '"2"'


async def test_a_412_carries_the_current_etag_so_the_client_can_retry(client: AsyncClient) -> None:
    item = await create_item(client)
    url = f"/items/{item['id']}"
    await client.put(url, json={"title": "Changed by another client"})

    refused = await client.put(url, json={"title": "Pencil"}, headers={"If-Match": '"1"'})
    retried = await client.put(url, json={"title": "Pencil"}, headers={"If-Match": refused.headers["etag"]})

    assert refused.status_code == 412
    assert refused.headers["etag"] == '"2"'
    assert retried.status_code == 200
