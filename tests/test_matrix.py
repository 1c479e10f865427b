"""The tested renders cover the options: every pair of values, every license and Python."""

from __future__ import annotations

import itertools

from helpers import ALL_VARIANTS, OPTIONS, answers_for

# Options that change which files a project has, or what is in them.
FILE_OPTIONS = ["database", "session_mode", "use_alembic", "use_docker", "ci"]


def values(option: str) -> list[object]:
    choices = OPTIONS[option]
    return choices if isinstance(choices, list) else [True, False]


def test_every_pair_of_option_values_is_rendered() -> None:
    rendered = [answers_for(variant) for variant in ALL_VARIANTS]
    missing = [
        f"{first}={a}, {second}={b}"
        for first, second in itertools.combinations(FILE_OPTIONS, 2)
        for a, b in itertools.product(values(first), values(second))
        if not any(answers[first] == a and answers[second] == b for answers in rendered)
    ]

    assert missing == []


def test_every_license_and_python_version_is_rendered() -> None:
    rendered = [answers_for(variant) for variant in ALL_VARIANTS]

    assert {answers["license"] for answers in rendered} == set(OPTIONS["license"])
    assert {answers["python_version"] for answers in rendered} == set(OPTIONS["python_version"])


def test_every_option_is_known_to_the_matrix() -> None:
    """A new prompt must be added to FILE_OPTIONS or to the free-text answers below."""
    free_text = {"project_name", "project_slug", "description", "author_name", "author_email", "version"}
    covered = set(FILE_OPTIONS) | {"license", "python_version"} | free_text

    assert {key for key in OPTIONS if not key.startswith("_")} == covered
