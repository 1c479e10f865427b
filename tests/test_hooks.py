"""Unit tests of the hooks' and the Jinja extension's functions."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Callable
from importlib.metadata import distribution, packages_distributions
from pathlib import Path
from typing import Any

import post_gen_project
import pre_gen_project
import pytest
from helpers import ALL_VARIANTS, DEFAULT_SLUG, answers_for
from jinja2.exceptions import UndefinedError
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from local_extensions import RefusedAnswer, plain_dirname, py_string, refuse_bad_answers, toml_string

VALID = answers_for({"project_slug": "items_service"})


def test_default_answers_are_valid() -> None:
    assert pre_gen_project.validate(VALID) == []


@pytest.mark.parametrize(
    ("slug", "reason"),
    [
        ("", "not allowed"),
        ("My_App", "not allowed"),
        ("my-app", "not allowed"),
        ("1app", "not allowed"),
        ("_private", "not allowed"),
        ("café", "not allowed"),
        ("a" * 64, "limit is 63"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("json", "standard library"),
        ("test", "standard library"),
        ("fastapi", "installs or ships"),
        ("sqlalchemy", "installs or ships"),
        ("tests", "installs or ships"),
        ("migrations", "installs or ships"),
        ("support", "installs or ships"),
        ("test_items", "must not start with 'test_'"),
    ],
)
def test_invalid_slugs_are_rejected_with_a_reason(slug: str, reason: str) -> None:
    errors = pre_gen_project.slug_errors(slug)

    assert len(errors) == 1
    assert reason in errors[0]
    assert "\n" not in errors[0]


@pytest.mark.parametrize("slug", ["app", "items_service", "a1_b2", "x" * 63])
def test_valid_slugs_are_accepted(slug: str) -> None:
    assert pre_gen_project.slug_errors(slug) == []


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("project_name", "", "must not be empty"),
        ("project_name", "   ", "must not be empty"),
        ("project_name", "Two\nlines", "one line"),
        ("project_name", "Bell\x07", "one line"),
        ("description", "tab\there", "one line"),
        ("project_name", "x" * 201, "limit is 200"),
        ("author_name", "{{ evil }}", "Jinja delimiters"),
        ("description", "{% if x %}", "Jinja delimiters"),
    ],
)
def test_unusable_free_text_is_rejected(field: str, value: str, reason: str) -> None:
    errors = pre_gen_project.validate({**VALID, field: value})

    assert len(errors) == 1
    assert reason in errors[0]


@pytest.mark.parametrize("version", ["0.1.0", "1", "2.0.0rc1", "1.0.post2.dev3"])
def test_pep440_versions_are_accepted(version: str) -> None:
    assert pre_gen_project.validate({**VALID, "version": version}) == []


@pytest.mark.parametrize("version", ["v1.0", "1.0-beta", "latest", ""])
def test_other_versions_are_rejected(version: str) -> None:
    assert pre_gen_project.validate({**VALID, "version": version}) != []


@pytest.mark.parametrize("email", ["nobody", "a@b", "two@@example.com", "sp ace@example.com"])
def test_malformed_emails_are_rejected(email: str) -> None:
    assert pre_gen_project.validate({**VALID, "author_email": email}) != []


def test_manifest_names_only_real_options() -> None:
    for needs in post_gen_project.MANIFEST.values():
        for option, values in needs.items():
            assert option in VALID
            assert values, "an empty tuple would prune the path from every render"


def test_next_steps_are_left_out_when_cruft_renders_into_its_temporary_directory() -> None:
    # What each tool adds to the answers (cookiecutter's main(); cruft's generate_cookiecutter_context()).
    by_cookiecutter = {**VALID, "_template": ".", "_output_dir": "/home/me/src", "_repo_dir": "."}
    by_cruft = {**VALID, "_template": "https://example.com/template.git", "_commit": "0" * 40}

    assert not post_gen_project.rendered_by_cruft(by_cookiecutter)
    assert post_gen_project.rendered_by_cruft(by_cruft)


@pytest.mark.parametrize(
    "text",
    ["plain", 'Café "Ö\'Brien"', 'back\\slash "quoted"', "it's", '"""', "'''", "mixed ' and \" \\"],
)
def test_py_string_round_trips_and_is_ruff_formatted(text: str) -> None:
    literal = py_string(text)
    source = f"value = {literal}\n"
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "-"], input=source, capture_output=True, text=True, check=True
    ).stdout

    assert ast.literal_eval(literal) == text
    assert formatted == source


