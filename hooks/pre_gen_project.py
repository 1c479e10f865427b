"""Reject answers that would produce a broken project, before any file is written.

Cookiecutter runs this hook after creating the (still empty) project directory
and removes that directory again when the hook exits non-zero, so a rejected
answer leaves nothing behind. Each problem is printed on one line.

The same checks run earlier, between the prompts (``refuse_bad_answers`` in
local_extensions.py, rendered by cookiecutter.json), so that a bad answer is
refused as soon as it is given; this hook is the last guard, for answers that
skip the prompts (a replay file).
"""

from __future__ import annotations

import json
import keyword
import re
import shlex
import sys
import unicodedata
from collections.abc import Mapping
from functools import partial
from pathlib import Path

# Rendered by cookiecutter. ``tojson`` escapes backslashes and both kinds of
# quote, so every answer survives the trip into this raw string intact.
ANSWERS_JSON = r'{{ cookiecutter | tojson }}'  # fmt: skip

SLUG_RE = re.compile(r"[a-z][a-z0-9_]*")
# PostgreSQL truncates identifiers (the slug names the database) at 63 bytes.
SLUG_MAX = 63
# Import names of the packages a rendered project installs (its dependencies,
# extras and dependency groups, followed recursively), and of the directories it
# ships beside the package. tests/test_hooks.py computes them from the renders and
# fails, naming what to add, when a new dependency is missing here.
TAKEN_NAMES = frozenset(
    {
        "accounts",
        "aiosqlite",
        "alembic",
        "annotated_doc",
        "annotated_types",
        "anyio",
        "argon2",
        "asgi_correlation_id",
        "asgiref",
        "ast_serialize",
        "asyncpg",
        "certifi",
        "cffi",
        "cfgv",
        "charset_normalizer",
        "click",
        "conftest",
        "database",
        "deploy",
        "distlib",
        "dotenv",
        "factories",
        "fastapi",
        "fastapi_offline",
        "filelock",
        "google",
        "graphql",
        "greenlet",
        "h11",
        "harfile",
        "httpcore",
        "httptools",
        "httpx",
        "hypothesis",
        "hypothesis_graphql",
        "identify",
        "idna",
        "iniconfig",
        "jinja2",
        "jsonschema_rs",
        "jwt",
        "librt",
        "mako",
        "markdown_it",
        "markupsafe",
        "mdurl",
        "migrations",
        "multipart",
        "mypy",
        "mypy_extensions",
        "mypyc",
        "nodeenv",
        "observed_app",
        "opentelemetry",
        "packaging",
        "pathspec",
        "platformdirs",
        "pluggy",
        "pre_commit",
        "pre_commit_hooks",
        "prometheus_client",
        "psycopg",
        "psycopg_binary",
        "pwdlib",
        "py",
        "pycparser",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "pygments",
        "pyrate_limiter",
        "pytest",
        "pytest_asyncio",
        "python_discovery",
        "python_multipart",
        "pythonjsonlogger",
        "requests",
        "rich",
        "ruamel",
        "ruff",
        "schemathesis",
        "server_admin",
        "sniffio",
        "sortedcontainers",
        "sqlalchemy",
        "starlette",
        "streaming_replica",
        "support",
        "tests",
        "typing_extensions",
        "typing_inspection",
        "urllib3",
        "uv",
        "uvicorn",
        "uvloop",
        "virtualenv",
        "watchfiles",
        "websockets",
        "werkzeug",
        "wrapt",
        "yaml",
    }
)
# The tests' modules (tests/test_*.py), which pytest imports by their names.
TEST_MODULE_PREFIX = "test_"
# sys.stdlib_module_names leaves out CPython's own "test" package.
STDLIB_NAMES = frozenset(sys.stdlib_module_names) | {"test"}
TEXT_LIMITS = {"project_name": 200, "description": 500, "author_name": 200}
# Opening delimiters, escaped so that Jinja (which renders this file) leaves them be.
JINJA_DELIMITERS = ("\x7b\x7b", "\x7b%", "\x7b#")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Public version identifiers of PEP 440 (no epochs or local versions).
VERSION_RE = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")

