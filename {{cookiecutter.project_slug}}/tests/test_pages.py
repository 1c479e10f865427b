{% from "variant.jinja" import slug, has_auth with context %}
"""List endpoints: keyset pages with a `Link` to the next, totals on request, sort and filter allow-lists.

The body stays a JSON array; what surrounds it is in headers. A page costs one SELECT, plus
one COUNT with `?count=true` and one per expanded relationship, however many rows it has.
"""

import re
from typing import Any

import pytest
from factories import create_item, create_items_with_notes, create_note
from httpx import AsyncClient, Response

from {{ slug }} import listing

NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def next_page(response: Response) -> str | None:
    """The URL in the response's `Link: <url>; rel="next"`, if it has one."""
    if "link" not in response.headers:
        return None
    link = NEXT.match(response.headers["link"])
    assert link, response.headers["link"]
    return link["url"]


async def every_page(client: AsyncClient, url: str) -> list[list[dict[str, Any]]]:
    """Follow the `Link` headers from ``url`` to the last page; return each page's body."""
    pages = []
    following: str | None = url
    while following is not None:
        response = await client.get(following)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        following = next_page(response)
    return pages


async def test_pages_link_to_the_next_until_the_last(client: AsyncClient) -> None:
    items = [await create_item(client, f"Item {n}") for n in range(5)]

    first = await client.get("/items/", params={"limit": 2})
    pages = await every_page(client, "/items/?limit=2")

    assert first.json() == items[:2]
    assert next_page(first) == f"/items/?limit=2&after={items[1]['id']}"
    assert pages == [items[:2], items[2:4], items[4:]]


async def test_a_full_last_page_has_no_link(client: AsyncClient) -> None:
    """The page reads one row more than it returns: no row past it, no `Link`."""
    items = [await create_item(client, f"Item {n}") for n in range(4)]

    pages = await every_page(client, "/items/?limit=2")

    assert pages == [items[:2], items[2:]]


async def test_after_continues_past_a_deleted_row(client: AsyncClient) -> None:
    items = [await create_item(client, f"Item {n}") for n in range(3)]
    await client.delete(f"/items/{items[0]['id']}")

    response = await client.get("/items/", params={"after": items[0]["id"]})

    assert response.json() == items[1:]


async def test_skip_still_works_and_its_next_page_continues_after_it(client: AsyncClient) -> None:
    items = [await create_item(client, f"Item {n}") for n in range(5)]

    page = await client.get("/items/", params={"skip": 1, "limit": 2})

    assert page.json() == items[1:3]
    assert next_page(page) == f"/items/?limit=2&after={items[2]['id']}"


async def test_count_adds_the_total_of_rows_matching_the_filters(client: AsyncClient) -> None:
    for title in ["Pen", "Pencil", "Pen", "Ink"]:
        await create_item(client, title)

    plain = await client.get("/items/", params={"limit": 1})
    counted = await client.get("/items/", params={"limit": 1, "count": "true"})
    filtered = await client.get("/items/", params={"title": "Pen", "count": "true"})

    assert "x-total-count" not in plain.headers
    assert counted.headers["x-total-count"] == "4"
    assert filtered.headers["x-total-count"] == "2"
    assert [item["title"] for item in filtered.json()] == ["Pen", "Pen"]


async def test_sort_by_allowed_fields_and_page_in_that_order(client: AsyncClient) -> None:
    for title in ["b", "a", "c", "a", "b"]:
        await create_item(client, title)
    every = (await client.get("/items/")).json()
    expected = sorted(every, key=lambda item: (item["title"], -item["id"]))

    pages = await every_page(client, "/items/?sort=title,-id&limit=2")

    assert [item for page in pages for item in page] == expected
    assert [len(page) for page in pages] == [2, 2, 1]


async def test_descending_sort_pages_backwards(client: AsyncClient) -> None:
    items = [await create_item(client, f"Item {n}") for n in range(3)]

    pages = await every_page(client, "/items/?sort=-id&limit=2")

    assert pages == [items[:0:-1], items[:1]]


@pytest.mark.parametrize("sort", ["secret", "title,secret", "-description", "title,", ""])
async def test_sorting_by_a_field_not_allowed_is_422_naming_the_allowed_ones(client: AsyncClient, sort: str) -> None:
    response = await client.get("/items/", params={"sort": sort})

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", "sort"]
    assert "sort by id, title" in error["msg"]


async def test_title_contains_ignores_case_and_takes_wildcards_literally(client: AsyncClient) -> None:
    for title in ["100% Cotton", "100 cotton", "a_b", "axb", "COTTON socks"]:
        await create_item(client, title)

    async def titles(**params: str) -> list[str]:
        return [item["title"] for item in (await client.get("/items/", params=params)).json()]

    assert await titles(title_contains="cotton") == ["100% Cotton", "100 cotton", "COTTON socks"]
    assert await titles(title_contains="0% c") == ["100% Cotton"]
    assert await titles(title_contains="_") == ["a_b"]
    assert await titles(title="a_b") == ["a_b"]
    assert await titles(title="A_B") == []


async def test_notes_page_and_filter_by_creation_time(client: AsyncClient) -> None:
    item = await create_item(client)
    notes = [await create_note(client, item["id"], f"Note {n}") for n in range(3)]
    url = f"/items/{item['id']}/notes"

    pages = await every_page(client, f"{url}?limit=2")
    before = await client.get(url, params={"created_after": "2000-01-01T00:00:00+02:00"})
    after = await client.get(url, params={"created_after": "2999-01-01T00:00:00Z"})
    naive = await client.get(url, params={"created_after": "2000-01-01T00:00:00"})

    assert pages == [notes[:2], notes[2:]]
    assert before.json() == notes
    assert after.json() == []
    assert naive.status_code == 422  # a time without its zone means nothing to the server


async def test_listing_the_notes_of_a_missing_item_is_404(client: AsyncClient) -> None:
    item = await create_item(client)

    empty = await client.get(f"/items/{item['id']}/notes")
    missing = await client.get("/items/999999/notes")

    assert empty.json() == []
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("params", "selects"),
    [
        ({}, 1),
        ({"count": "true"}, 2),
        ({"expand": "notes"}, 2),
        ({"count": "true", "expand": "notes", "sort": "title", "title_contains": "item"}, 3),
    ],
)
async def test_a_page_costs_one_select_plus_count_and_expansion_whatever_its_size(
    client: AsyncClient, statements: list[str], params: dict[str, str], selects: int
) -> None:
    items = await create_items_with_notes(client, 12, notes=2)
    statements.clear()
    small = await client.get("/items/", params={**params, "limit": 2, "after": items[0]["id"]})
    for_two = len(statements)

    statements.clear()
    large = await client.get("/items/", params={**params, "limit": 10, "after": items[0]["id"]})

    assert len(small.json()) == 2
    assert len(large.json()) == 10
    assert len(statements) == for_two == selects{{ " + 1, statements  # and the user, named by the access token" if has_auth else ", statements" }}


async def test_expanding_brings_each_parents_newest_children_up_to_the_cap(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "EXPANDED_CHILDREN", 2)
    items = await create_items_with_notes(client, 2, notes=3)

    listed = (await client.get("/items/", params={"expand": "notes"})).json()
    read = (await client.get(f"/items/{items[0]['id']}", params={"expand": "notes"})).json()

    assert [[note["body"] for note in item["notes"]] for item in listed] == [["Note 1", "Note 2"]] * 2
    assert [note["body"] for note in read["notes"]] == ["Note 1", "Note 2"]
