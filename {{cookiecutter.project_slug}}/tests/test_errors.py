{% from "variant.jinja" import slug, async, await with context %}
"""Failures become clear responses that leak no SQL, stack trace or driver detail.

Every 500 leaves its traceback in the log, once, with the request's method and path.
"""

import logging

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import text
from support import serving

from {{ slug }}.models import Item
from {{ slug }}.sessions import SessionDep

INTERNALS = (
    "Traceback",
    "SELECT",
    "INSERT",
    "sqlalche.me",
    "Error",
    "{{ slug }}",
    "line ",
)


def assert_leaks_nothing(response: Response) -> None:
    leaked = [word for word in INTERNALS if word in response.text]
    assert leaked == [], response.text


def assert_logged_once(caplog: pytest.LogCaptureFixture, request_line: str) -> logging.LogRecord:
    """The one ERROR record of the request, with its traceback."""
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.getMessage().split(":")[0] for record in errors] == [f"{request_line} failed with a 500"]
    assert errors[0].levelno == logging.ERROR
    assert errors[0].exc_info is not None
    assert "Traceback (most recent call last)" in caplog.text
    return errors[0]


async def test_a_constraint_violation_is_409(live_app: FastAPI, live_client: AsyncClient) -> None:
    created = (await live_client.post("/items/", json={"title": "Pen"})).json()

    @live_app.post("/items/duplicate")
    {{ async }}def insert_duplicate_key(db: SessionDep) -> None:
        db.add(Item(id=created["id"], title="same primary key"))
        {{ await }}db.flush()

    response = await live_client.post("/items/duplicate")

    assert response.status_code == 409
    assert response.json() == {"detail": "The request conflicts with data already stored (a constraint was violated)."}
    assert_leaks_nothing(response)


async def test_an_unexpected_error_is_a_generic_500(
    live_app: FastAPI, live_client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    @live_app.get("/boom")
    {{ async }}def boom(db: SessionDep) -> None:
        raise ZeroDivisionError("secret detail: SELECT password FROM users")

    response = await live_client.get("/boom")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
    assert "secret" not in response.text
    assert_leaks_nothing(response)
    assert_logged_once(caplog, "GET /boom")


def test_a_real_server_logs_a_500_only_once(
    live_app: FastAPI, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Uvicorn logs exceptions that reach it (without the request); the app answers them all itself."""

    @live_app.get("/boom")
    def boom() -> None:
        raise ZeroDivisionError("boom")

    with serving(live_app) as base_url:
        response = httpx.get(f"{base_url}/boom")

    assert response.status_code == 500
    assert "Exception in ASGI application" not in capfd.readouterr().err
    assert_logged_once(caplog, "GET /boom")


async def test_a_schema_error_is_a_logged_500_not_a_503(
    live_app: FastAPI, live_client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """What a model change without its migration gives: waiting and retrying will not help."""

    @live_app.get("/schema-error")
    {{ async }}def select_a_missing_column(db: SessionDep) -> None:
        {{ await }}db.execute(text("SELECT no_such_column FROM items"))

    response = await live_client.get("/schema-error")

    assert response.status_code == 500
    assert "retry-after" not in response.headers
    assert_leaks_nothing(response)
    record = assert_logged_once(caplog, "GET /schema-error")
    assert "no_such_column" in record.getMessage()


@pytest.mark.parametrize("path", ["/items/", "/items/1", "/health"])
async def test_an_unreachable_database_is_503_with_retry_after(unreachable_client: AsyncClient, path: str) -> None:
    response = await unreachable_client.get(path)

    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert response.json() == {"detail": "The database is unavailable; try again shortly."}
    assert_leaks_nothing(response)
