{% from "variant.jinja" import slug, async, await with context %}
"""Values a PostgreSQL column cannot hold are the client's error (422), found by the server or the driver."""

import logging

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text

from {{ slug }}.sessions import SessionDep


async def test_a_value_the_column_cannot_hold_is_422(
    live_app: FastAPI, live_client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Rejected by the database, or by the driver before sending it (asyncpg checks int32 ranges)."""

    @live_app.get("/out-of-range")
    {{ async }}def cast_beyond_int32(db: SessionDep) -> None:
        {{ await }}db.execute(text("SELECT CAST(:number AS INTEGER)"), {"number": 99_999_999_999})

    response = await live_client.get("/out-of-range")

    assert response.status_code == 422
    assert response.json() == {"detail": "The database rejected a value in the request."}
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []
