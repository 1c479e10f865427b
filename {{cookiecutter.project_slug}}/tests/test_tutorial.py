{% from "variant.jinja" import is_async, slug, async, await, Engine, Session, sessionmaker, Iterator, has_auth with context %}
"""The FastAPI tutorial's way of testing: override ``get_db`` with sessions on a test engine.

That one override reaches every route, the read-only ones included (their ``get_read_db``
follows an override of ``get_db``: see ``DependencyOverrides`` in sessions.py).
"""

{% if is_async %}
from collections.abc import AsyncIterator

import pytest
{% if has_auth %}
from accounts import add_user, bearer
{% endif %}
from httpx import ASGITransport, AsyncClient
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
{% else %}
from collections.abc import AsyncIterator, Iterator

import pytest
{% if has_auth %}
from accounts import add_user, bearer
{% endif %}
from httpx import ASGITransport, AsyncClient
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker
{% endif %}

from {{ slug }}.main import app
from {{ slug }}.models import Item{{ ", User" if has_auth }}
from {{ slug }}.sessions import get_db


@pytest.fixture
async def client(engine: {{ Engine }}) -> AsyncIterator[AsyncClient]:
    # expire_on_commit=False: the response is built from the item after get_db has committed.
    TestingSessionLocal = {{ sessionmaker }}(bind=engine, expire_on_commit=False)  # noqa: N806 - the tutorial's name

    {{ async }}def override_get_db() -> {{ Iterator }}[{{ Session }}]:
        # Like get_db: the handlers flush, the dependency commits.
        {{ async }}with TestingSessionLocal.begin() as db:
            yield db

    app.dependency_overrides[get_db] = override_get_db
{% if has_auth %}
    # Requests are made by a user, with an access token (tests/accounts.py).
    user = {{ await }}add_user(TestingSessionLocal, "tutorial@example.com")
    headers = bearer(app.state.settings, user.id)
    async with AsyncClient(transport=ASGITransport(app), base_url="http://test", headers=headers) as client:
        yield client
    app.dependency_overrides.clear()
    {{ async }}with engine.begin() as connection:
        {{ await }}connection.execute(delete(Item))
        {{ await }}connection.execute(delete(User))
{% else %}
    async with AsyncClient(transport=ASGITransport(app), base_url="http://test") as client:
        yield client
    app.dependency_overrides.clear()
    {{ async }}with engine.begin() as connection:
        {{ await }}connection.execute(delete(Item))
{% endif %}


async def test_create_item_then_read_it(client: AsyncClient) -> None:
    response = await client.post("/items/", json={"title": "Foo", "description": "There goes my hero"})
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["title"] == "Foo"
    assert data["description"] == "There goes my hero"
    item_id = data["id"]

    response = await client.get(f"/items/{item_id}")
    assert response.status_code == 200, response.text
    assert response.json() == data

    response = await client.get("/items/")
    assert response.status_code == 200, response.text
    assert response.json() == [data]
