"""The benchmark's own databases: PostgreSQL ones created and dropped per server, SQLite files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from .variants import REPO_ROOT

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PREFIX = "bench_"


class Postgres:
    """A connection to the server's maintenance database, for creating, dropping and watching ours."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        try:
            self.connection = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            raise SystemExit(f"cannot reach PostgreSQL at {make_url(admin_url)!r}: {error}") from None
        self.created: list[str] = []

    def url(self, database: str, driver: str = "postgresql") -> str:
        return make_url(self.admin_url).set(drivername=driver, database=database).render_as_string(False)

    def create(self, label: str) -> str:
        name = f"{PREFIX}{os.getpid()}_{label}"
        self.drop(name)
        self.connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return name

    def drop(self, name: str) -> None:
        self.connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if name in self.created:
            self.created.remove(name)

    def drop_stale(self) -> None:
        """Drop databases left by earlier runs that were killed (their process is gone)."""
        rows = self.connection.execute("SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'").fetchall()
        for (name,) in rows:
            pid = name.removeprefix(PREFIX).split("_", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                print(f"dropping {name}, left by an earlier run")
                self.drop(name)

    def sessions(self, name: str) -> int:
        """``pg_stat_database.sessions``: connections ever established to the database."""
        row = self.connection.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", (name,)).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Drop every database this run created, then disconnect."""
        for name in list(self.created):
            try:
                self.drop(name)
            except psycopg.Error as error:
                print(f"warning: could not drop {name}: {error}", file=sys.stderr)
        self.connection.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def seed(project_dir: Path, package: str, sync_url: str, rows: int) -> float:
    """Create and fill the items table with the rendered project's models; returns seconds taken."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "benchmarks.seed", "--url", sync_url, "--package", package, "--rows", str(rows)],
        cwd=project_dir,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1"},
        check=True,
        timeout=300,
    )
    return time.monotonic() - started


@contextmanager
def postgres_database(
    postgres: Postgres, label: str, project_dir: Path, package: str, rows: int
) -> Iterator[tuple[str, float]]:
    """A fresh seeded database; yields its name and the seeding time, drops it afterwards."""
    name = postgres.create(label)
    try:
        seconds = seed(project_dir, package, postgres.url(name, "postgresql+psycopg"), rows)
        yield name, seconds
    finally:
        postgres.drop(name)
