"""Fixtures for the template's tests: rendering, and PostgreSQL for the Postgres variants."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from helpers import ALL_VARIANTS, DEFAULT_SERVER_URL, RUN_DIRECTORY
from sqlalchemy.engine import make_url

# Every database this run creates on the server starts with the run's own prefix, which the
# rendered suites read from this variable: the check for databases left behind looks at this
# run's only, not at those of other runs or programs that share the server.
DATABASE_PREFIX = "TEST_DATABASE_PREFIX"


@pytest.fixture(scope="session")
def render(cookies_session: Any) -> Callable[..., Path]:
    """Render the template with some answers, once per session per set of answers."""
    cache: dict[tuple[tuple[str, object], ...], Path] = {}

    def render(**answers: object) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in cache:
            result = cookies_session.bake(extra_context=answers)
            assert result.exit_code == 0, f"render failed for {answers}: {result.exception!r}"
            cache[key] = Path(result.project_path)
        return cache[key]

    return render


@pytest.fixture(scope="session")
def server_url() -> str:
    """The PostgreSQL server for Postgres variants; the run fails with advice if it is down."""
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_SERVER_URL)
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {url}: {str(error).strip()}\n"
            "The PostgreSQL variants run their tests against a real server. Start one there, or set "
            "TEST_DATABASE_URL=postgresql://user:password@host:5432/postgres (a user who may create databases).",
            pytrace=False,
        )
    return url


@pytest.fixture
def scratch_database(server_url: str) -> Iterator[str]:
    """An empty database on the server for one test, dropped afterwards; yields its URL."""
    name = f"{os.environ[DATABASE_PREFIX]}scratch_{os.urandom(4).hex()}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_configure(config: pytest.Config) -> None:
    """Give the run its database prefix and a directory of its own (in the xdist controller: the
    workers inherit them), and have xdist hand the tests out one at a time, in the order of the list (see
    LONG_TESTS), unless told otherwise: by default it gives each worker a quarter of its share at
    once, consecutive tests."""
    if not hasattr(config, "workerinput"):
        os.environ[DATABASE_PREFIX] = f"test_{os.urandom(4).hex()}_"
        directory = Path(tempfile.mkdtemp(prefix="template-tests-"))
        os.environ[RUN_DIRECTORY] = str(directory)
        config.add_cleanup(lambda: shutil.rmtree(directory, ignore_errors=True))
    if config.pluginmanager.hasplugin("xdist") and config.getoption("maxschedchunk") is None:
        config.option.maxschedchunk = 1


def databases_of_this_run(url: str) -> set[str]:
    """This run's databases on the server: those whose names start with its prefix."""
    query = "SELECT datname FROM pg_database WHERE starts_with(datname, %s)"
    with psycopg.connect(url, connect_timeout=5) as connection:
        rows = connection.execute(query, (os.environ[DATABASE_PREFIX],)).fetchall()
    return {row[0] for row in rows}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if it left a database behind (checked once all the xdist workers are done)."""
    if hasattr(session.config, "workerinput"):
        return
    try:
        left = databases_of_this_run(os.environ.get("TEST_DATABASE_URL", DEFAULT_SERVER_URL))
    except psycopg.Error:
        return  # an unreachable server is reported by the tests that need it
    if left:
        session.config.get_terminal_writer().line(f"test databases left behind: {sorted(left)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--variant",
        metavar="JSON|none",
        help="only the tests of the render with these answers (as listed in tests/renders.py), "
        "or with 'none' only the tests of no particular render; CI runs one job per render this way",
    )


def render_of(item: pytest.Item) -> dict[str, Any] | None:
    """The answers of the render a collected test checks: its ``variant`` parameter, if it has one."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return params.get("variant")


def check_render_parameters(items: list[pytest.Item]) -> None:
    """Each CI job runs the tests of one listed render, by ``--variant``, or of none; so every
    test of a render names its answers ``variant``, and those answers are a listed render."""
    for item in items:
        for name, value in getattr(getattr(item, "callspec", None), "params", {}).items():
            if name == "variant" and value not in ALL_VARIANTS:
                raise pytest.UsageError(f"{item.nodeid}: 'variant' {value!r} is not a render of tests/renders.py")
            if name != "variant" and value in ALL_VARIANTS:
                raise pytest.UsageError(f"{item.nodeid}: name the parameter that holds a render's answers 'variant'")


# Tests that take much longer than the rest, by test function, ranked (only the order matters). xdist
# hands the tests out one at a time in the order of the list, so these go first: the run does not
# end with one worker on a long test while the other idles. The recipe and install tests go before
# the render suites, so that two render suites with their servers rarely run side by side: from a
# clean clone this order took 11 min 39 s, the suites first 12 min 12 s (one run each).
LONG_TESTS = {
    "test_adding_a_resource_by_the_readme_keeps_every_gate_green": 80,
    "test_adding_a_field_keeps_every_gate_green": 70,
    "test_readme_quick_start_and_tests_work_in_a_fresh_environment": 65,
    "test_generated_test_suite_passes": 50,
    "test_make_lock_pins_what_ci_and_the_docker_build_install_and_they_refuse_a_stale_lock": 35,
    "test_a_newer_python_render_installs_and_passes_on_that_python": 30,
    "test_uv_sync_then_uv_run_works_and_a_later_sync_keeps_the_dev_tools": 30,
    "test_mypy_strict_passes": 15,
}


def longest_first(items: list[pytest.Item]) -> None:
    """Put the LONG_TESTS first, longest first; the rest keep their order (the sort is stable)."""
    items.sort(key=lambda item: -LONG_TESTS.get(getattr(item, "originalname", item.name), 0))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    check_render_parameters(items)
    longest_first(items)
    wanted = config.getoption("--variant")
    if wanted is None:
        return
    answers = None if wanted == "none" else json.loads(wanted)
    if answers is not None and answers not in ALL_VARIANTS:
        listed = "\n".join(json.dumps(variant) for variant in ALL_VARIANTS)
        raise pytest.UsageError(f"--variant {wanted} is not a render of tests/renders.py; these are:\n{listed}")
    keep = [item for item in items if render_of(item) == answers]
    config.hook.pytest_deselected(items=[item for item in items if item not in keep])
    items[:] = keep
