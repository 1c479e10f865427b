"""The shared test environment really provides what each rendered project declares.

The slow tier runs every variant's tools from one environment (requirements/test.txt)
instead of installing each project. That shortcut is only honest if the environment
satisfies every dependency the rendered pyproject.toml files declare.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pytest
from helpers import ALL_VARIANTS, variant_params
from packaging.requirements import Requirement


@pytest.mark.parametrize("variant", variant_params(ALL_VARIANTS))
def test_shared_environment_satisfies_the_rendered_requirements(
    render: Callable[..., Path], variant: dict[str, Any]
) -> None:
    pyproject = tomllib.loads((render(**variant) / "pyproject.toml").read_text())
    project = pyproject["project"]
    extras = project.get("optional-dependencies", {}).values()
    # PEP 735 groups hold requirement strings (and {include-group = ...} tables, which repeat those).
    groups = pyproject.get("dependency-groups", {}).values()
    declared = [
        *project["dependencies"],
        *(dep for extra in extras for dep in extra),
        *(dep for group in groups for dep in group if isinstance(dep, str)),
    ]
    assert len(declared) > len(project["dependencies"]), "the dev tools are declared somewhere"
    unmet = []
    for line in declared:
        requirement = Requirement(line)
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            unmet.append(f"{line}: not installed")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            unmet.append(f"{line}: {installed} installed")

    assert unmet == []
