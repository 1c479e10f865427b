"""Quick tier: the commands the rendered README shows work as pasted into a fresh shell.

The project's tools live in its .venv, which the Makefile workflow never activates, so a
bare `pytest` or `alembic ...` runs whatever else is on PATH, or nothing. The README's
shell blocks must name them as `.venv/bin/<tool>` or `uv run <tool>` (or through make).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import ALL_VARIANTS, variant_params

pytestmark = pytest.mark.parametrize("variant", variant_params(ALL_VARIANTS))

# Console scripts that only the project's environment provides.
VENV_TOOLS = ("pytest", "alembic", "ruff", "mypy", "uvicorn", "pre-commit")


def shown_commands(readme: str) -> list[str]:
    """The commands of the README's shell blocks, with the alternatives their comments give."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", readme, re.DOTALL):
        for line in block.splitlines():
            command, _, comment = line.partition("  #")
            commands.append(command.strip())
            commands += [alt.strip() for alt in re.findall(r"(?:or|with uv): ([^;,`]+)", comment)]
    return [command for command in commands if command]


def test_readme_names_venv_tools_so_they_run_from_a_fresh_shell(
    render: Callable[..., Path], variant: dict[str, Any]
) -> None:
    project = render(**variant)
    readme = (project / "README.md").read_text()
    bare = [command for command in shown_commands(readme) if command.split()[0] in VENV_TOOLS]

    assert bare == []
    assert "uv run pytest" in readme
    assert ".venv/bin/pytest" in readme


def test_dev_tools_are_a_dependency_group_that_uv_and_pip_install(
    render: Callable[..., Path], variant: dict[str, Any]
) -> None:
    project = render(**variant)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    makefile = (project / "Makefile").read_text()

    assert "optional-dependencies" not in pyproject["project"], "uv sync would not install an extra"
    assert {"pytest", "mypy", "ruff", "pre-commit"} <= {
        re.split(r"[<>=\[; ]", d)[0] for d in pyproject["dependency-groups"]["dev"]
    }
    assert "--group dev" in makefile
    assert re.search(r'pip install --upgrade "pip>=(\d+\.\d+)"', makefile), "pip reads dependency groups from 25.1"
