{% from "variant.jinja" import is_pg, slug, async, await with context %}
"""The app as deployed (``main.app``) with failing and slow routes, for the tests of its logs."""

{% if is_pg %}
from typing import Annotated, Literal

from fastapi import Body, Request
from sqlalchemy import text

from {{ slug }}.main import app
from {{ slug }}.sessions import SessionDep

SLEEP = "SELECT pg_sleep(:seconds)"
{% else %}
import time
from typing import Annotated, Any, Literal

from fastapi import Body, Request
from sqlalchemy import Engine, event, text

from {{ slug }}.main import app
from {{ slug }}.sessions import SessionDep

SLEEP = "SELECT sleep(:seconds)"


@event.listens_for(Engine, "connect")
def add_sleep_function(dbapi_connection: Any, _record: Any) -> None:
    """SQLite has no sleep function: add one, for a statement that takes its time."""
    dbapi_connection.create_function("sleep", 1, time.sleep)
{% endif %}


@app.get("/slow")
{{ async }}def slow(db: SessionDep, seconds: float = 0.3) -> None:
    {{ await }}db.execute(text(SLEEP), {"seconds": seconds})


@app.get("/client")
async def client(request: Request) -> dict[str, str]:
    """The client's address and the request's scheme, as the app sees them."""
    assert request.client is not None
    return {"host": request.client.host, "scheme": request.url.scheme}


@app.get("/boom")
{{ async }}def boom(message: str = "boom") -> None:
    raise RuntimeError(message)


# Statements that fail in the database with a value of the request bound to them.
FAULTS = {
    "missing-table": "SELECT * FROM no_such_table WHERE name = :value",  # a 500
    "null-title": "INSERT INTO items (title, description) VALUES (NULL, :value)",  # a 409
}
Fault = Literal["missing-table", "null-title"]


@app.post("/fail/{fault}")
{{ async }}def fail(fault: Fault, value: Annotated[str, Body(embed=True)], db: SessionDep) -> None:
    {{ await }}db.execute(text(FAULTS[fault]), {"value": value})
