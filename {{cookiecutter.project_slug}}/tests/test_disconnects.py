{% from "variant.jinja" import is_async, slug, async, await, has_auth with context %}
"""Clients that hang up mid-request, against a real uvicorn server: no connection leaks."""

import asyncio
import socket
{% if not is_async %}
import time
{% endif %}
from urllib.parse import urlsplit

import httpx
import pytest
{% if has_auth %}
from accounts import committed_user_headers
{% endif %}
from fastapi import FastAPI
from sqlalchemy import text
from support import checked_out, serving, wait_until

from {{ slug }}.sessions import ReadSessionDep, SessionDep

pytestmark = pytest.mark.slow


def add_slow_routes(app: FastAPI) -> None:
    """POST /slow writes and GET /slow reads; each holds a connection for half a second."""

    @app.post("/slow")
    {{ async }}def slow_write(db: SessionDep) -> dict[str, str]:
        {{ await }}db.execute(text("SELECT 1"))  # holds a connection from here on
{% if is_async %}
        await asyncio.sleep(0.5)
{% else %}
        time.sleep(0.5)
{% endif %}
        return {"status": "done"}

    @app.get("/slow")
    {{ async }}def slow_read(db: ReadSessionDep) -> dict[str, str]:
        return {{ await }}slow_write(db)


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_clients_hanging_up_mid_request_leak_no_connection(live_app: FastAPI, method: str) -> None:
    add_slow_routes(live_app)
    with serving(live_app) as base_url:
        address = urlsplit(base_url)
        for _ in range(5):
            with socket.create_connection((address.hostname, address.port)) as sock:
                sock.sendall(f"{method} /slow HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n".encode())
                await wait_until("the request holds a connection", lambda: checked_out(live_app) > 0)
            # the socket is closed here, while the handler still holds its connection
        await wait_until("every connection is back in the pool", lambda: checked_out(live_app) == 0)
{% if has_auth %}
        headers = {{ await }}committed_user_headers(live_app.state.settings)
        async with httpx.AsyncClient(base_url=base_url, headers=headers) as client:
{% else %}
        async with httpx.AsyncClient(base_url=base_url) as client:
{% endif %}
            assert (await client.get("/items/")).status_code == 200


async def test_many_concurrent_real_clients_return_every_connection(live_app: FastAPI) -> None:
    """200 requests over 32 client connections at once."""
    limits = httpx.Limits(max_connections=32)
    with serving(live_app) as base_url:
{% if has_auth %}
        headers = {{ await }}committed_user_headers(live_app.state.settings)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, headers=headers) as client:
{% else %}
        async with httpx.AsyncClient(base_url=base_url, limits=limits) as client:
{% endif %}
            item = (await client.post("/items/", json={"title": "Pen"})).json()
            responses = await asyncio.gather(*(client.get(f"/items/{item['id']}") for _ in range(200)))

        assert [response.status_code for response in responses] == [200] * 200
        await wait_until("every connection is back in the pool", lambda: checked_out(live_app) == 0)
