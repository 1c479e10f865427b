"""Jinja extensions of the template, loaded by cookiecutter through ``_extensions`` in cookiecutter.json.

- ``QuotingExtension``: filters that quote free-text answers for the file formats they
  land in (``py_string``, ``toml_string``) and record the answers (``public_answers``);
  the global ``python_versions``, the offered versions in order.
  The answers have been checked already, so only quotes and backslashes need escaping.
- ``AnswerCheck``: the ``refuse_bad_answers`` filter, which cookiecutter.json renders
  between the prompts, so that a bad answer is refused as soon as it is given.
- ``SlugPathGuard``: refuses a slug that is not one directory name, before cookiecutter
  creates the project directory from it.
"""

from __future__ import annotations

import importlib.util
import json
import shlex
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import ModuleType

import click
from jinja2 import Environment
from jinja2.exceptions import UndefinedError
from jinja2.ext import Extension
from slugify import slugify

TEMPLATE_DIR = Path(__file__).resolve().parent


def py_string(value: str) -> str:
    """Return ``value`` as a Python string literal, quoted the way ruff format would."""
    quote = "'" if value.count('"') > value.count("'") else '"'
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return f"{quote}{escaped}{quote}"


def toml_string(value: str) -> str:
    """Return ``value`` as a TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def public_answers(context: Mapping[str, object]) -> str:
    """The answers given at render time (no private ``_`` keys), as sorted, indented JSON."""
    answers = {key: value for key, value in context.items() if not key.startswith("_")}
    return json.dumps(answers, indent=2, sort_keys=True, ensure_ascii=False)


def python_versions() -> list[str]:
    """The Python versions the template offers, oldest first (from cookiecutter.json, which
    cruft's renders do not pass on to the templates)."""
    choices: list[str] = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())["python_version"]
    return sorted(choices, key=lambda version: tuple(map(int, version.split("."))))


class QuotingExtension(Extension):
    """Registers the quoting and answer-recording filters, and the offered ``python_versions``."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["py_string"] = py_string
        environment.filters["toml_string"] = toml_string
        environment.filters["public_answers"] = public_answers
        environment.globals["python_versions"] = python_versions()


@cache
def answer_rules() -> ModuleType:
    """The pre-generation hook's checks (hooks/pre_gen_project.py is plain Python until rendered)."""
    path = TEMPLATE_DIR / "hooks" / "pre_gen_project.py"
    spec = importlib.util.spec_from_file_location("_template_answer_rules", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class RefusedAnswer(click.ClickException):
    """A bad answer; cookiecutter's command line prints it as one ``Error: ...`` line and exits 1."""


def refuse_bad_answers(answers: Mapping[str, object]) -> str:
    """Check the answers given so far; raise RefusedAnswer naming what is allowed, or render nothing."""
    refused = answer_rules().field_errors(answers)
    if not refused:
        return ""
    message = "; ".join(error for errors in refused.values() for error in errors)
    defaults = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    # A slug derived from the name is derived again; one typed in is kept.
    defaults["project_slug"] = slugify(
        str(answers.get("project_name", "")), separator="_", max_length=63, word_boundary=True
    )
    kept = {
        key: value
        for key, value in answers.items()
        if not key.startswith("_") and key not in refused and value != defaults[key] and "{" not in str(value)
    }
    if kept:
        given = " ".join(shlex.quote(f"{key}={value}") for key, value in kept.items())
        command = f"cookiecutter {shlex.quote(str(TEMPLATE_DIR))} {given}"
        message += f"\nTo run again with your other answers as the defaults: {command}"
    raise RefusedAnswer(message)


class AnswerCheck(Extension):
    """Registers ``refuse_bad_answers``, rendered by cookiecutter.json between the prompts."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["refuse_bad_answers"] = refuse_bad_answers


# How the template's directory names refer to the slug (no spaces: file contents write
# ``{{ cookiecutter.project_slug }}`` and are not touched).
SLUG_DIRNAME = "{{cookiecutter.project_slug}}"


def plain_dirname(value: str) -> str:
    """Return ``value`` if it names one directory; fail the render otherwise."""
    if not value or value in {".", ".."} or any(char in value for char in "/\\\0"):
        # cookiecutter reports an UndefinedError here as a clean failure, not a traceback
        raise UndefinedError(f"project_slug {value!r} must be a single directory name, without path separators")
    return value


class SlugPathGuard(Extension):
    """Pipes the slug in directory names through ``plain_dirname``.

    Cookiecutter creates the project directory (for ``a/b``, its parent too) before
    the pre-generation hook runs, and on failure removes only the last part. So a
    slug with a path separator must be stopped while the directory name is rendered:
    ``preprocess`` rewrites every ``{{cookiecutter.project_slug}}`` (spelt without
    spaces, as only the template's directory names spell it) into
    ``{{cookiecutter.project_slug | plain_dirname}}``. ``refuse_bad_answers`` and the
    pre-generation hook check everything else.
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["plain_dirname"] = plain_dirname

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return source.replace(SLUG_DIRNAME, SLUG_DIRNAME[:-2] + " | plain_dirname}}")
