"""Full tier: each variant's own test suite and type check pass, run from the shared environment."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import ALL_VARIANTS, DEFAULT_SLUG, SESSION_VARIANTS, python_tool, run, variant_params

pytestmark = pytest.mark.slow
every_variant = pytest.mark.parametrize("variant", variant_params(ALL_VARIANTS))

# A test function the render defines (module level, so none is hidden inside another).
TEST_FUNCTION = re.compile(r"^(?:async )?def (test_\w+)\(", re.MULTILINE)


def defined_tests(project: Path) -> set[str]:
    """The tests a render's own files define: which files a render has is the template's layout
    (tests/test_generation.py checks it), so this is the one list of what must pass."""
    return {name for path in (project / "tests").glob("test_*.py") for name in TEST_FUNCTION.findall(path.read_text())}


def passed_tests(junit_xml: Path) -> tuple[set[str], dict[str, int]]:
    """Names of the passed tests, and the suite's counters, from a JUnit report."""
    suite = ET.parse(junit_xml).getroot().find("testsuite")  # noqa: S314 - our own pytest wrote it
    assert suite is not None
    counts = {key: int(suite.get(key, "0")) for key in ("tests", "failures", "errors", "skipped")}
    passed = {
        case.get("name", "").split("[")[0]
        for case in suite.iter("testcase")
        if not any(child.tag in {"failure", "error", "skipped"} for child in case)
    }
    return passed, counts


@every_variant
def test_generated_test_suite_passes(
    render: Callable[..., Path], variant: dict[str, Any], server_url: str, tmp_path: Path
) -> None:
    project = render(**variant)
    report = tmp_path / "junit.xml"

    result = run(
        python_tool("pytest", "-p", "no:cacheprovider", "-m", "", f"--junitxml={report}", "-q"),
        project,
        TEST_DATABASE_URL=server_url,
        HYPOTHESIS_STORAGE_DIRECTORY=str(tmp_path / "hypothesis"),  # keep the render pristine
    )
    passed, counts = passed_tests(report)
    defined = defined_tests(project)

    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert counts["failures"] == counts["errors"] == counts["skipped"] == 0
    assert f"{counts['tests']} passed" in result.stdout
    assert sorted(defined - passed) == [], "defined but not run"
    assert sorted(passed - defined) == []


@every_variant
def test_mypy_strict_passes(
    render: Callable[..., Path], variant: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = render(**variant)
    # One cache per worker: third-party packages are analysed once, not once per variant.
    cache = tmp_path_factory.getbasetemp() / "mypy-cache"

    paths = [DEFAULT_SLUG, "tests"] + (["migrations"] if (project / "migrations").is_dir() else [])

    result = run(python_tool("mypy", "--strict", "--cache-dir", str(cache), *paths), project)

    assert result.returncode == 0, result.stdout
    assert "Success: no issues found" in result.stdout


@pytest.mark.parametrize("variant", variant_params([v for v in SESSION_VARIANTS if v["database"] == "postgresql"]))
def test_generated_suite_explains_an_unreachable_server(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    result = run(
        python_tool("pytest", "-p", "no:cacheprovider", "-q", "tests/test_items.py"),
        render(**variant),
        TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:9/postgres",
    )

    assert result.returncode != 0
    assert "Cannot create a test database on PostgreSQL at postgresql+" in result.stdout + result.stderr
    assert "TEST_DATABASE_URL" in result.stdout + result.stderr
