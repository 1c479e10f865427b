"""The renders the template's tests check, declared once; also the template CI's job matrix.

Every test that checks rendered output takes its variants from the lists here,
built from cookiecutter.json, so a new choice is tested without editing tests.
The template's CI (.github/workflows/ci.yml) runs one job per render, with the
matrix this module prints (standard library only, so that job installs nothing):

    python tests/renders.py    # [{"name": "sqlite, sync", "variant": "{...}"}, ...]
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OPTIONS: dict[str, Any] = json.loads((ROOT / "cookiecutter.json").read_text())

# Every combination of the options that change the session wiring, with every
# other option at its default (Alembic, Docker and CI on).
SESSION_VARIANTS = [
    {"database": database, "session_mode": mode}
    for database, mode in itertools.product(OPTIONS["database"], OPTIONS["session_mode"])
]
# Renders with options turned off (and authentication on): together with SESSION_VARIANTS
# they cover every pair of values of the file-changing options (tests/test_matrix.py checks
# this), and each license and Python version.
# fmt: off
REDUCED_VARIANTS: list[dict[str, Any]] = [
    {"database": "sqlite", "session_mode": "sync", "use_alembic": False, "use_docker": False, "ci": "none",
     "metrics": "none", "tracing": "opentelemetry", "license": "Apache-2.0", "python_version": "3.12", "auth": "jwt"},
    {"database": "postgresql", "session_mode": "async", "use_alembic": False, "use_docker": False, "ci": "none",
     "use_kubernetes": True, "license": "BSD-3-Clause", "python_version": "3.13", "auth": "jwt"},
    {"database": "sqlite", "session_mode": "async", "use_alembic": False, "use_docker": True, "ci": "github",
     "metrics": "none", "tracing": "opentelemetry", "license": "Proprietary", "auth": "jwt"},
    {"database": "postgresql", "session_mode": "sync", "use_alembic": True, "use_docker": False, "ci": "github",
     "use_kubernetes": True, "metrics": "none", "auth": "jwt"},
    {"database": "postgresql", "session_mode": "sync", "use_alembic": True, "use_docker": True, "ci": "none",
     "use_kubernetes": True, "tracing": "opentelemetry", "license": "Apache-2.0"},
    # Authentication is on in the four above, one per session variant; this one pairs its absence
    # with the options those turn off.
    {"database": "sqlite", "session_mode": "sync", "use_alembic": False, "use_docker": False, "ci": "none",
     "metrics": "none"},
]
# fmt: on
ALL_VARIANTS = SESSION_VARIANTS + REDUCED_VARIANTS

Answers = Mapping[str, object]


def answers_for(extra: Answers) -> dict[str, object]:
    """The full answers a render with ``extra`` gets (defaults are the first choice)."""
    answers = {key: value[0] if isinstance(value, list) else value for key, value in OPTIONS.items()}
    answers.update(extra)
    return answers


def render_name(variant: Answers) -> str:
    """A render's name for people, e.g. "sqlite, sync, no alembic/docker/ci, Apache-2.0, 3.12".

    The session options first, then the options turned off ("no docker": a yes/no
    option answered no, or a choice answered "none"), then other non-default answers.
    """
    defaults = answers_for({})
    parts = [str(variant["database"]), str(variant["session_mode"])]
    turned_off: list[str] = []
    for option, value in variant.items():
        if option in {"database", "session_mode"} or value == defaults[option]:
            continue
        if value is False or value == "none":
            turned_off.append(option.removeprefix("use_"))
        elif value is True:
            parts.append(option.removeprefix("use_"))
        else:
            parts.append(str(value))
    if turned_off:
        parts.insert(2, "no " + "/".join(turned_off))
    return ", ".join(parts)


def ci_matrix() -> list[dict[str, str]]:
    """The template CI's ``matrix.include``: a name and the ``--variant`` JSON of each render."""
    return [{"name": render_name(variant), "variant": json.dumps(variant)} for variant in ALL_VARIANTS]


if __name__ == "__main__":
    print(json.dumps(ci_matrix()))