@pytest.mark.parametrize("text", ["plain", 'Café "Ö\'Brien"', 'back\\slash "quoted"', "it's"])
def test_toml_string_round_trips(text: str) -> None:
    assert tomllib.loads(f"value = {toml_string(text)}")["value"] == text


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "../up", "back\\slash", "nul\0"])
def test_plain_dirname_refuses_paths(name: str) -> None:
    with pytest.raises(UndefinedError, match="single directory name"):
        plain_dirname(name)


def requirement_lines(pyproject: dict[str, Any]) -> list[str]:
    """Every requirement a render installs: dependencies, extras and PEP 735 dependency groups."""
    project = pyproject["project"]
    lines = list(project.get("dependencies", []))
    lines += [line for extra in project.get("optional-dependencies", {}).values() for line in extra]
    for group in pyproject.get("dependency-groups", {}).values():
        lines += [entry for entry in group if isinstance(entry, str)]  # {include-group = ...} repeats a group
    return lines


def installed_import_names(lines: list[str]) -> set[str]:
    """Top-level import names of the distributions ``lines`` install, followed recursively here."""
    by_distribution: dict[str, set[str]] = {}
    for name, providers in packages_distributions().items():
        for provider in providers:
            by_distribution.setdefault(canonicalize_name(provider), set()).add(name)
    names: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [Requirement(line) for line in lines]
    while pending:
        requirement = pending.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        names |= by_distribution.get(key[0], set())
        for line in distribution(requirement.name).requires or []:
            needed = Requirement(line)
            if needed.marker is None or any(
                needed.marker.evaluate({"extra": extra}) for extra in requirement.extras or {""}
            ):
                pending.append(needed)
    return names


def test_taken_names_cover_what_every_render_installs_and_ships(render: Callable[..., Path]) -> None:
    """A slug must not shadow any module a render imports: its dependencies' (recursively), its own dirs, its tests'."""
    taken: set[str] = set()
    for variant in ALL_VARIANTS:
        project = render(**variant)
        taken |= installed_import_names(requirement_lines(tomllib.loads((project / "pyproject.toml").read_text())))
        taken |= {path.name for path in project.iterdir() if path.is_dir() and path.name != DEFAULT_SLUG}
        # The tests' own modules, which they import by name (pytest puts tests/ first on the path).
        taken |= {path.stem for path in [project / "conftest.py", *(project / "tests").glob("*.py")]}
    # Names a slug could take: the others (private, dotted, capitalised, stdlib) are refused anyway.
    choosable = {
        name
        for name in taken
        if pre_gen_project.SLUG_RE.fullmatch(name) and not name.startswith(pre_gen_project.TEST_MODULE_PREFIX)
    } - pre_gen_project.STDLIB_NAMES

    assert {"fastapi", "sqlalchemy", "asyncpg", "uvloop", "tests", "migrations", "support"} <= choosable
    missing = sorted(choosable - pre_gen_project.TAKEN_NAMES)
    assert missing == [], f"add to TAKEN_NAMES in hooks/pre_gen_project.py: {missing}"


def test_answers_are_checked_as_far_as_they_are_given() -> None:
    assert refuse_bad_answers({"project_name": "Class", "project_slug": "klass", "__names_checked": ""}) == ""
    with pytest.raises(RefusedAnswer, match=r"^project_slug 'class' is a Python keyword"):
        refuse_bad_answers({"project_name": "Class", "project_slug": "class"})


def test_kubernetes_with_sqlite_is_refused() -> None:
    errors = pre_gen_project.validate({**VALID, "database": "sqlite", "use_kubernetes": True})

    assert errors == [
        "use_kubernetes needs database=postgresql: pods cannot share a SQLite file (answer use_kubernetes=no)"
    ]
    assert pre_gen_project.validate({**VALID, "database": "postgresql", "use_kubernetes": True}) == []
