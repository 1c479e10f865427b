"""Reject answers that would produce a broken project, before any file is written.

Cookiecutter runs this hook after creating the (still empty) project directory
and removes that directory again when the hook exits non-zero, so a rejected
answer leaves nothing behind. Each problem is printed on one line.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
import unicodedata
from collections.abc import Mapping

# Rendered by cookiecutter. ``tojson`` escapes backslashes and both kinds of
# quote, so every answer survives the trip into this raw string intact.
ANSWERS_JSON = r'{{ cookiecutter | tojson }}'  # fmt: skip

SLUG_RE = re.compile(r"[a-z][a-z0-9_]*")
# PostgreSQL truncates identifiers (the slug names the database) at 63 bytes.
SLUG_MAX = 63
# Import names of the packages a rendered project installs, and of the
# directories it ships beside the package.
TAKEN_NAMES = frozenset(
    {
        "aiosqlite",
        "alembic",
        "annotated_types",
        "anyio",
        "asyncpg",
        "click",
        "dotenv",
        "fastapi",
        "fastapi_offline",
        "greenlet",
        "h11",
        "httpcore",
        "httptools",
        "httpx",
        "hypothesis",
        "idna",
        "jinja2",
        "mako",
        "markupsafe",
        "migrations",
        "mypy",
        "psycopg",
        "psycopg_binary",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "pytest",
        "pytest_asyncio",
        "ruff",
        "schemathesis",
        "sniffio",
        "sqlalchemy",
        "starlette",
        "tests",
        "typing_extensions",
        "uvicorn",
        "uvloop",
        "watchfiles",
        "websockets",
        "yaml",
    }
)
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


def validate(answers: Mapping[str, object]) -> list[str]:
    """Every problem with ``answers``, one sentence each; empty when all is well."""
    errors = slug_errors(str(answers["project_slug"]))
    for field in TEXT_LIMITS:
        errors += text_errors(field, str(answers[field]))
    email = str(answers["author_email"])
    if not EMAIL_RE.fullmatch(email):
        errors.append(f"author_email {email!r} is not an email address")
    version = str(answers["version"])
    if not VERSION_RE.fullmatch(version):
        errors.append(f"version {version!r} is not a PEP 440 version such as 0.1.0")
    return errors


def main() -> int:
    errors = validate(json.loads(ANSWERS_JSON))
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
