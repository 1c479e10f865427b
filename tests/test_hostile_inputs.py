"""Hostile answers: rendered into valid code and metadata, or refused with nothing written."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from helpers import DEFAULT_SLUG, ROOT, python_tool, run

NAME = 'Café "Ö\'Brien"'  # quotes of both kinds and non-ASCII
DESCRIPTION = 'Says "hi" \\o/ & <b>bold</b>, it\'s 100% {braces}'
AUTHOR = 'Zoë "Z" O\'Brien \\ Jr.'
LONG_NAME = " ".join(["Extraordinarily"] * 13)[:200]


def fastapi_title(project: Path, slug: str) -> object:
    """The ``title=`` literal passed to FastAPI() in the rendered main.py."""
    tree = ast.parse((project / slug / "main.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "title":
            return ast.literal_eval(node.value)
    raise AssertionError("FastAPI(title=...) not found")


def test_quotes_backslashes_and_non_ascii_are_rendered_exactly(render: Callable[..., Path]) -> None:
    project = render(project_name=NAME, description=DESCRIPTION, author_name=AUTHOR)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())

    assert project.name == "cafe_o_brien"
    assert fastapi_title(project, "cafe_o_brien") == NAME
    assert pyproject["project"]["description"] == DESCRIPTION
    assert pyproject["project"]["authors"] == [{"name": AUTHOR, "email": "you@example.com"}]
    assert (project / "README.md").read_text().startswith(f"# {NAME}\n\n{DESCRIPTION}\n")
    assert json.loads((project / ".cookiecutter.json").read_text())["author_name"] == AUTHOR
    assert "Zoë" in (project / "LICENSE").read_text()
    for path in [*project.rglob("*.yml"), *project.rglob("*.yaml")]:
        assert isinstance(yaml.safe_load(path.read_text()), dict), path
    for check in (["check"], ["format", "--check"]):
        result = run(python_tool("ruff", *check, "--no-cache", "."), project)
        assert result.returncode == 0, result.stdout


def test_a_200_character_name_gets_a_63_character_slug(render: Callable[..., Path]) -> None:
    project = render(project_name=LONG_NAME)

    assert len(LONG_NAME) == 200
    assert len(project.name) <= 63
    assert project.name.startswith("extraordinarily_extraordinarily")
    assert fastapi_title(project, project.name) == LONG_NAME


def test_jinja_in_an_answer_is_evaluated_by_cookiecutter_not_leaked(render: Callable[..., Path]) -> None:
    """With --no-input, cookiecutter renders answers as templates; the result must still be valid."""
    project = render(project_name="Calc {{ 6 * 7 }}")

    assert project.name == "calc_42"
    assert fastapi_title(project, "calc_42") == "Calc 42"


def bake_cli(tmp_path: Path, *answers: str) -> subprocess.CompletedProcess[str]:
    """Run the cookiecutter command line as a user would, into an empty directory."""
    out = tmp_path / "out"
    out.mkdir()
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(ROOT), "--no-input", "--output-dir", str(out), *answers],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param("project_slug=fastapi", "would shadow 'fastapi'", id="slug-shadows-dependency"),
        pytest.param("project_slug=test", "standard library", id="slug-shadows-stdlib"),
        pytest.param("project_slug=class", "keyword", id="slug-is-keyword"),
        pytest.param("project_slug=My-App", "lowercase ASCII letters", id="slug-with-dash"),
        pytest.param("project_slug=" + "a" * 64, "limit is 63", id="slug-too-long"),
        pytest.param("project_slug=a/b", "single directory name", id="slug-with-slash"),
        pytest.param("project_slug=../escape", "single directory name", id="slug-escaping-output-dir"),
        pytest.param("project_name=Two\nlines", "one line", id="name-with-newline"),
        pytest.param("project_name=" + "x" * 201, "limit is 200", id="name-too-long"),
        pytest.param("author_name={% raw %}{{ x }}{% endraw %}", "Jinja delimiters", id="name-with-braces"),
        pytest.param("project_name={{ undefined_thing }}", "undefined_thing", id="name-with-undefined-jinja"),
        pytest.param("author_email=nobody", "not an email", id="bad-email"),
        pytest.param("version=v1", "PEP 440", id="bad-version"),
        pytest.param("database=mysql", "mysql", id="unknown-database"),
    ],
)
def test_bad_answers_fail_with_a_reason_and_leave_nothing(tmp_path: Path, answer: str, message: str) -> None:
    result = bake_cli(tmp_path, answer)

    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert list((tmp_path / "out").iterdir()) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]


def test_a_good_answer_through_the_same_command_line_renders(tmp_path: Path) -> None:
    result = bake_cli(tmp_path, "project_name=Items Service")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / DEFAULT_SLUG / "pyproject.toml").is_file()
