"""The tested renders cover the options (every pair of values, every license and Python), and CI runs them all."""

from __future__ import annotations

import itertools
import json
import subprocess
from types import SimpleNamespace

import conftest
import pre_gen_project
import pytest
from helpers import ALL_VARIANTS, OPTIONS, ROOT, SESSION_VARIANTS, answers_for, python_tool, run, variant_id

# Options that change which files a project has, or what is in them.
FILE_OPTIONS = [
    "database",
    "session_mode",
    "use_alembic",
    "use_docker",
    "use_kubernetes",
    "ci",
    "metrics",
    "tracing",
    "auth",
]


def values(option: str) -> list[object]:
    choices = OPTIONS[option]
    return choices if isinstance(choices, list) else [True, False]


def test_every_pair_of_option_values_is_rendered() -> None:
    rendered = [answers_for(variant) for variant in ALL_VARIANTS]
    missing = [
        f"{first}={a}, {second}={b}"
        for first, second in itertools.combinations(FILE_OPTIONS, 2)
        for a, b in itertools.product(values(first), values(second))
        if not pre_gen_project.validate({first: a, second: b})  # a pair the hook refuses is never rendered
        and not any(answers[first] == a and answers[second] == b for answers in rendered)
    ]

    assert missing == []


def test_every_license_and_python_version_is_rendered() -> None:
    rendered = [answers_for(variant) for variant in ALL_VARIANTS]

    assert {answers["license"] for answers in rendered} == set(OPTIONS["license"])
    assert {answers["python_version"] for answers in rendered} == set(OPTIONS["python_version"])


def test_every_option_is_known_to_the_matrix() -> None:
    """A new prompt must be added to FILE_OPTIONS or to the free-text answers below."""
    free_text = {"project_name", "project_slug", "description", "author_name", "author_email", "version"}
    covered = set(FILE_OPTIONS) | {"license", "python_version"} | free_text

    assert {key for key in OPTIONS if not key.startswith("_")} == covered


# A few modules stand for the suite: render tests (one a fixture's parameter), and others.
SAMPLE = ["tests/test_served.py", "tests/test_static_checks.py", "tests/test_cruft.py", "tests/test_hooks.py"]


def collect(*options: str) -> subprocess.CompletedProcess[str]:
    """``pytest --collect-only -q <options>``, without loading the plugins collection does not need."""
    plugins = ["-p", "no:cacheprovider", "-p", "asyncio"]  # pytest-asyncio owns an ini key of pyproject.toml
    # No server: collecting creates no database, so the left-behind check (which other runs can trip) is off.
    no_server = "postgresql://nobody@127.0.0.1:1/none"
    command = python_tool("pytest", "--collect-only", "-q", *plugins, *options)
    return run(command, ROOT, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", TEST_DATABASE_URL=no_server)


def collected(*options: str) -> set[str]:
    """The ids of the SAMPLE tests ``pytest --collect-only <options>`` selects."""
    result = collect(*SAMPLE, *options)
    assert result.returncode == 0, result.stdout + result.stderr
    return {line for line in result.stdout.splitlines() if "::" in line}


def test_the_ci_jobs_share_out_the_tests_by_render() -> None:
    """One job per render (``--variant '<answers>'``) and one for the rest (``--variant none``)."""
    everything = collected()
    none = collected("--variant", "none")
    first = collected("--variant", json.dumps(SESSION_VARIANTS[0]))
    others = everything - none - first

    assert none & first == set()
    assert {test.split("::")[0] for test in none} == {"tests/test_cruft.py", "tests/test_hooks.py"}
    assert "tests/test_served.py" in {test.split("::")[0] for test in first}
    assert all(test.endswith(f"[{variant_id(SESSION_VARIANTS[0])}]") for test in first)
    assert others
    assert not any(test.endswith(f"[{variant_id(SESSION_VARIANTS[0])}]") for test in others)


def test_an_unknown_render_is_refused_with_the_list() -> None:
    result = collect(SAMPLE[-1], "--variant", '{"database": "mysql"}')

    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "is not a render of tests/renders.py" in result.stderr
    assert json.dumps(ALL_VARIANTS[-1]) in result.stderr


class FakeItem:
    def __init__(self, **params: object) -> None:
        self.nodeid = "tests/test_x.py::test_x"
        self.callspec = SimpleNamespace(params=params)


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        pytest.param({"answers": ALL_VARIANTS[0]}, "name the parameter", id="render-under-another-name"),
        pytest.param({"variant": {"database": "mysql"}}, "is not a render", id="variant-not-listed"),
    ],
)
def test_a_render_parameter_that_no_ci_job_would_select_is_refused(params: dict[str, object], reason: str) -> None:
    with pytest.raises(pytest.UsageError, match=reason):
        conftest.check_render_parameters([FakeItem(**params)])  # type: ignore[list-item]
