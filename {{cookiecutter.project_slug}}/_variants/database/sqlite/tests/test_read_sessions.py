{% from "variant.jinja" import is_async, slug, async, await with context %}
"""Requests that only read run outside a transaction: SQLAlchemy sends no BEGIN for them."""

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text

from {{ slug }}.sessions import ReadSessionDep, SessionDep


async def test_reads_send_no_begin_and_writes_do(live_app: FastAPI, live_client: AsyncClient) -> None:
    @live_app.get("/in-transaction")
    {{ async }}def read(db: ReadSessionDep) -> bool:
        connection = {{ await }}db.connection()
        {{ await }}connection.execute(text("SELECT 1"))
{% if is_async %}
        driver_connection = (await connection.get_raw_connection()).driver_connection
{% else %}
        driver_connection = connection.connection.driver_connection
{% endif %}
        assert driver_connection is not None
        return bool(driver_connection.in_transaction)

    @live_app.post("/in-transaction")
    {{ async }}def write(db: SessionDep) -> bool:
        return {{ await }}read(db)

    assert (await live_client.get("/in-transaction")).json() is False
    assert (await live_client.post("/in-transaction")).json() is True
