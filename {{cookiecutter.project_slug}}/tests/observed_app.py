{% from "variant.jinja" import is_pg, slug, async, await with context %}
"""The app as deployed (``main.app``) with a failing and a slow route, for the tests of its logs."""

{% if is_pg %}
from sqlalchemy import text

from {{ slug }}.db import SessionDep
from {{ slug }}.main import app

SLEEP = "SELECT pg_sleep(:seconds)"
{% else %}
import time
from typing import Any

from sqlalchemy import Engine, event, text

from {{ slug }}.db import SessionDep
from {{ slug }}.main import app

SLEEP = "SELECT sleep(:seconds)"


@event.listens_for(Engine, "connect")
def add_sleep_function(dbapi_connection: Any, _record: Any) -> None:
    """SQLite has no sleep function: add one, for a statement that takes its time."""
    dbapi_connection.create_function("sleep", 1, time.sleep)
{% endif %}


@app.get("/slow")
{{ async }}def slow(db: SessionDep) -> None:
    {{ await }}db.execute(text(SLEEP), {"seconds": 0.3})


@app.get("/boom")
{{ async }}def boom() -> None:
    raise RuntimeError("boom")
