{% from "variant.jinja" import slug, sync_engine with context %}
"""Authentication costs one statement per request, on the request's own session and connection."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from accounts import PASSWORD
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event

from {{ slug }}.sessions import get_session_factory


@contextmanager
def counting(target: Any, name: str) -> Iterator[list[object]]:
    """The ``name`` events of ``target`` (a pool or an engine) while the block runs."""
    seen: list[object] = []

    def count(*args: object) -> None:
        seen.append(args)

    event.listen(target, name, count)
    try:
        yield seen
    finally:
        event.remove(target, name, count)


async def test_an_authenticated_read_is_one_statement_more_than_the_read(
    client: AsyncClient, statements: list[str]
) -> None:
    created = (await client.post("/items/", json={"title": "Pen"})).json()
    statements.clear()

    response = await client.get(f"/items/{created['id']}")

    assert response.status_code == 200
    assert len(statements) == 2, statements  # without authentication, 1: the item
    assert "FROM users" in statements[0]


async def test_reads_and_the_user_lookup_stay_on_the_read_session(app: FastAPI, client: AsyncClient) -> None:
    created = (await client.post("/items/", json={"title": "Pen"})).json()

    def no_write_sessions() -> None:
        raise AssertionError("a read opened a write session")

    app.dependency_overrides[get_session_factory] = no_write_sessions

    assert (await client.get(f"/items/{created['id']}")).status_code == 200
    assert (await client.get("/items/")).status_code == 200
    assert (await client.get("/users/me")).status_code == 200


async def test_an_authenticated_request_checks_out_one_connection(live_app: FastAPI, live_client: AsyncClient) -> None:
    created = (await live_client.post("/items/", json={"title": "Pen"})).json()
    pool = live_app.state.engine{{ sync_engine }}.pool

    with counting(pool, "checkout") as checkouts:
        read = await live_client.get(f"/items/{created['id']}")
        write = await live_client.put(f"/items/{created['id']}", json={"title": "Pencil"})
        listed = await live_client.get("/items/")

    assert [read.status_code, write.status_code, listed.status_code] == [200, 200, 200]
    assert len(checkouts) == 3  # one per request, the user's lookup included


async def test_login_refresh_and_logout_are_one_transaction_each(live_app: FastAPI, live_client: AsyncClient) -> None:
    engine = live_app.state.engine{{ sync_engine }}
    login = {"username": "owner@example.com", "password": PASSWORD}

    with counting(engine, "commit") as commits, counting(engine, "begin") as begins:
        tokens = (await live_client.post("/auth/token", data=login)).json()
        counts = [(len(begins), len(commits))]
        rotated = (await live_client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})).json()
        counts.append((len(begins), len(commits)))
        await live_client.post("/auth/logout", json={"refresh_token": rotated["refresh_token"]})
        counts.append((len(begins), len(commits)))

    assert counts == [(1, 1), (2, 2), (3, 3)]
