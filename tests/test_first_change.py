"""A user's first change keeps every gate green: add two columns to Item, as the README says.

In a copy of each session variant: an optional integer column and a bounded string
column in the model and the schemas, a migration from `alembic revision --autogenerate`
against a fresh database, and one test; then the render's gates (ruff check, ruff format
--check, mypy --strict, and its own tests: the fast tier and the schemathesis run).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import DEFAULT_SLUG, SESSION_VARIANTS, assert_ok, passed_every_gate, python_tool, run, variant_params

pytestmark = pytest.mark.slow

# (file, text that must be there, what replaces it): the README's "add a field" recipe.
EDITS = [
    (
        f"{DEFAULT_SLUG}/models.py",
        "from sqlalchemy import DateTime, ForeignKey, MetaData, String, Text, func, orm\n",
        "from sqlalchemy import DateTime, ForeignKey, Integer, MetaData, String, Text, func, orm\n",
    ),
    (
        f"{DEFAULT_SLUG}/models.py",
        "    description: Mapped[str | None] = mapped_column(Text)\n",
        "    description: Mapped[str | None] = mapped_column(Text)\n"
        "    price: Mapped[int | None] = mapped_column(Integer)\n"
        "    colour: Mapped[str | None] = mapped_column(String(50))\n",
    ),
    (
        f"{DEFAULT_SLUG}/schemas.py",
        "    description: Description | None = None\n",
        "    description: Description | None = None\n"
        "    price: Int32 | None = None\n"
        "    colour: Annotated[StorableText, Field(max_length=50)] | None = None\n",
    ),
    (  # ItemPatch, the second class with this field
        f"{DEFAULT_SLUG}/schemas.py",
        "    description: Description | None = None\n\n\nclass ItemOut",
        "    description: Description | None = None\n"
        "    price: Int32 | None = None\n"
        "    colour: Annotated[StorableText, Field(max_length=50)] | None = None\n\n\nclass ItemOut",
    ),
    (
        f"{DEFAULT_SLUG}/schemas.py",
        "    description: str | None\n",
        "    description: str | None\n    price: int | None\n    colour: str | None\n",
    ),
    # The tests that pin the item's exact shape learn the new fields.
    (
        "tests/test_items.py",
        '"id": body["id"], "title": "Pen", "description": "Blue ink"}',
        '"id": body["id"], "title": "Pen", "description": "Blue ink", "price": None, "colour": None}',
    ),
    (
        "tests/test_items.py",
        '"title": "Pencil", "description": None}',
        '"title": "Pencil", "description": None, "price": None, "colour": None}',
    ),
]
ADDED_TEST = '''\
"""Items have an optional price and colour."""

from httpx import AsyncClient


async def test_an_item_keeps_its_price_and_colour(client: AsyncClient) -> None:
    response = await client.post("/items/", json={"title": "Pen", "price": 309.0, "colour": "blue"})

    assert response.status_code == 201
    assert response.json()["price"] == 309
    assert response.json()["colour"] == "blue"


async def test_a_patch_changes_the_colour_and_keeps_the_price(client: AsyncClient) -> None:
    item = (await client.post("/items/", json={"title": "Pen", "price": 309, "colour": "blue"})).json()

    response = await client.patch(f"/items/{item['id']}", json={"colour": "red"})

    assert response.status_code == 200
    assert response.json() == {**item, "colour": "red"}


async def test_a_price_the_column_cannot_hold_is_422(client: AsyncClient) -> None:
    for price in [99_999_999_999, True, "309"]:
        response = await client.post("/items/", json={"title": "Pen", "price": price})

        assert response.status_code == 422, price
'''


def apply_edits(project: Path) -> None:
    for name, old, new in EDITS:
        path = project / name
        text = path.read_text()
        assert old in text, f"{name} no longer contains {old!r}: update the recipe and this test"
        path.write_text(text.replace(old, new, 1))
    (project / "tests" / "test_item_price.py").write_text(ADDED_TEST)


@pytest.mark.parametrize("variant", variant_params(SESSION_VARIANTS))
def test_adding_a_field_keeps_every_gate_green(
    render: Callable[..., Path],
    variant: dict[str, Any],
    request: pytest.FixtureRequest,
    server_url: str,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = tmp_path / DEFAULT_SLUG
    shutil.copytree(render(**variant), project)
    if variant["database"] == "postgresql":
        database_url = request.getfixturevalue("scratch_database")
    else:
        database_url = f"sqlite:///{tmp_path / 'first_change.db'}"

    def alembic(*args: str) -> None:
        assert_ok(run(python_tool("alembic", *args), project, DATABASE_URL=database_url), f"alembic {args[0]}")

    alembic("upgrade", "head")
    apply_edits(project)
    alembic("revision", "--autogenerate", "-m", "add item price")

    versions = sorted(path.name for path in (project / "migrations" / "versions").glob("*.py"))
    *shipped, added = versions  # the new revision sorts after the shipped ones
    assert all(re.fullmatch(r"\d{4}_\w+\.py", name) for name in shipped), versions
    assert re.fullmatch(r"\d{8}_\d{6}_[0-9a-f]{12}_add_item_price\.py", added), versions
    migration = (project / "migrations" / "versions" / added).read_text()
    assert "price" in migration
    assert "colour" in migration
    alembic("upgrade", "head")
    alembic("check")

    passed = passed_every_gate(project, server_url, tmp_path, tmp_path_factory.getbasetemp() / "mypy-cache")
    added = ("test_item_price.py::test_an_item_keeps", "test_item_price.py::test_a_patch_changes")
    for test in (*added, "test_every_operation_honours_the_schema_without"):
        assert any(test in line for line in passed), test
