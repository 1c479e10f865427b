"""A database per server (PostgreSQL's bench_<pid>_<server>, or an SQLite file), seeded; ``--pgbouncer``'s PgBouncer;
the primary and streaming standby of the replica rows."""

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import column, create_engine, insert, table, text
from sqlalchemy.engine import make_url

from tools.serving import free_port

from .handwritten import Base
from .serving import require

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")  # may create databases
DESCRIPTION = "Seeded by the benchmark: a short description of roughly the size a real one might have."
DROP = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
# Transaction pooling for every database, as PG_URL's user, without passwords (loopback only, like the server).
PGBOUNCER_INI = """\
[databases]
* = host={host} port={port} user={user}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
auth_type = any
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
"""


class Postgres:
    """A connection to the maintenance database: creates, drops and watches ours (first, those of killed runs)."""

    def __init__(self, url: str = PG_URL) -> None:
        self.server_url = url
        try:
            self.connection = psycopg.connect(url, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            raise SystemExit(f"cannot reach PostgreSQL at {make_url(url)!r}: {error}") from None
        self.drop_stale()

    def name(self, label: str) -> str:
        return f"bench_{os.getpid()}_{label}"

    def url(self, label: str, scheme: str, port: int | None = None) -> str:
        url = make_url(self.server_url).set(drivername=scheme, database=self.name(label))
        return (url.set(port=port) if port else url).render_as_string(hide_password=False)

    def drop_stale(self) -> None:
        """Drop databases left by runs that were killed (the pid in their name is gone)."""
        for (name,) in self.connection.execute("SELECT datname FROM pg_database WHERE datname ~ '^bench_[0-9]+_'"):
            if not Path(f"/proc/{name.split('_')[1]}").exists():
                self.connection.execute(DROP.format(sql.Identifier(name)))

    def sessions(self, label: str) -> int:
        """``pg_stat_database.sessions``: connections ever established to the database."""
        query = "SELECT sessions FROM pg_stat_database WHERE datname = %s"
        row = self.connection.execute(query, (self.name(label),)).fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def database(self, label: str) -> Iterator[None]:
        """A fresh database, dropped afterwards (also on failure or Ctrl-C)."""
        name = sql.Identifier(self.name(label))
        self.connection.execute(DROP.format(name))
        self.connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
        try:
            yield
        finally:
            self.connection.execute(DROP.format(name))


def seed(project: Path | None, url: str, app_env: dict[str, str], rows: int,
         owner: Callable[[], int] | None = None) -> float:  # fmt: skip
    """Create the items table and fill it; seconds taken. A rendered ``project`` gets its tables from its
    migrations, run with the app's own settings (its URL: the schema its lifespan checks), the others from
    handwritten's.
    ``owner``, once the tables exist, makes the user who owns the items (an auth row's) and gives their id."""
    started, engine = time.monotonic(), create_engine(url)
    if project:
        migrate = [sys.executable, "-m", "alembic", "upgrade", "head"]
        subprocess.run(migrate, cwd=project, env={**os.environ, **app_env}, check=True, timeout=300)
    else:
        Base.metadata.create_all(engine)
    owned = {"owner_id": owner()} if owner else {}
    with engine.begin() as connection:
        items = [{"title": f"item {n}", "description": DESCRIPTION, **owned} for n in range(1, rows + 1)]
        connection.execute(insert(table("items", *map(column, items[0]))), items)
        connection.execute(text("ANALYZE items"))
    engine.dispose()
    return time.monotonic() - started


@contextmanager
def pgbouncer(pool_size: int) -> Iterator[int]:
    """A temporary PgBouncer in front of PG_URL's server; yields the port it listens on."""
    url, port = make_url(PG_URL), free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".ini") as config, tempfile.TemporaryFile() as log:
        config.write(PGBOUNCER_INI.format(host=url.host or "127.0.0.1", port=url.port or 5432, listen_port=port,
                                          user=url.username or "postgres", pool_size=pool_size))  # fmt: skip
        config.flush()
        as_postgres = ["-u", "postgres"] if os.geteuid() == 0 else []  # PgBouncer refuses to run as root
        command = [require("pgbouncer", "pgbouncer"), *as_postgres, config.name]
        process = subprocess.Popen(command, stdout=log, stderr=log)
        try:
            time.sleep(1)  # it listens within milliseconds, or exits saying why
            if process.poll() is not None:
                log.seek(0)
                raise SystemExit(f"pgbouncer did not start:\n{log.read().decode(errors='replace')[-2000:]}")
            print(f"pgbouncer: transaction pooling on 127.0.0.1:{port}, pool {pool_size}", flush=True)
            yield port
        finally:
            process.terminate()
            process.wait(10)


# SELECTs of the items table that a server has executed in a database (pg_stat_statements counts them at once,
# on a standby too, where the cumulative statistics would show them only once a backend flushes them).
READS_QUERY = r"""
SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = %s) AND query ~* '^\s*select\M.*\mfrom\s+items\M'"""


@dataclass
class StreamingPair:
    """A primary (where the replica rows' databases are made) and a standby streaming from it."""

    primary: Postgres
    standby: Postgres  # its connection reads the standby's counters; databases are made on the primary

    def reads(self, label: str) -> tuple[int, int]:
        """SELECTs of items so far in ``label``'s database: on the primary, on the standby."""
        name = self.primary.name(label)
        on_primary, on_standby = (server.connection.execute(READS_QUERY, (name,)).fetchone()
                                  for server in (self.primary, self.standby))  # fmt: skip
        return int(on_primary[0]), int(on_standby[0])  # type: ignore[index]

    def wait_replayed(self, timeout: float = 60) -> None:
        """Until the standby has replayed everything the primary has written so far (a seeded database)."""
        (written,) = self.primary.connection.execute("SELECT pg_current_wal_lsn()").fetchone()  # type: ignore[misc]
        replayed = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
        deadline = time.monotonic() + timeout
        while not self.standby.connection.execute(replayed, (written,)).fetchone()[0]:  # type: ignore[index]
            if time.monotonic() > deadline:
                raise RuntimeError(f"the standby did not replay up to {written} within {timeout} s")
            time.sleep(0.1)


@contextmanager
def streaming_pair(project: Path) -> Iterator[StreamingPair]:
    """A primary and a streaming standby of the harness's own, made as a rendered project's replica tests make
    theirs (its tests/streaming_replica.py), with pg_stat_statements on both; stopped and deleted afterwards."""
    spec = importlib.util.spec_from_file_location("streaming_replica", project / "tests" / "streaming_replica.py")
    assert spec is not None
    assert spec.loader is not None
    streaming_replica = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(streaming_replica)
    programs = streaming_replica.server_programs()
    if programs is None:
        raise SystemExit("the replica rows need PostgreSQL's server programs (initdb, pg_basebackup): "
                         "apt-get install -y postgresql, or PG_BINDIR")  # fmt: skip
    with streaming_replica.primary_and_standby(programs) as (primary, standby):
        standby.stop()
        primary.stop()
        for cluster in (primary, standby):
            cluster.configure("shared_preload_libraries = 'pg_stat_statements'", "max_connections = 200")
        primary.start()
        standby.start()
        pair = StreamingPair(Postgres(primary.url()), Postgres(standby.url()))
        pair.primary.connection.execute("CREATE EXTENSION pg_stat_statements")
        pair.wait_replayed()
        print(f"primary on port {primary.port}, streaming standby on port {standby.port}", flush=True)
        yield pair
