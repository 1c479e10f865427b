"""Full tier: the uv workflow of the rendered README, the lock file, and pre-commit from a fresh shell.

`uv sync` builds .venv with the project, its dependencies and the `dev` dependency
group (PEP 735, which uv installs by default); `uv run` then runs every tool of the
project from it. A later plain `uv sync` keeps the dev tools, and the pre-commit
hooks run with nothing activated and the venv not on PATH.

`make lock` after `make install` (pip) writes uv.lock; the install commands of the CI
workflow and of the Dockerfile's build stage, run as written, install from it, and
refuse once pyproject.toml's dependencies change without a new `make lock`.
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
from helpers import (
    ALL_VARIANTS,
    DEFAULT_SLUG,
    UV,
    answers_for,
    docker_uv_steps,
    python_tool,
    uv_env,
    variant_params,
    workflow_uv_syncs,
)

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


def refused(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run a command that must fail; returns its output."""
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode != 0, f"{' '.join(args)} succeeded:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result.stdout + result.stderr


def with_uv(command: list[str]) -> list[str]:
    """A `uv ...` command of the render, run with the shared environment's uv (a fresh PATH has none)."""
    program, *args = command
    assert program == "uv", command
    return [UV, *args]


def workflow_installs(project: Path) -> list[list[str]]:
    """The CI workflow's `uv sync` steps, run with the shared environment's uv."""
    return [with_uv(command) for command in workflow_uv_syncs(project)]


def docker_build(project: Path, context: Path, venv: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the build stage's uv commands in ``context``; the first that fails is returned, else the last."""
    runs, uv_settings = docker_uv_steps(project)
    assert runs, "the Dockerfile installs with uv"
    # venv stands in for UV_PROJECT_ENVIRONMENT, /opt/venv in the image.
    uv_settings["UV_PROJECT_ENVIRONMENT"] = str(venv)
    for sources, command in runs:
        for source in sources:
            if (project / source).is_dir():
                ignore = shutil.ignore_patterns("__pycache__")
                shutil.copytree(project / source, context / source, ignore=ignore, dirs_exist_ok=True)
            else:
                (context / source).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(project / source, context / source)
        result = subprocess.run(
            with_uv(command),
            cwd=context,
            env=env | uv_settings,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if result.returncode != 0:
            break
    return result


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


@pytest.mark.parametrize("variant", variant_params(UV_VARIANTS))
def test_make_lock_pins_what_ci_and_the_docker_build_install_and_they_refuse_a_stale_lock(
    render: Callable[..., Path], variant: dict[str, Any], tmp_path: Path
) -> None:
    answers = answers_for(variant)
    assert answers["use_docker"], "the render has a Dockerfile"
    assert answers["ci"] == "github", "the render has the CI workflow"
    project = shutil.copytree(render(**variant), tmp_path / "project")
    env = uv_env()  # a fresh PATH, without uv: `make lock` must find the one `make install` put in .venv

    _, install_seconds = fresh_shell(["make", "install"], project, env)
    locked, lock_seconds = fresh_shell(["make", "lock"], project, env)

    assert ".venv/bin/uv lock" in locked
    assert (project / "uv.lock").exists()
    ci_installs = workflow_installs(project)
    assert ci_installs, "the workflow installs with uv sync"
    started = time.monotonic()
    for command in ci_installs:
        fresh_shell(command, project, env)
    ci_seconds = time.monotonic() - started
    assert (project / ".venv" / "bin" / "pytest").exists(), "CI's .venv has the dev tools its make targets use"

    context, image_venv = tmp_path / "context", tmp_path / "opt-venv"
    context.mkdir()
    started = time.monotonic()
    built = docker_build(project, context, image_venv, env)
    docker_seconds = time.monotonic() - started
    print(  # shown by pytest -rP
        f"make install: {install_seconds:.1f} s, make lock: {lock_seconds:.1f} s, "
        f"CI's uv sync --locked: {ci_seconds:.1f} s, the Docker build's: {docker_seconds:.1f} s"
    )

    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    imported = subprocess.run(
        [image_venv / "bin" / "python", "-c", f"import {DEFAULT_SLUG}.main; print({DEFAULT_SLUG}.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    assert str(image_venv) in imported.stdout, "the app is installed in the image's venv, not run from the sources"
    assert not (image_venv / "bin" / "pytest").exists(), "no dev group in the image"

    # A dependency added without `make lock`: CI and the Docker build refuse instead of resolving anew.
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("dependencies = [\n", 'dependencies = [\n    "idna>=3",\n', 1))
    for command in ci_installs:
        assert "needs to be updated" in refused(command, project, env)
    shutil.rmtree(context)
    context.mkdir()
    stale = docker_build(project, context, tmp_path / "opt-venv-stale", env)
    assert stale.returncode != 0, "the Docker build installed from a stale lock"
    assert "needs to be updated" in stale.stderr

    fresh_shell(["make", "lock"], project, env)
    for command in ci_installs:
        fresh_shell(command, project, env)