ALLOWED_SLUG = "lowercase ASCII letters, digits and underscores, starting with a letter"


def slug_errors(slug: str) -> list[str]:
    """Problems with ``slug`` as a package, directory and database name."""
    if not SLUG_RE.fullmatch(slug):
        return [f"project_slug {slug!r} is not allowed: use {ALLOWED_SLUG}"]
    if len(slug) > SLUG_MAX:
        return [f"project_slug is {len(slug)} characters long; the limit is {SLUG_MAX}"]
    if keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        return [f"project_slug {slug!r} is a Python keyword; choose another name"]
    if slug in STDLIB_NAMES:
        return [f"project_slug {slug!r} would shadow the standard library module {slug!r}"]
    if slug in TAKEN_NAMES:
        return [f"project_slug {slug!r} would shadow {slug!r}, which the project installs or ships"]
    if slug.startswith(TEST_MODULE_PREFIX):
        return [f"project_slug {slug!r} would clash with the tests' modules: it must not start with 'test_'"]
    return []


def text_errors(field: str, value: str) -> list[str]:
    """Problems with a free-text answer that lands in README, TOML and Python files."""
    limit = TEXT_LIMITS[field]
    if not value.strip():
        return [f"{field} must not be empty"]
    if len(value) > limit:
        return [f"{field} is {len(value)} characters long; the limit is {limit}"]
    if any(unicodedata.category(char).startswith("C") for char in value):
        return [f"{field} must be one line of printable text (no newlines or control characters)"]
    if any(delimiter in value for delimiter in JINJA_DELIMITERS):
        shown = ", ".join(JINJA_DELIMITERS)
        return [f"{field} must not contain Jinja delimiters ({shown}); they break template updates"]
    return []


def field_errors(answers: Mapping[str, object]) -> dict[str, list[str]]:
    """The problems with each answer given so far (others are not checked), by field."""
    checks = {
        "project_slug": slug_errors,
        **{field: partial(text_errors, field) for field in TEXT_LIMITS},
        "author_email": email_errors,
        "version": version_errors,
    }
    found = {field: check(str(answers[field])) for field, check in checks.items() if field in answers}
    found["use_kubernetes"] = kubernetes_errors(answers)
    return {field: errors for field, errors in found.items() if errors}


def kubernetes_errors(answers: Mapping[str, object]) -> list[str]:
    """SQLite is one file on one disk: replicas, rolling updates and autoscaling cannot share it."""
    if answers.get("use_kubernetes") is True and answers.get("database") == "sqlite":
        return ["use_kubernetes needs database=postgresql: pods cannot share a SQLite file (answer use_kubernetes=no)"]
    return []


def email_errors(email: str) -> list[str]:
    return [] if EMAIL_RE.fullmatch(email) else [f"author_email {email!r} is not an email address"]


def version_errors(version: str) -> list[str]:
    if VERSION_RE.fullmatch(version):
        return []
    return [f"version {version!r} is not a PEP 440 version such as 0.1.0"]


def validate(answers: Mapping[str, object]) -> list[str]:
    """Every problem with ``answers``, one sentence each; empty when all is well."""
    return [error for errors in field_errors(answers).values() for error in errors]


def replay_advice(answers: Mapping[str, object]) -> str:
    """How to run again keeping the answers: cookiecutter saved them before this hook ran."""
    name = Path(str(answers.get("_repo_dir", "template"))).name
    template = shlex.quote(str(answers.get("_template", "<template>")))
    return (
        f"Your answers are saved: correct them in ~/.cookiecutter_replay/{name}.json, "
        f"then run: cookiecutter --replay {template}"
    )


def main() -> int:
    answers = json.loads(ANSWERS_JSON)
    errors = validate(answers)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        print(replay_advice(answers), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
