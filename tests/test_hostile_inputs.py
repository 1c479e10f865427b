"""Hostile answers: rendered into valid code and metadata, or refused with nothing written."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import DEFAULT_SLUG, ROOT, SESSION_VARIANTS, clean_env, python_tool, run, variant_params

NAME = 'Café "Ö\'Brien"'  # quotes of both kinds and non-ASCII
DESCRIPTION = 'Says "hi" \\o/ & <b>bold</b>, it\'s 100% {braces}'
AUTHOR = 'Zoë "Z" O\'Brien \\ Jr.'
LONG_NAME = " ".join(["Extraordinarily"] * 13)[:200]
# The longest slug the prompts accept, with every optional module on, so that each line the slug is in is rendered.
LONGEST_SLUG = {"project_slug": "s" * 63, "tracing": "opentelemetry", "auth": "jwt"}


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


@pytest.mark.parametrize("variant", variant_params(SESSION_VARIANTS))
def test_the_longest_slug_renders_lint_clean(render: Callable[..., Path], variant: dict[str, Any]) -> None:
    project = render(**variant, **LONGEST_SLUG)

    assert project.name == LONGEST_SLUG["project_slug"]
    for check in (["check"], ["format", "--check"]):
        result = run(python_tool("ruff", *check, "--no-cache", "."), project)
        assert result.returncode == 0, result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("variant", variant_params(SESSION_VARIANTS[-1:]))  # the slug's lines are checked above
def test_the_longest_slug_renders_type_clean(
    render: Callable[..., Path], variant: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = render(**variant, **LONGEST_SLUG)
    cache = tmp_path_factory.getbasetemp() / "mypy-cache"

    result = run(
        python_tool("mypy", "--strict", "--cache-dir", str(cache), project.name, "tests", "migrations"), project
    )

    assert result.returncode == 0, result.stdout
    assert "Success: no issues found" in result.stdout


def test_jinja_in_an_answer_is_evaluated_by_cookiecutter_not_leaked(render: Callable[..., Path]) -> None:
    """With --no-input, cookiecutter renders answers as templates; the result must still be valid."""
    project = render(project_name="Calc {{ 6 * 7 }}")

    assert project.name == "calc_42"
    assert fastapi_title(project, "calc_42") == "Calc 42"


def bake_cli(tmp_path: Path, *answers: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the cookiecutter command line as a user would, into an empty directory.

    With ``stdin``, the prompts read their answers from it; otherwise ``--no-input``.
    ``HOME`` is ``tmp_path``, so cookiecutter's replay files stay there.
    """
    out = tmp_path / "out"
    out.mkdir()
    mode = [] if stdin is not None else ["--no-input"]
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(ROOT), *mode, "--output-dir", str(out), *answers],
        input=stdin,
        env={**clean_env(), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def left_on_disk(tmp_path: Path) -> list[str]:
    """Everything in ``tmp_path`` but the empty output directory and cookiecutter's replay files."""
    return sorted(
        str(path.relative_to(tmp_path))
        for path in tmp_path.rglob("*")
        if path != tmp_path / "out" and ".cookiecutter_replay" not in path.parts
    )


# Refused by the template as soon as the answer is given: one line saying what is
# allowed, and one showing how to run again keeping the other answers.
@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param("project_slug=fastapi", "would shadow 'fastapi'", id="slug-shadows-dependency"),
        pytest.param("project_slug=test", "standard library", id="slug-shadows-stdlib"),
        pytest.param("project_slug=class", "keyword", id="slug-is-keyword"),
        pytest.param("project_slug=My-App", "lowercase ASCII letters", id="slug-with-dash"),
        pytest.param("project_slug=" + "a" * 64, "limit is 63", id="slug-too-long"),
        pytest.param("project_slug=a/b", "lowercase ASCII letters", id="slug-with-slash"),
        pytest.param("project_slug=../escape", "lowercase ASCII letters", id="slug-escaping-output-dir"),
        pytest.param("project_name=Two\nlines", "one line", id="name-with-newline"),
        pytest.param("project_name=" + "x" * 201, "limit is 200", id="name-too-long"),
        pytest.param("author_name={% raw %}{{ x }}{% endraw %}", "Jinja delimiters", id="name-with-braces"),
        pytest.param("author_email=nobody", "not an email", id="bad-email"),
        pytest.param("version=v1", "PEP 440", id="bad-version"),
        pytest.param("use_kubernetes=yes", "use_kubernetes needs database=postgresql", id="kubernetes-on-sqlite"),
    ],
)
def test_bad_answers_are_refused_in_one_line_leaving_nothing(tmp_path: Path, answer: str, message: str) -> None:
    result = bake_cli(tmp_path, answer)
    output = (result.stdout + result.stderr).strip().splitlines()

    assert result.returncode == 1
    assert output[0].startswith("Error: ")
    assert message in output[0]
    assert len(output) <= 2, output
    assert all(line.startswith("To run again") for line in output[1:])
    assert left_on_disk(tmp_path) == []


# Refused by cookiecutter itself, before the template's code runs: not short, but nothing written.
@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param("project_name={{ undefined_thing }}", "undefined_thing", id="name-with-undefined-jinja"),
        pytest.param("database=mysql", "the choices are ['sqlite', 'postgresql']", id="unknown-database"),
    ],
)
def test_answers_cookiecutter_refuses_leave_nothing(tmp_path: Path, answer: str, message: str) -> None:
    result = bake_cli(tmp_path, answer)

    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert left_on_disk(tmp_path) == []


def test_a_bad_name_at_the_prompt_is_refused_before_the_next_prompt(tmp_path: Path) -> None:
    result = bake_cli(tmp_path, stdin="My Service\nclass\n" + "\n" * 11)
    error = result.stderr.strip().splitlines()

    assert result.returncode == 1
    assert "[2/" in result.stdout
    assert "[3/" not in result.stdout
    assert error[0] == "Error: project_slug 'class' is a Python keyword; choose another name"
    assert error[1].endswith(f"cookiecutter {ROOT} 'project_name=My Service'")
    assert left_on_disk(tmp_path) == []


def test_a_bad_replayed_answer_is_refused_by_the_hook_with_replay_advice(tmp_path: Path) -> None:
    """Replayed answers skip the prompts' checks; the pre-generation hook still refuses them."""
    assert bake_cli(tmp_path).returncode == 0
    shutil.rmtree(tmp_path / "out")
    replay = tmp_path / ".cookiecutter_replay" / f"{ROOT.name}.json"
    replay.write_text(replay.read_text().replace('"version": "0.1.0"', '"version": "v1"'))

    result = bake_cli(tmp_path, "--replay", stdin="")

    assert result.returncode == 1
    assert "error: version 'v1' is not a PEP 440 version" in result.stderr
    assert f"correct them in ~/.cookiecutter_replay/{ROOT.name}.json, then run: cookiecutter --replay" in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    ("answers", "migrate"),
    [pytest.param([], True, id="default"), pytest.param(["use_alembic=no"], False, id="no-alembic")],
)
def test_a_good_answer_renders_and_prints_the_next_steps(tmp_path: Path, answers: list[str], migrate: bool) -> None:
    result = bake_cli(tmp_path, "project_name=Items Service", *answers)
    project = tmp_path / "out" / DEFAULT_SLUG
    steps = [line.split("  #")[0].strip() for line in result.stdout.strip().splitlines()[1:]]

    assert result.returncode == 0, result.stderr
    assert (project / "pyproject.toml").is_file()
    assert result.stdout.startswith("Created the project. Next steps")
    migrations = ["make migrate"] * migrate
    assert steps == [f"cd {project}", "make install", "make lock", "cp .env.example .env", *migrations, "make run"]
