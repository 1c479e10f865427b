{% from "variant.jinja" import is_async, slug, async, await, Connection with context %}
"""The field types of schemas.py: each value they accept is stored by its column type and read back unchanged.

Each type's values go in as JSON, into a temporary table of the matching column type in
the test database, and back out as a response would show them. Values are validated twice:
as JSON, and as FastAPI validates a request (the decoded JSON, or a query parameter's text,
in Python mode), where a strict type takes no text at all: both must agree.
"""

import json
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError
{% if is_async %}
from sqlalchemy import Boolean, Column, Date, DateTime, Integer, MetaData, Numeric, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection
{% else %}
from sqlalchemy import Boolean, Column, Connection, Date, DateTime, Integer, MetaData, Numeric, Table, insert, select
{% endif %}
from sqlalchemy.schema import CreateTable
from sqlalchemy.types import TypeEngine

from {{ slug }} import schemas

# Each type: (type in a body, type in a response, column type, JSON values it stores, JSON values it refuses).
FIELD_TYPES: dict[str, tuple[Any, Any, TypeEngine[Any], list[object], list[object]]] = {
    "money": (
        schemas.Money,
        schemas.Money,
        Numeric(12, 2),
        ["0.10", "-12345678.91", "9999999999.99", "-9999999999.99", "0", "7.5"],
        [12.5, 12, "1e3", "", " 1", "1.234", "12345678901", "1.", ".5", "NaN", True],
    ),
    "flag": (schemas.Flag, schemas.Flag, Boolean(), [True, False], [1, 0, "true", "yes", None]),
    "day": (
        schemas.Day,
        schemas.Day,
        Date(),
        ["2024-02-29", "0001-01-01", "9999-12-31"],
        ["2023-02-29", "29/02/2024", 1_700_006_400, "1700006400", ""],  # the number: midnight, 2023-11-15
    ),
    "timestamp": (
        schemas.Timestamp,
        schemas.TimestampOut,
        DateTime(timezone=True),
        ["2024-02-29T23:30:00.123456-05:00", "2024-03-01T04:30:00Z", "1970-01-01T00:00:00+14:00"],
        ["2024-02-29T23:30:00", 1_700_000_000, "1700000000", "0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-02:00"],
    ),
}


def received(adapter: TypeAdapter[Any], value: object) -> Any:
    """``value`` validated as FastAPI validates a request (its decoded JSON, in Python mode), and as JSON: equal."""
    sent = adapter.validate_python(json.loads(json.dumps(value)))
    assert sent == adapter.validate_json(json.dumps(value)), value
    return sent


{{ async }}def table_of(connection: {{ Connection }}, column_type: TypeEngine[Any]) -> Table:
    """A temporary table with a column of ``column_type``, which the test's rollback drops."""
    columns = [Column("id", Integer, primary_key=True), Column("value", column_type)]
    table = Table("field_types", MetaData(), *columns, prefixes=["TEMPORARY"])
    {{ await }}connection.execute(CreateTable(table))
    return table


@pytest.mark.parametrize(
    ("body_type", "response_type", "column_type", "accepted"),
    [pytest.param(*case[:4], id=name) for name, case in FIELD_TYPES.items()],
)
async def test_a_field_type_stores_what_it_accepts_unchanged(
    connection: {{ Connection }},
    body_type: Any,
    response_type: Any,
    column_type: TypeEngine[Any],
    accepted: list[object],
) -> None:
    body, response = TypeAdapter(body_type), TypeAdapter(response_type)
    table = {{ await }}table_of(connection, column_type)
    for row, value in enumerate(accepted):
        sent = received(body, value)
        {{ await }}connection.execute(insert(table).values(id=row, value=sent))

        read = response.validate_python({{ await }}connection.scalar(select(table.c.value).where(table.c.id == row)))

        assert read == sent, value
        assert type(read) is type(sent)
        assert json.loads(response.dump_json(read)) == json.loads(body.dump_json(sent)), value


@pytest.mark.parametrize(
    ("body_type", "value"),
    [pytest.param(case[0], value, id=f"{name}-{value!r}") for name, case in FIELD_TYPES.items() for value in case[4]],
)
def test_a_field_type_refuses_what_its_column_cannot_hold_as_sent(body_type: Any, value: object) -> None:
    adapter = TypeAdapter(body_type)

    with pytest.raises(ValidationError):
        adapter.validate_json(json.dumps(value))
    with pytest.raises(ValidationError):
        adapter.validate_python(json.loads(json.dumps(value)))


def test_money_is_a_string_in_json() -> None:
    money = TypeAdapter(schemas.Money)

    assert money.dump_json(money.validate_json('"12.30"')) == b'"12.30"'
    assert money.json_schema()["type"] == "string"
