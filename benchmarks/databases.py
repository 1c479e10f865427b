"""The benchmark's databases: a PostgreSQL database per server (bench_<pid>_<server>), or an SQLite file.

Seeding runs in a subprocess from the app's own directory, with the app's own models
(``python -m benchmarks.databases URL MODULE ROWS``), so the schema is the one it declares.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from .serving import REPO_ROOT

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PREFIX = "bench_"
DESCRIPTION = "Seeded by the benchmark: a short description of roughly the size a real one might have."


class Postgres:
    """A connection to the maintenance database, for creating, dropping and watching ours."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        try:
            self.connection = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            raise SystemExit(f"cannot reach PostgreSQL at {make_url(admin_url)!r}: {error}") from None

    def url(self, database: str, scheme: str, port: int | None = None) -> str:
        url = make_url(self.admin_url).set(drivername=scheme, database=database)
        return (url.set(port=port) if port else url).render_as_string(hide_password=False)

    def execute(self, statement: sql.SQL, name: str) -> None:
        self.connection.execute(statement.format(sql.Identifier(name)))

    def drop_stale(self) -> None:
        """Drop databases left by runs that were killed (the pid in their name is gone)."""
        for (name,) in self.connection.execute("SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'"):
            pid = name.removeprefix(PREFIX).split("_", 1)[0]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                print(f"dropping {name}, left by an earlier run")
                self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"), name)

    def sessions(self, name: str) -> int:
        """``pg_stat_database.sessions``: connections ever established to the database."""
        row = self.connection.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", (name,)).fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def database(self, label: str) -> Iterator[str]:
        """A fresh database, dropped afterwards (also on failure or Ctrl-C)."""
        name = f"{PREFIX}{os.getpid()}_{label}"
        self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"), name)
        self.execute(sql.SQL("CREATE DATABASE {}"), name)
        try:
            yield name
        finally:
            self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"), name)


def seed(cwd: Path, url: str, app_url: str, models: str, rows: int) -> float:
    """Create the items table and fill it; seconds taken.

    A project with migrations gets its tables from them (``alembic upgrade head`` with the app's
    own URL, so that its health check finds the schema current); otherwise from ``models``'
    metadata, importable from ``cwd``.
    """
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    migrated = (cwd / "alembic.ini").is_file()
    if migrated:
        migrate = [sys.executable, "-m", "alembic", "upgrade", "head"]
        subprocess.run(migrate, cwd=cwd, env={**env, "DATABASE_URL": app_url}, check=True, timeout=300)
    command = [sys.executable, "-m", "benchmarks.databases", url, models, str(rows), str(migrated)]
    subprocess.run(command, cwd=cwd, env=env, check=True, timeout=300)
    return time.monotonic() - started


if __name__ == "__main__":
    url, module, rows = sys.argv[1], importlib.import_module(sys.argv[2]), int(sys.argv[3])
    engine = create_engine(url)
    if sys.argv[4] != "True":  # not migrated
        module.Base.metadata.drop_all(engine)
        module.Base.metadata.create_all(engine)
    with engine.begin() as connection:
        items = [{"title": f"item {n}", "description": DESCRIPTION} for n in range(1, rows + 1)]
        connection.execute(insert(module.Item.__table__), items)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE items"))
