"""The migrations build exactly the models' schema, and can be undone and redone.

Runs the `alembic` command as a user would, with DATABASE_URL pointing at an
empty database.
"""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def alembic(database_url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=PROJECT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"alembic {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
    return result.stdout + result.stderr


def test_upgrade_check_downgrade_and_upgrade_again(empty_database_url: str) -> None:
    assert "(head)" not in alembic(empty_database_url, "current")

    alembic(empty_database_url, "upgrade", "head")
    assert "(head)" in alembic(empty_database_url, "current")
    assert "No new upgrade operations detected" in alembic(empty_database_url, "check")

    alembic(empty_database_url, "downgrade", "base")
    assert "(head)" not in alembic(empty_database_url, "current")

    alembic(empty_database_url, "upgrade", "head")
    assert "No new upgrade operations detected" in alembic(empty_database_url, "check")


def test_the_migrations_can_be_rendered_as_sql(empty_database_url: str) -> None:
    sql = alembic(empty_database_url, "upgrade", "head", "--sql")

    assert "CREATE TABLE items" in sql
