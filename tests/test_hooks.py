"""Unit tests of the hooks' and the Jinja extension's functions."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib

import post_gen_project
import pre_gen_project
import pytest
from helpers import answers_for
from jinja2.exceptions import UndefinedError

from local_extensions import plain_dirname, py_string, toml_string

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
