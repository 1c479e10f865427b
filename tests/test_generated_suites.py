"""Full tier: each variant's own test suite and type check pass, run from the shared environment."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import ALL_VARIANTS, DEFAULT_SLUG, SESSION_VARIANTS, answers_for, python_tool, run, variant_params

pytestmark = pytest.mark.slow
every_variant = pytest.mark.parametrize("variant", variant_params(ALL_VARIANTS))

# Tests that must be among those that passed, in every variant: the Item contract,
# validation, health, atomic requests, error mapping, the pool under pressure,
# disconnects, and the schemathesis run.
KEY_TESTS = {
    "test_create_item_returns_201_with_the_item",
    "test_read_missing_item_returns_404",
    "test_list_items_paginates_with_skip_and_limit",
    "test_replace_item_updates_every_field",
    "test_delete_item_returns_204_with_empty_body",
    "test_health_is_503_when_the_database_cannot_be_reached",
    "test_a_request_that_fails_after_writing_leaves_nothing_behind",
    "test_a_failed_commit_is_an_error_response_not_a_success",
    "test_a_constraint_violation_is_409",
    "test_an_unexpected_error_is_a_generic_500",
    "test_an_exhausted_pool_gives_503_after_the_pool_timeout",
    "test_many_concurrent_requests_share_a_small_pool",
    "test_clients_hanging_up_mid_request_leak_no_connection",
    "test_a_body_over_the_size_limit_is_413",
    "test_every_operation_honours_the_schema_without_server_errors",
}
# ... and in the variants they apply to.
KEY_TESTS_BY_OPTION = {
    ("session_mode", "async"): {"test_cancelled_requests_return_their_connections"},
    ("use_alembic", True): {"test_upgrade_check_downgrade_and_upgrade_again"},
    ("database", "postgresql"): {
        "test_killed_connections_are_replaced_before_the_next_request",
        "test_a_connection_lost_mid_request_is_503_and_not_leaked",
        "test_health_reports_an_outage_while_it_lasts",
        "test_no_session_is_left_idle_in_transaction",
    },
}
MIN_TESTS = 60


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
        python_tool("pytest", "-p", "no:cacheprovider", f"--junitxml={report}", "-q"),
        project,
        TEST_DATABASE_URL=server_url,
        HYPOTHESIS_STORAGE_DIRECTORY=str(tmp_path / "hypothesis"),  # keep the render pristine
    )
    passed, counts = passed_tests(report)
    answers = answers_for(variant)
    expected = KEY_TESTS.union(*(tests for (key, value), tests in KEY_TESTS_BY_OPTION.items() if answers[key] == value))

    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert counts["failures"] == counts["errors"] == counts["skipped"] == 0
    assert counts["tests"] >= MIN_TESTS
    assert f"{counts['tests']} passed" in result.stdout
    assert expected - passed == set()


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
