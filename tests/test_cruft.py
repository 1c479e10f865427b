"""Full tier: a project created with cruft is told about template changes and takes them.

The template is copied into a temporary git repository; a project is created from it
with `cruft create`; a commit to the template makes `cruft check` report the project
as outdated, and `cruft update` applies the change cleanly.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import DEFAULT_SLUG, ROOT

pytestmark = pytest.mark.slow

CRUFT = str(Path(sys.executable).parent / "cruft")
NOT_TEMPLATE = shutil.ignore_patterns(".git", ".venv", "node_modules", "build", "benchmarks", "__pycache__", ".*_cache")


def sh(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def git_commit(repo: Path, message: str) -> None:
    for args in (["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message]):
        result = sh("git", *args, cwd=repo)
        assert result.returncode == 0, result.stderr


def test_cruft_reports_and_applies_a_template_change(tmp_path: Path) -> None:
    template = tmp_path / "template"
    shutil.copytree(ROOT, template, ignore=NOT_TEMPLATE)
    assert sh("git", "init", "-q", "-b", "main", cwd=template).returncode == 0
    git_commit(template, "template v1")

    created = sh(CRUFT, "create", str(template), "--no-input", "--output-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert created.returncode == 0, created.stdout + created.stderr
    project = tmp_path / "out" / DEFAULT_SLUG
    assert json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]["project_slug"] == DEFAULT_SLUG
    sh("git", "init", "-q", "-b", "main", cwd=project)
    git_commit(project, "generated")
    assert sh(CRUFT, "check", cwd=project).returncode == 0

    editorconfig = template / "{{cookiecutter.project_slug}}" / ".editorconfig"
    editorconfig.write_text(editorconfig.read_text() + "\n[*.md]\ntrim_trailing_whitespace = false\n")
    git_commit(template, "template v2: keep Markdown line breaks")

    outdated = sh(CRUFT, "check", cwd=project)
    updated = sh(CRUFT, "update", "--skip-apply-ask", cwd=project)
    changed = sh("git", "status", "--porcelain", cwd=project).stdout.split("\n")

    assert outdated.returncode != 0
    assert "out of date" in outdated.stdout + outdated.stderr
    assert updated.returncode == 0, updated.stdout + updated.stderr
    # cruft renders into a temporary directory: the hook must not send the user there.
    for result in (updated, outdated, created):
        assert "Next steps" not in result.stdout + result.stderr
        assert "cd /" not in result.stdout + result.stderr
    assert "[*.md]" in (project / ".editorconfig").read_text()
    assert sorted(line[3:] for line in changed if line) == [".cruft.json", ".editorconfig"]
    assert sh(CRUFT, "check", cwd=project).returncode == 0
