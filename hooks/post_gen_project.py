"""Put each variant's own files in place, and remove the files the chosen options do not use.

Where the values of an option differ in structure (the database; async sessions' connection
queue; the metrics and tracing modules), each value has whole files of its own under
``_variants/<option>/<value>/``, laid out like the project; the chosen value's files are
moved into place and the rest deleted.

``MANIFEST`` is the one table of optional files: each path is kept only when
every listed option has one of the listed values. The template's tests read
the same table to check each render. Paths are the template's: cookiecutter renders
this hook, so the package directory is named as in the template's own layout.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

# Rendered by cookiecutter; see pre_gen_project.py.
ANSWERS_JSON = r'{{ cookiecutter | tojson }}'  # fmt: skip

VARIANTS_DIR = "_variants"
MANIFEST: dict[str, dict[str, tuple[object, ...]]] = {
    "alembic.ini": {"use_alembic": (True,)},
    "migrations": {"use_alembic": (True,)},
    "tests/test_migrations.py": {"use_alembic": (True,)},
    "{{cookiecutter.project_slug}}/schema_version.py": {"use_alembic": (True,)},
    "Dockerfile": {"use_docker": (True,)},
    ".dockerignore": {"use_docker": (True,)},
    "compose.yaml": {"use_docker": (True,)},
    ".github": {"ci": ("github",)},
    "deploy": {"use_kubernetes": (True,)},
    "deploy/kubernetes/migrate": {"use_alembic": (True,)},
}


def unused_paths(answers: Mapping[str, object]) -> list[str]:
    """Paths in MANIFEST that ``answers`` do not keep."""
    return [
        path
        for path, needs in MANIFEST.items()
        if any(answers[option] not in values for option, values in needs.items())
    ]


def variant_files(variants: Path, answers: Mapping[str, object]) -> dict[Path, Path]:
    """The chosen values' own files under ``variants``: where each one comes from, by project path."""
    return {
        path.relative_to(chosen): path
        for option in sorted(variants.iterdir())
        if (chosen := option / str(answers[option.name])).is_dir()
        for path in sorted(chosen.rglob("*"))
        if path.is_file()
    }


def place_variant_files(project: Path, answers: Mapping[str, object]) -> None:
    variants = project / VARIANTS_DIR
    for relative, source in variant_files(variants, answers).items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        source.replace(project / relative)
    shutil.rmtree(variants)


def prune(project: Path, answers: Mapping[str, object]) -> None:
    for relative in unused_paths(answers):
        path = project / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def next_steps(project: Path) -> str:
    """What to run now: ``cd`` into ``project``, then the commands of its README's quick start."""
    readme = (project / "README.md").read_text()
    block = re.search(r"\n## Quick start\n.*?```sh\n(.*?)```", readme, re.DOTALL)
    if block is None:
        return f"Created {project}: its README.md says how to start."
    lines = [f"cd {shlex.quote(str(project))}", *block.group(1).splitlines()]
    return "Created the project. Next steps (the README says more):\n" + "\n".join(f"  {line}" for line in lines)


def rendered_by_cruft(answers: Mapping[str, object]) -> bool:
    """Whether cruft, not cookiecutter, renders the project: cruft's context has ``_commit``, never ``_output_dir``."""
    return "_commit" in answers and "_output_dir" not in answers


def main() -> int:
    answers = json.loads(ANSWERS_JSON)
    place_variant_files(Path.cwd(), answers)
    prune(Path.cwd(), answers)
    # cruft update and diff render into a temporary directory, so a `cd` there would lead nowhere; its
    # create renders in place but looks the same from here, and was told where the project goes anyway.
    if not rendered_by_cruft(answers):
        print(next_steps(Path.cwd()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
