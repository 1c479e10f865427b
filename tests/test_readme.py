"""Full tier: the rendered README's commands work, in a fresh virtual environment.

The default variant is copied out, and the shell commands of the README's
"Quick start" and "Tests" sections run exactly as written: `make install`
builds .venv from PyPI with pip, `make run` serves the app, `make test` passes.
Renders that require a newer Python get what `make install PYTHON=...` installs,
with that interpreter (built with uv, which is quicker), and pass their tests on it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import (
    OPTIONS,
    REDUCED_VARIANTS,
    UV,
    answers_for,
    clean_env,
    fresh_path,
    interpreter,
    uv_env,
    variant_params,
)

from tools.serving import free_port, wait_until_healthy

pytestmark = pytest.mark.slow


def readme_commands(readme: str, section: str) -> list[str]:
    """The commands in the first ```sh block under ``## <section>``, comments removed."""
    body = readme.split(f"\n## {section}\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", body, re.DOTALL)
    assert block, f"no sh block in {section}"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def shell(command: str, cwd: Path, timeout: float = 900, **env_vars: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(**env_vars)
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def check_server(command: str, cwd: Path) -> None:
    """Start the README's run command and use the API it serves."""
    port = free_port()
    env = clean_env(PORT=str(port))  # `make run` serves on PORT
    server = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, server, timeout=60)
        with httpx.Client(base_url=base_url, timeout=10) as client:
            created = client.post("/items/", json={"title": "From the README"})
            assert created.status_code == 201
            assert client.get(f"/items/{created.json()['id']}").json()["title"] == "From the README"
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.communicate(timeout=30)


def test_readme_quick_start_and_tests_work_in_a_fresh_environment(render: Callable[..., Path], tmp_path: Path) -> None:
    project = shutil.copytree(render(), tmp_path / "project")
    readme = (project / "README.md").read_text()
    quick_start = readme_commands(readme, "Quick start")
    tests = readme_commands(readme, "Tests")

    assert quick_start == ["make install", "make lock", "cp .env.example .env", "make migrate", "make run"]
    for command in quick_start[:-1]:
        result = shell(command, project)
        assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert (project / ".venv" / "bin" / "python").exists()
    check_server(quick_start[-1], project)

    assert tests == ["make test", "make test-all"]  # the generated-suite tests run the second
    result = shell(tests[0], project)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert re.search(r"\d+ passed", result.stdout)
    assert "failed" not in result.stdout

    # pre-commit's hooks find the project's tools from a fresh shell, with .venv not on PATH.
    hooks = readme_commands(readme, "pre-commit")
    assert hooks == ["git init && git add -A", ".venv/bin/pre-commit install", ".venv/bin/pre-commit run --all-files"]
    for command in [hooks[0], hooks[-1]]:
        result = shell(command, project, PATH=fresh_path(), PRE_COMMIT_HOME=str(tmp_path / "pre-commit"))
        assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert "mypy" in result.stdout


# Renders that require another Python than the default, which the shared environment runs.
NEWER_PYTHON = [v for v in REDUCED_VARIANTS if answers_for(v)["python_version"] != OPTIONS["python_version"][0]]


@pytest.mark.parametrize("variant", variant_params(NEWER_PYTHON))
def test_a_newer_python_render_installs_and_passes_on_that_python(
    render: Callable[..., Path], variant: dict[str, Any], server_url: str, tmp_path: Path
) -> None:
    version = variant["python_version"]
    python = interpreter(version)
    if python is None:
        if os.environ.get("CI"):
            pytest.fail(f"Python {version} is not installed: the python_version={version} render needs it")
        pytest.skip(f"Python {version} is not installed here (pyenv install {version})")
    project = shutil.copytree(render(**variant), tmp_path / "project")
    assert f"make install PYTHON=python{version}" in (project / "README.md").read_text()

    # What `make install PYTHON=...` installs (the project and its dev group), with uv: pip's run of
    # the same two lines is the quick start's above, and `make venv PYTHON=...` is tests/test_make_install.py's.
    venv_python = project / ".venv" / "bin" / "python"
    for command in (
        ["venv", "--python", python, ".venv"],
        ["pip", "install", "--python", str(venv_python), "-e", ".", "--group", "dev"],
    ):
        result = subprocess.run(
            [UV, *command], cwd=project, env=uv_env(), capture_output=True, text=True, timeout=900, check=False
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    version_check = subprocess.run(
        [venv_python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    )
    assert version_check.stdout.startswith(f"{version}.")

    result = shell("make test", project, TEST_DATABASE_URL=server_url)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert re.search(r"\d+ passed", result.stdout)
    assert "failed" not in result.stdout
