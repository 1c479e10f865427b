"""Quick tier: every variant renders to a clean, complete, lint-free project."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import post_gen_project
import pytest
from helpers import ALL_VARIANTS, DEFAULT_SLUG, ROOT, answers_for, python_tool, run, variant_params

pytestmark = pytest.mark.parametrize("variant", variant_params(ALL_VARIANTS))

# Unrendered Jinja, or a reference to an answer that was not substituted.
LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|\{#|(?<![.\w])cookiecutter\.\w+")
TEMPLATE = ROOT / "{{cookiecutter.project_slug}}"
VARIANTS = TEMPLATE / post_gen_project.VARIANTS_DIR
# Python in a Markdown file, which has its own blank lines (ruff format checks these blocks).
PYTHON_BLOCK = re.compile(r"```python\n.*?```", re.DOTALL)
# Written by tools run on a render (the full tier shares renders), not by the template.
CACHES = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}


def as_rendered(path: str) -> str:
    """A path of the template's layout as it is in a render with the default answers."""
    return path.replace("{{cookiecutter.project_slug}}", DEFAULT_SLUG)


def files_under(root: Path) -> set[str]:
    return {
        as_rendered(str(path.relative_to(root)))
        for path in root.rglob("*")
        if path.is_file() and not CACHES.intersection(path.parts)
    }


def expected_files(answers: dict[str, object]) -> set[str]:
    """The template's common files and the chosen variants' own files, less what MANIFEST prunes."""
    common = {name for name in files_under(TEMPLATE) if not name.startswith(f"{post_gen_project.VARIANTS_DIR}/")}
    own = set().union(*(files_under(option / str(answers[option.name])) for option in VARIANTS.iterdir()))
    pruned = [as_rendered(path) for path in post_gen_project.unused_paths(answers)]
    return {name for name in common | own if not any(name == path or name.startswith(f"{path}/") for path in pruned)}


def text_files(project: Path) -> list[Path]:
    return [path for path in sorted(project.rglob("*")) if path.is_file() and b"\0" not in path.read_bytes()]


def test_renders_exactly_the_files_the_template_lays_out(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    project = render(**variant)
    rendered = files_under(project)
    expected = expected_files(answers_for(variant))

    assert sorted(rendered - expected) == []
    assert sorted(expected - rendered) == []
    assert {f"{DEFAULT_SLUG}/db.py", "tests/conftest.py", "tests/test_items.py"} <= rendered


def test_leaves_no_template_syntax_behind(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    project = render(**variant)

    leftovers = [
        f"{path.relative_to(project)}:{number}: {line.strip()}"
        for path in text_files(project)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if LEFTOVER.search(line)
    ]

    assert leftovers == []


def test_text_files_have_no_blank_line_debris(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    """Jinja blocks must not leave doubled blank lines or trailing spaces (ruff format covers .py)."""
    project = render(**variant)
    problems = []
    for path in text_files(project):
        text = path.read_text()
        name = path.relative_to(project)
        if text and (not text.endswith("\n") or text.endswith("\n\n")):
            problems.append(f"{name}: must end with exactly one newline")
        prose = PYTHON_BLOCK.sub("```python\n```", text) if path.suffix == ".md" else text
        if path.suffix not in {".py", ".mako"} and "\n\n\n" in prose:  # Python has its own blank lines
            problems.append(f"{name}: two blank lines in a row")
        lines = enumerate(text.splitlines(), 1)
        problems += [f"{name}:{n}: trailing whitespace" for n, line in lines if line != line.rstrip()]

    assert problems == []


def test_every_python_file_compiles(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    project = render(**variant)

    for path in project.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


def test_pyproject_declares_the_variant_driver(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    project = render(**variant)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dependencies = " ".join(pyproject["project"]["dependencies"])
    drivers = {
        ("postgresql", "async"): "asyncpg",
        ("postgresql", "sync"): "psycopg",
        ("sqlite", "async"): "aiosqlite",
        ("sqlite", "sync"): None,
    }
    expected = drivers[variant["database"], variant["session_mode"]]

    for driver in ("asyncpg", "psycopg", "aiosqlite"):
        assert (driver in dependencies) == (driver == expected), dependencies
    assert ("sqlalchemy[asyncio]" in dependencies) == (variant["session_mode"] == "async")
    assert ("alembic" in dependencies) == answers_for(variant)["use_alembic"]


def test_the_answers_are_recorded(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    recorded = json.loads((render(**variant) / ".cookiecutter.json").read_text())

    assert recorded == {key: value for key, value in answers_for(variant).items() if not key.startswith("_")} | {
        "project_slug": DEFAULT_SLUG
    }


def test_ruff_check_passes(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    result = run(python_tool("ruff", "check", "--no-cache", "."), render(**variant))

    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_check_passes(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    result = run(python_tool("ruff", "format", "--check", "--no-cache", "."), render(**variant))

    assert result.returncode == 0, result.stdout + result.stderr
