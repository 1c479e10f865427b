"""Quick tier: the template source stays readable, with variants named in one place.

``templates/variant.jinja`` names what differs between variants; where the databases
differ in structure, each has whole files under ``_variants/database/<database>/``,
which the post-generation hook moves into place.
"""

from __future__ import annotations

import re
from pathlib import Path

import post_gen_project
import pytest
from helpers import OPTIONS, ROOT

PROJECT = ROOT / "{{cookiecutter.project_slug}}"
VARIANTS = PROJECT / post_gen_project.VARIANTS_DIR
# Files that may name the choices directly: the declaration itself, the prompts, the hooks.
VOCABULARY = ROOT / "templates" / "variant.jinja"
# The options that choose what a render has (every yes/no and every choice but the two that are
# also written out as text): templates use the names variant.jinja gives them (is_pg, is_async,
# has_alembic, ...), never the answers; the license is compared there too (is_proprietary).
CHOOSING = [
    name
    for name, value in OPTIONS.items()
    if not name.startswith("_")
    and (isinstance(value, bool) or (isinstance(value, list) and name not in {"license", "python_version"}))
]
DIRECT_CHOICE = re.compile(rf"cookiecutter\.({'|'.join(CHOOSING)})\b|cookiecutter\.license\s*[!=]=")
# `async`/`await` are spelled {{ async }} and {{ await }}, nothing else.
OTHER_ASYNC_SPELLING = re.compile(r"""["']a(sync|wait) ["']\s+if\b""")
# A conditional longer than this no longer fits on a screen beside its other branch.
MAX_CONDITIONAL_LINES = 30
# Opening Jinja statements ({% if %}, {% for %}, {% set %}, {% from %}, {% include %} ...; not
# {% else %} or {% endif %}) per template Python file: more means variants should be whole files.
MAX_STATEMENTS = 8
OPENING_STATEMENT = re.compile(r"\{%-?\s*(if|for|set|from|import|include|macro|call|filter|with|block)\b")


def template_files() -> list[Path]:
    files = [*PROJECT.rglob("*"), *(ROOT / "templates").glob("*.jinja")]
    return sorted(path for path in files if path.is_file() and path != VOCABULARY)


def python_templates() -> list[Path]:
    return [path for path in template_files() if path.suffix == ".py" or path.name.endswith(".py.jinja")]


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", template_files(), ids=rel)
def test_variant_choices_are_named_only_in_variant_jinja(path: Path) -> None:
    text = path.read_text()

    assert DIRECT_CHOICE.findall(text) == [], "use is_pg, is_async, has_alembic, is_proprietary ... from variant.jinja"
    assert OTHER_ASYNC_SPELLING.findall(text) == [], "spell them {{ async }} and {{ await }}"


def conditional_spans(text: str) -> list[tuple[int, int]]:
    """(first line, length in lines) of each outermost {% if %} ... {% endif %}."""
    spans, depth, start = [], 0, 0
    for number, line in enumerate(text.splitlines(), 1):
        for keyword in re.findall(r"\{%-?\s*(if|endif)\b", line):
            if keyword == "if":
                depth += 1
                start = number if depth == 1 else start
            else:
                depth -= 1
                if depth == 0:
                    spans.append((start, number - start + 1))
    return spans


@pytest.mark.parametrize("path", python_templates(), ids=rel)
def test_python_templates_keep_their_jinja_small(path: Path) -> None:
    text = path.read_text()
    long_conditionals = [span for span in conditional_spans(text) if span[1] > MAX_CONDITIONAL_LINES]

    assert long_conditionals == [], "split the variants into whole files under _variants/"
    assert len(OPENING_STATEMENT.findall(text)) <= MAX_STATEMENTS


@pytest.mark.parametrize("path", [path for path in python_templates() if path.name.startswith("test_")], ids=rel)
def test_which_tests_exist_is_decided_by_files_not_conditionals(path: Path) -> None:
    """A variant-specific test lives in its own file (MANIFEST or _variants/), so the template's
    layout alone says which tests a render has (tests/test_generated_suites.py relies on it)."""
    lines = path.read_text().splitlines()
    inside = [
        f"{first + offset}: {line.strip()}"
        for first, length in conditional_spans("\n".join(lines))
        for offset, line in enumerate(lines[first - 1 : first - 1 + length])
        if re.match(r"(async )?def test_|\{\{ async \}\}def test_", line)
    ]

    assert inside == []


def test_variant_directories_name_an_option_and_its_choices() -> None:
    for option in VARIANTS.iterdir():
        assert option.name in OPTIONS, option
        values = {value.name for value in option.iterdir()}
        assert values <= set(OPTIONS[option.name]), option
        assert values, f"no choice of {option.name} has files of its own"  # a value may have none (sync, none)


def test_variant_files_do_not_shadow_common_files() -> None:
    checked = 0
    for value in VARIANTS.glob("*/*"):
        for path in (path for path in value.rglob("*") if path.is_file()):
            assert not (PROJECT / path.relative_to(value)).exists(), f"{rel(path)} would overwrite a common file"
            checked += 1

    assert checked, f"no variant files under {rel(VARIANTS)}: nothing was checked"


def test_every_database_has_its_own_engine_and_fixtures() -> None:
    for database in OPTIONS["database"]:
        own = VARIANTS / "database" / database
        assert (own / "{{cookiecutter.project_slug}}" / "db.py").is_file()
        assert (own / "tests" / "database.py").is_file()
