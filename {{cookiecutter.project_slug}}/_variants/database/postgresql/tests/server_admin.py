{% from "variant.jinja" import is_async, async, await, Engine with context %}
"""Statements run as the PostgreSQL server's admin: creating databases, ending connections."""

from typing import Any

{% if is_async %}
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
{% else %}
from sqlalchemy import Engine, text
{% endif %}


{{ async }}def run_admin(admin: {{ Engine }}, statement: str, **params: object) -> list[Any]:
    """Run one statement as the server admin; return its rows, if it has any."""
    {{ async }}with admin.connect() as connection:
        result = {{ await }}connection.execute(text(statement), params)
        return list(result.all()) if result.returns_rows else []
