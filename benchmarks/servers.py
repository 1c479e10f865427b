"""Starting a server under uvicorn, waiting for it, probing its pool, and stopping it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.serving import free_port, wait_until_healthy

from . import POOL_PATH
from .load import pinned
from .variants import REPO_ROOT

# Variables that configure the rendered app or uvicorn; the harness sets the ones it means.
_CONFIG_PREFIXES = ("DATABASE_URL", "DB_", "THREAD_POOL_SIZE", "UVICORN_", "BENCH_", "MAX_BODY_SIZE", "CORS_")


@dataclass(frozen=True)
class ServerSpec:
    """One thing to benchmark: a rendered variant or one of the two comparison apps."""

    name: str  # row label in the report, e.g. "postgresql/async", "raw baseline"
    kind: str  # "variant" | "raw" | "naive"
    database: str  # "postgresql" | "sqlite"
    asgi_app: str  # uvicorn's import string
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)


def server_env(extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(_CONFIG_PREFIXES)}
    env.update(PYTHONPATH=str(REPO_ROOT), PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


class Server:
    def __init__(self, spec: ServerSpec, port: int, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.spec = spec
        self.base_url = f"http://127.0.0.1:{port}"
        self.process = process
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the server (and its workers, with --workers) has used so far; Linux only."""
        processes = [self.pid, *_children(self.pid)]
        times = [_cpu_seconds(pid) for pid in processes]
        return None if times[0] is None else sum(t for t in times if t is not None)

    def get_json(self, path: str, timeout: float = 5) -> Any:
        with urllib.request.urlopen(self.base_url + path, timeout=timeout) as response:  # noqa: S310 - loopback URL
            return json.loads(response.read())

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait_ready(self, timeout: float = 60) -> float:
        """Wait until /health answers 200; returns the seconds it took."""
        return wait_until_healthy(self.base_url, self.process, timeout, log=self.log_tail)

    def pool_status(self, timeout: float = 5) -> dict[str, Any]:
        return dict(self.get_json(POOL_PATH, timeout))

    def wait_pool_idle(self, timeout: float = 5) -> int | None:
        """Checked-out connections once in-flight requests have had ``timeout`` seconds to finish.

        None when the server did not answer the probe at all within ``timeout`` (it is stuck).
        """
        deadline = time.monotonic() + timeout
        checked_out: int | None = None
        while time.monotonic() < deadline:
            try:
                checked_out = int(self.pool_status(timeout=max(0.5, deadline - time.monotonic()))["checked_out"])
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                checked_out = None
            if checked_out == 0:
                break
            time.sleep(0.05)
        return checked_out

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (uvicorn shuts down gracefully, running the lifespan's cleanup), SIGKILL after ``timeout``."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one process, all threads (from /proc); None if unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _children(pid: int) -> list[int]:
    """The worker processes uvicorn --workers starts (Linux /proc); empty elsewhere."""
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(child) for task in tasks for child in (task / "children").read_text().split()]
    except OSError:
        return []


def start(spec: ServerSpec, log_dir: Path, cpus: str | None, uvicorn_args: list[str] | None = None) -> Server:
    """Run ``spec`` under uvicorn: one worker, no reload, no access log, optionally pinned to ``cpus``."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        spec.asgi_app,
        "--host=127.0.0.1",
        f"--port={port}",
        "--workers=1",
        "--no-access-log",
        "--log-level=warning",
        *(uvicorn_args or []),
    ]
    log_path = log_dir / f"{spec.name.replace('/', '-').replace(' ', '-')}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            pinned(command, cpus), cwd=spec.cwd, env=server_env(spec.env), stdout=log, stderr=subprocess.STDOUT
        )
    return Server(spec, port, process, log_path)
