"""Jinja filters that quote free-text answers for the file formats they land in.

Cookiecutter loads this module through ``_extensions`` in ``cookiecutter.json``.
The pre-generation hook has already rejected control characters, so only
quotes and backslashes need escaping here.
"""

import json
from collections.abc import Mapping

from jinja2 import Environment
from jinja2.exceptions import UndefinedError
from jinja2.ext import Extension


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


# How the template's directory names refer to the slug.
SLUG_DIRNAME = "{{cookiecutter.project_slug}}"


def plain_dirname(value: str) -> str:
    """Return ``value`` if it names one directory; fail the render otherwise."""
    if not value or value in {".", ".."} or any(char in value for char in "/\\\0"):
        # cookiecutter reports an UndefinedError here as a clean failure, not a traceback
        raise UndefinedError(f"project_slug {value!r} must be a single directory name, without path separators")
    return value


class QuotingExtension(Extension):
    """Registers the quoting and answer filters, and guards directory names made from the slug.

    Cookiecutter creates the project directory (for ``a/b``, its parent too)
    before the pre-generation hook runs, and on failure removes only the last
    part. So a slug with a path separator must be stopped while the directory
    name is rendered: ``preprocess`` pipes ``{{cookiecutter.project_slug}}`` in
    path templates through ``plain_dirname``. The hook checks everything else.
    """

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["py_string"] = py_string
        environment.filters["toml_string"] = toml_string
        environment.filters["plain_dirname"] = plain_dirname
        environment.filters["public_answers"] = public_answers

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return source.replace(SLUG_DIRNAME, SLUG_DIRNAME[:-2] + " | plain_dirname}}")
