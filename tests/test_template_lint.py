"""The template's own sources are clean: Python lint and format, and its CI workflow."""

from __future__ import annotations

import json

import yaml
from helpers import ALL_VARIANTS, BIN, ROOT, actionlint, python_tool, run


def test_ruff_check_passes_on_the_template_sources() -> None:
    result = run(python_tool("ruff", "check", "--no-cache", "."), ROOT)

    assert result.returncode == 0, result.stdout


def test_ruff_format_passes_on_the_template_sources() -> None:
    result = run(python_tool("ruff", "format", "--check", "--no-cache", "."), ROOT)

    assert result.returncode == 0, result.stdout


WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def test_template_ci_runs_one_job_per_tested_render() -> None:
    matrix = yaml.safe_load(WORKFLOW.read_text())["jobs"]["variant"]["strategy"]["matrix"]["include"]

    assert [json.loads(entry["variant"]) for entry in matrix] == ALL_VARIANTS


def test_template_ci_workflow_passes_the_schema_and_actionlint() -> None:
    schema = run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)], ROOT)
    lint = actionlint(WORKFLOW)

    assert schema.returncode == 0, schema.stdout
    assert lint.returncode == 0, lint.stdout + lint.stderr
