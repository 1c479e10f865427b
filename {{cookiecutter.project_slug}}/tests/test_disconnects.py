{% from "variant.jinja" import is_async with context %}
"""Clients that hang up mid-request, against a real uvicorn server: no connection leaks."""

{% if is_async %}
import asyncio
{% endif %}
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from support import checked_out, serving

from {{ cookiecutter.project_slug }}.db import SessionDep


def wait_until(what: str, condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


def add_slow_route(app: FastAPI) -> None:
    @app.post("/slow")
    {{ "async " if is_async }}def slow(db: SessionDep) -> dict[str, str]:
        {{ "await " if is_async }}db.execute(text("SELECT 1"))  # holds a connection from here on
{% if is_async %}
        await asyncio.sleep(0.5)
{% else %}
        time.sleep(0.5)
{% endif %}
        return {"status": "done"}


def test_clients_hanging_up_mid_request_leak_no_connection(live_app: FastAPI) -> None:
    add_slow_route(live_app)
    with serving(live_app) as base_url:
        address = urlsplit(base_url)
        for _ in range(5):
            with socket.create_connection((address.hostname, address.port)) as sock:
                sock.sendall(b"POST /slow HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n")
                wait_until("the request holds a connection", lambda: checked_out(live_app) > 0)
            # the socket is closed here, while the handler still holds its connection
        wait_until("every connection is back in the pool", lambda: checked_out(live_app) == 0)
        assert httpx.get(f"{base_url}/items/").status_code == 200


def test_many_concurrent_real_clients_return_every_connection(live_app: FastAPI) -> None:
    with serving(live_app) as base_url, httpx.Client(base_url=base_url) as client:
        item = client.post("/items/", json={"title": "Pen"}).json()
        with ThreadPoolExecutor(max_workers=32) as pool:
            statuses = list(pool.map(lambda _: client.get(f"/items/{item['id']}").status_code, range(200)))

        assert statuses == [200] * 200
        wait_until("every connection is back in the pool", lambda: checked_out(live_app) == 0)
