"""A throw-away PgBouncer in transaction pooling mode, between the variants and PostgreSQL.

    python -m benchmarks.run --pgbouncer --uvicorn-arg=--workers=2 ...

Writes its config into a temporary directory, listens on a free loopback port, trusts every
client (loopback only, like the server behind it) and forwards every database name to the
benchmark's PostgreSQL. Stopped and removed when the run ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from tools.serving import free_port

from .serving import require

CONFIG = """\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
logfile = {directory}/pgbouncer.log
pidfile = {directory}/pgbouncer.pid
"""


@contextmanager
def pgbouncer(admin_url: str, pool_size: int) -> Iterator[int]:
    """Run PgBouncer in front of ``admin_url``'s server; yields the port it listens on."""
    binary, url, port = require("pgbouncer", "pgbouncer"), make_url(admin_url), free_port()
    directory = Path(tempfile.mkdtemp(prefix="items-bench-pgbouncer-"))
    settings = {"host": url.host or "127.0.0.1", "port": url.port or 5432, "listen_port": port}
    (directory / "pgbouncer.ini").write_text(CONFIG.format(**settings, pool_size=pool_size, directory=directory))
    (directory / "userlist.txt").write_text(f'"{url.username or "postgres"}" ""\n')
    command = [binary, str(directory / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root: -u switches to the server's own account
        command[1:1] = ["-u", "postgres"]
        shutil.chown(directory, "postgres")
        directory.chmod(0o755)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            log = directory / "pgbouncer.log"
            raise SystemExit(f"pgbouncer did not start:\n{log.read_text()[-2000:] if log.exists() else ''}")
        print(f"pgbouncer: transaction pooling on 127.0.0.1:{port}, pool {pool_size}", flush=True)
        yield port
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(directory, ignore_errors=True)
