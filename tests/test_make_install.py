"""`make install` and the interpreter: refused at once when too old, never a .venv of the wrong Python.

These renders require a newer Python than the one running this suite, so this suite's
own interpreter plays the old `python3` a user may have on PATH. Nothing here reaches
PyPI: a refusal must come before any environment is built or any package resolved.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import ALL_VARIANTS, answers_for, clean_env, fresh_path, interpreter, variant_params

RUNNING = "{}.{}".format(*sys.version_info[:2])
# Renders whose oldest supported Python is newer than the one running the tests.
NEWER_PYTHON = [
    v for v in ALL_VARIANTS if tuple(map(int, str(answers_for(v)["python_version"]).split("."))) > sys.version_info[:2]
]
pytestmark = pytest.mark.parametrize("variant", variant_params(NEWER_PYTHON))


def make(target: str, cwd: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run a make target from a fresh shell (no venv on PATH); returns the result and its duration."""
    env = clean_env()
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = fresh_path()
    started = time.monotonic()
    result = subprocess.run(
        ["make", target, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    return result, time.monotonic() - started


def python_of(venv: Path) -> str:
    probe = subprocess.run(
        [venv / "bin" / "python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return probe.stdout.strip()


def test_install_refuses_an_old_interpreter_at_once_and_says_how_to_name_another(
    render: Callable[..., Path], variant: dict[str, Any], tmp_path: Path
) -> None:
    project = shutil.copytree(render(**variant), tmp_path / "project")
    required = answers_for(variant)["python_version"]

    result, seconds = make("install", project, f"PYTHON={sys.executable}")
    print(f"make install refused {sys.executable} in {seconds:.3f} s")  # shown by pytest -rP

    assert result.returncode != 0
    assert f"needs Python {required} or newer" in result.stderr
    assert f"Python {RUNNING}." in result.stderr, "the message names the interpreter it refused"
    assert f"make install PYTHON=python{required}" in result.stderr
    assert not (project / ".venv").exists(), "nothing was built before the check"
    assert "pip" not in result.stdout
    assert seconds < 5


@pytest.mark.slow  # builds a virtual environment
def test_a_venv_of_the_wrong_python_is_refused_then_rebuilt_with_the_named_one(
    render: Callable[..., Path], variant: dict[str, Any], tmp_path: Path
) -> None:
    required = str(answers_for(variant)["python_version"])
    newer = interpreter(required)
    if newer is None:
        if os.environ.get("CI"):
            pytest.fail(f"Python {required} is not installed: the python_version={required} render needs it")
        pytest.skip(f"Python {required} is not installed here (pyenv install {required})")
    project = shutil.copytree(render(**variant), tmp_path / "project")
    # A .venv left by an earlier `make install` with the old python3.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", project / ".venv"], check=True)

    refused, seconds = make("install", project)

    assert refused.returncode != 0
    assert f"make install PYTHON=python{required}" in refused.stderr
    assert python_of(project / ".venv") == RUNNING
    assert seconds < 5

    rebuilt, _ = make("venv", project, f"PYTHON={newer}")

    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert f"Python {RUNNING}" in rebuilt.stdout, "the rebuild says why"
    assert python_of(project / ".venv") == required

    kept, _ = make("venv", project)

    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "Rebuilding" not in kept.stdout
    assert python_of(project / ".venv") == required


def test_clean_removes_the_environment_and_tool_caches(
    render: Callable[..., Path], variant: dict[str, Any], tmp_path: Path
) -> None:
    project = shutil.copytree(render(**variant), tmp_path / "project")
    made = [project / name for name in (".venv/bin", ".mypy_cache", ".pytest_cache", ".ruff_cache")]
    for path in made:
        path.mkdir(parents=True)

    result, _ = make("clean", project)

    assert result.returncode == 0, result.stdout + result.stderr
    assert [path for path in made if path.exists()] == []
    assert (project / "pyproject.toml").exists()
