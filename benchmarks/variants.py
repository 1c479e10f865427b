"""The template's variants, read from its cookiecutter.json, and rendering them."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from cookiecutter.main import cookiecutter

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Variant:
    database: str  # "sqlite" | "postgresql"
    session_mode: str  # "sync" | "async"

    @property
    def name(self) -> str:
        return f"{self.database}/{self.session_mode}"

    @property
    def answers(self) -> dict[str, str]:
        return {"database": self.database, "session_mode": self.session_mode}


def variants_of(template: Path) -> list[Variant]:
    """Every database x session_mode combination the template offers, as its tests build them."""
    options = json.loads((template / "cookiecutter.json").read_text())
    return [
        Variant(database, mode) for database, mode in itertools.product(options["database"], options["session_mode"])
    ]


@dataclass(frozen=True)
class Rendered:
    variant: Variant
    project_dir: Path  # working directory to serve from; its package is importable there

    @property
    def package(self) -> str:
        return self.project_dir.name


def render(template: Path, variant: Variant, output_root: Path) -> Rendered:
    """Render one variant with the default answers otherwise; ignores the user's cookiecutter config."""
    output_dir = output_root / variant.name.replace("/", "-")
    output_dir.mkdir(parents=True)
    project = cookiecutter(
        str(template), no_input=True, output_dir=str(output_dir), extra_context=variant.answers, default_config=True
    )
    return Rendered(variant, Path(project))
