"""A primary and a streaming standby of their own, made with initdb and pg_basebackup, for the replica tests.

They need PostgreSQL's server programs (the ``postgresql`` package of Debian and Ubuntu, which
GitHub's Ubuntu runners have installed): in ``PG_BINDIR``, else where ``pg_config --bindir``
says, else the newest ``/usr/lib/postgresql/<version>/bin``. As root they run as the
``postgres`` user (the server refuses to run as root).
"""

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROGRAMS = ("initdb", "pg_ctl", "pg_basebackup", "postgres")


def server_programs() -> Path | None:
    """The directory of PostgreSQL's server programs, or None."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    if shutil.which("pg_config"):
        result = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(result.stdout.strip())
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += [str(path) for path in sorted(versions, key=lambda path: int(path.parent.name), reverse=True)]
    for candidate in filter(None, candidates):
        if all((Path(candidate) / program).is_file() for program in PROGRAMS):
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port: int = server.getsockname()[1]
        return port


@dataclass
class Cluster:
    programs: Path
    directory: Path
    port: int

    def run(self, program: str, *arguments: str) -> None:
        result = self.attempt(program, *arguments)
        assert result.returncode == 0, f"{' '.join(map(str, result.args))} failed:\n{result.stdout}{result.stderr}"

    def attempt(self, program: str, *arguments: str) -> subprocess.CompletedProcess[str]:
        # The server refuses to run as root: then run its programs as the postgres user.
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        command = [*as_postgres, str(self.programs / program), *arguments]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    def is_running(self) -> bool:
        return self.attempt("pg_ctl", "--pgdata", str(self.directory), "status").returncode == 0

    def configure(self, *lines: str) -> None:
        with (self.directory / "postgresql.conf").open("a") as config:
            config.write("".join(f"{line}\n" for line in lines))

    def start(self) -> None:
        self.run("pg_ctl", "--pgdata", str(self.directory), "--log", f"{self.directory}.log", "--wait", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "--pgdata", str(self.directory), "--mode", mode, "--wait", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


@contextmanager
def primary_and_standby(programs: Path) -> Iterator[tuple[Cluster, Cluster]]:
    """A primary and a standby that streams from it, on free ports, both stopped and deleted at the end."""
    root = Path(tempfile.mkdtemp(prefix="replica-tests-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    primary = Cluster(programs, root / "primary", free_port())
    standby = Cluster(programs, root / "standby", free_port())
    started: list[Cluster] = []
    try:
        primary.run("initdb", "--pgdata", str(primary.directory), "--username", "postgres", "--auth", "trust")
        primary.configure(
            f"port = {primary.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{root}'",
            "fsync = off",  # a test cluster: its data may be lost with the machine
        )
        primary.start()
        started.append(primary)
        primary.run(
            "pg_basebackup",
            *("--pgdata", str(standby.directory), "--host", "127.0.0.1", "--port", str(primary.port)),
            *("--username", "postgres", "--write-recovery-conf", "--checkpoint", "fast"),
        )
        standby.configure(f"port = {standby.port}")
        standby.start()
        started.append(standby)
        yield primary, standby
    finally:
        for cluster in reversed(started):
            if cluster.is_running():
                cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
