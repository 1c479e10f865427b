"""Full tier: the uv workflow of the rendered README, and pre-commit from a fresh shell.

`uv sync` builds .venv with the project, its dependencies and the `dev` dependency
group (PEP 735, which uv installs by default); `uv run` then runs every tool of the
project from it. A later plain `uv sync` keeps the dev tools, and the pre-commit
hooks run with nothing activated and the venv not on PATH.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import ALL_VARIANTS, DEFAULT_SLUG, UV, answers_for, python_tool, uv_env, variant_params

pytestmark = pytest.mark.slow

# The render with the most dependencies (asyncpg, SQLAlchemy's asyncio extra, Alembic).
UV_VARIANTS = [v for v in ALL_VARIANTS if v == {"database": "postgresql", "session_mode": "async"}]


def fresh_shell(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> tuple[str, float]:
    """Run a command with nothing activated; returns its output and duration, failing on a non-zero exit."""
    started = time.monotonic()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    seconds = time.monotonic() - started
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout + result.stderr, seconds


@pytest.mark.parametrize("variant", variant_params(UV_VARIANTS))
def test_uv_sync_then_uv_run_works_and_a_later_sync_keeps_the_dev_tools(
    render: Callable[..., Path],
    variant: dict[str, Any],
    server_url: str,
    tmp_path: Path,
) -> None:
    project = shutil.copytree(render(**variant), tmp_path / "project")
    env = uv_env(TEST_DATABASE_URL=server_url)
    paths = [DEFAULT_SLUG, "tests", *(["migrations"] if answers_for(variant)["use_alembic"] else [])]

    _, sync_seconds = fresh_shell([UV, "sync"], project, env)
    output, pytest_seconds = fresh_shell([UV, "run", "pytest", "-q", "-p", "no:cacheprovider"], project, env)
    print(f"uv sync: {sync_seconds:.1f} s, uv run pytest: {pytest_seconds:.1f} s")  # shown by pytest -rP

    assert (project / "uv.lock").exists(), "the first uv sync writes the lock file the README says to commit"
    assert re.search(r"\d+ passed", output)
    assert "failed" not in output
    fresh_shell([UV, "run", "ruff", "check", "."], project, env)
    fresh_shell([UV, "run", "ruff", "format", "--check", "."], project, env)
    fresh_shell([UV, "run", "mypy", "--strict", *paths], project, env)
    if answers_for(variant)["use_alembic"]:
        heads, _ = fresh_shell([UV, "run", "alembic", "heads"], project, env)
        assert "(head)" in heads

    fresh_shell([UV, "sync", "--group", "dev"], project, env)
    fresh_shell([UV, "sync"], project, env)

    assert (project / ".venv" / "bin" / "pytest").exists(), "a plain uv sync keeps the dev group"

    # pre-commit from a fresh shell: the hooks find the project's tools without an activated venv.
    fresh_shell(["git", "init", "-q"], project, env)
    fresh_shell(["git", "add", "-A"], project, env)
    hooks, _ = fresh_shell(
        python_tool("pre_commit", "run", "--all-files"), project, {**env, "PRE_COMMIT_HOME": str(tmp_path / "pc")}
    )
    assert "mypy" in hooks
    assert "Failed" not in hooks
    assert "uv run pytest" in (project / "README.md").read_text()
