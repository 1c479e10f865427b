{% from "variant.jinja" import is_async, slug, async, await, Session, sessionmaker, has_auth with context %}
"""Related rows load only when a query asks for them, in a number of statements that does not
grow with the rows returned (no N+1).

The ``statements`` fixture (conftest.py) records what the app sends to the database: use it
to pin the statement count of your own endpoints.
"""

import pytest
from factories import create_items_with_notes
from httpx import AsyncClient
from sqlalchemy.exc import InvalidRequestError
{% if is_async %}
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
{% else %}
from sqlalchemy.orm import Session, sessionmaker
{% endif %}

from {{ slug }}.models import Base, Item


def test_no_relationship_loads_on_attribute_access() -> None:
    """Declare relationships with models.relationship (or lazy="raise")."""
    lazy = {str(relation): relation.lazy for mapper in Base.registry.mappers for relation in mapper.relationships}

    assert lazy
    assert lazy == dict.fromkeys(lazy, "raise")


async def test_touching_a_relationship_that_was_not_loaded_raises_instead_of_querying(
    client: AsyncClient, session_factory: {{ sessionmaker }}[{{ Session }}], statements: list[str]
) -> None:
    created = (await client.post("/items/", json={"title": "Pen"})).json()
    {{ async }}with session_factory() as session:
        item = {{ await }}session.get(Item, created["id"])
        assert item is not None
        statements.clear()

        with pytest.raises(InvalidRequestError, match=r"'Item\.notes' is not available due to lazy='raise'"):
            len(item.notes)

    assert statements == []


async def test_listing_items_with_notes_takes_as_many_statements_for_50_items_as_for_1(
    client: AsyncClient, statements: list[str]
) -> None:
    await create_items_with_notes(client, 1)
    statements.clear()
    one = await client.get("/items/", params={"expand": "notes"})
    for_one = len(statements)

    await create_items_with_notes(client, 49)
    statements.clear()
    fifty = await client.get("/items/", params={"expand": "notes"})

    assert [len(item["notes"]) for item in one.json()] == [3]
    assert [len(item["notes"]) for item in fifty.json()] == [3] * 50
    assert len(statements) == for_one == {{ 3 if has_auth else 2 }}, statements  # {{ "the user, " if has_auth }}the items, then all their notes


async def test_reading_an_item_is_one_statement(client: AsyncClient, statements: list[str]) -> None:
    created = (await client.post("/items/", json={"title": "Pen"})).json()
    statements.clear()

    response = await client.get(f"/items/{created['id']}")

    assert response.status_code == 200
    assert len(statements) == {{ "2, statements  # the user (named by the access token), then the item" if has_auth else "1, statements" }}
