"""The template's own Python (hooks, extension, tests) is lint-clean and formatted."""

from __future__ import annotations

from helpers import ROOT, python_tool, run


def test_ruff_check_passes_on_the_template_sources() -> None:
    result = run(python_tool("ruff", "check", "--no-cache", "."), ROOT)

    assert result.returncode == 0, result.stdout


def test_ruff_format_passes_on_the_template_sources() -> None:
    result = run(python_tool("ruff", "format", "--check", "--no-cache", "."), ROOT)

    assert result.returncode == 0, result.stdout
