"""A user's second resource keeps every gate green: add /orders/ by the README's "Adding a resource".

The code comes from the rendered README itself: each Python block of that section goes into
the file its step names (appended, or a new file), and the few one-line edits the steps state
in words (imports, including the router) are made here, each checked to be named in the
section. Then, as a user would: `alembic revision --autogenerate` against a database at the
shipped head, `alembic upgrade head` and `alembic check`, and the render's gates: ruff check,
ruff format --check, mypy --strict and its tests: the fast tier and the schemathesis run, which
now sends the new operations generated requests.

One render, PostgreSQL with async sessions: its `Numeric` and `Date` columns are real (SQLite
stores a float and text), `alembic check` compares them, and async code is where a missing
`await` or a lazy load fails. The recipe's sync form differs only in `async`/`await`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import DEFAULT_SLUG, assert_ok, passed_every_gate, python_tool, run

pytestmark = pytest.mark.slow

VARIANT = {"database": "postgresql", "session_mode": "async"}
SECTION = "Adding a resource"
# Where each of the section's Python blocks goes, in the order the README gives them:
# appended to an existing file, a new file, or inserted after a line of the file.
APPEND, NEW = "append", "new"
PLACES = [
    (f"{DEFAULT_SLUG}/models.py", APPEND),
    (f"{DEFAULT_SLUG}/schemas.py", APPEND),
    (f"{DEFAULT_SLUG}/crud.py", APPEND),
    (f"{DEFAULT_SLUG}/routes/orders.py", NEW),
    ("tests/test_openapi.py", '    "notes-read_note",\n'),
    ("tests/factories.py", APPEND),
    ("tests/test_orders.py", NEW),
]
# The edits the steps state in words: (file, text that must be there, what replaces it, the
# names the section must mention for it).
EDITS = [
    (f"{DEFAULT_SLUG}/models.py", "from datetime import datetime\n", "from datetime import date, datetime\n", ["date"]),
    (
        f"{DEFAULT_SLUG}/models.py",
        "from typing import Any\n",
        "from decimal import Decimal\nfrom typing import Any\n",
        ["from decimal import Decimal"],
    ),
    (
        f"{DEFAULT_SLUG}/models.py",
        "from sqlalchemy import DateTime, ForeignKey, MetaData, String, Text, func, orm\n",
        "from sqlalchemy import Date, DateTime, ForeignKey, MetaData, Numeric, String, Text, func, orm\n",
        ["Date", "Numeric"],
    ),
    (
        f"{DEFAULT_SLUG}/crud.py",
        "from .models import Item, Note\n",
        "from .models import Item, Note, Order\n",
        ["Order"],
    ),
    (
        f"{DEFAULT_SLUG}/crud.py",
        "from .schemas import ItemIn, ItemQuery, NoteIn, NoteQuery, PageQuery\n",
        "from .schemas import ItemIn, ItemQuery, NoteIn, NoteQuery, OrderIn, OrderQuery, PageQuery\n",
        ["OrderIn", "OrderQuery"],
    ),
    (
        f"{DEFAULT_SLUG}/main.py",
        "from .routes import health, items, notes\n",
        "from .routes import health, items, notes, orders\n",
        ["orders"],
    ),
    (
        f"{DEFAULT_SLUG}/main.py",
        "    app.include_router(notes.router)\n",
        "    app.include_router(notes.router)\n    app.include_router(orders.router)\n",
        ["app.include_router(orders.router)"],
    ),
]


def recipe(readme: str) -> tuple[str, list[str]]:
    """The section's text and its code blocks, in order (lines for a list are `text`: ruff formats `python`)."""
    section = readme.split(f"\n## {SECTION}\n", 1)[1].split("\n## ", 1)[0]
    return section, re.findall(r"```(?:python|text)\n(.*?)```", section, re.DOTALL)


def follow(project: Path) -> None:
    """Make the section's changes in ``project``, as a user following it would."""
    section, blocks = recipe((project / "README.md").read_text())
    assert len(blocks) == len(PLACES), f"the README's {SECTION!r} has {len(blocks)} code blocks: update PLACES"
    for (name, place), block in zip(PLACES, blocks, strict=True):
        assert f"`{name}`" in section or f"`{Path(name).name}`" in section, f"{SECTION!r} does not name {name}"
        path = project / name
        if place == NEW:
            assert not path.exists(), name
            path.write_text(block)
        elif place == APPEND:
            path.write_text(f"{path.read_text()}\n\n{block}")
        else:
            text = path.read_text()
            assert place in text, f"{name} no longer contains {place!r}: update the recipe and this test"
            path.write_text(text.replace(place, place + block, 1))
    for name, old, new, mentioned in EDITS:
        for word in mentioned:
            assert f"`{word}`" in section, f"{SECTION!r} does not say to add `{word}` to {name}"
        path = project / name
        text = path.read_text()
        assert old in text, f"{name} no longer contains {old!r}: update the recipe and this test"
        path.write_text(text.replace(old, new, 1))


def test_adding_a_resource_by_the_readme_keeps_every_gate_green(
    render: Callable[..., Path],
    scratch_database: str,
    server_url: str,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = tmp_path / DEFAULT_SLUG
    shutil.copytree(render(**VARIANT), project)

    def alembic(*args: str) -> None:
        assert_ok(run(python_tool("alembic", *args), project, DATABASE_URL=scratch_database), f"alembic {args[0]}")

    alembic("upgrade", "head")
    follow(project)
    alembic("revision", "--autogenerate", "-m", "add orders")
    (added,) = (project / "migrations" / "versions").glob("*_add_orders.py")
    migration = added.read_text()
    assert 'op.create_table(\n        "orders",' in migration
    assert "sa.Numeric(precision=12, scale=2)" in migration
    assert "sa.Date()" in migration
    alembic("upgrade", "head")
    alembic("check")

    passed = passed_every_gate(project, server_url, tmp_path, tmp_path_factory.getbasetemp() / "mypy-cache")
    orders = [line for line in passed if "test_orders.py::" in line]
    assert len(orders) == 3, orders
    # One schemathesis case per operation: the shipped ones and the six of orders.
    generated = [line for line in passed if "test_every_operation_honours_the_schema" in line]
    assert len(generated) == len(operation_ids(project)), generated


def operation_ids(project: Path) -> list[str]:
    """The operation ids that the project's tests/test_openapi.py pins, orders' included."""
    text = (project / "tests" / "test_openapi.py").read_text()
    ids = re.findall(r'^    "([\w-]+)",$', text.split("OPERATION_IDS = [", 1)[1].split("]", 1)[0], re.MULTILINE)
    assert "orders-update_order" in ids, ids
    return ids
