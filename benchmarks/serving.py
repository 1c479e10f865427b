"""Serving one app under uvicorn and loading it with wrk: start, probe, measure CPU, stop."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.serving import free_port, wait_until_healthy

from . import POOL_PATH

REPO_ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path(__file__).resolve().parent / "workload.lua"
REQUEST_TIMEOUT = 5  # seconds before wrk counts a request as timed out
WORKLOADS = {
    "get": "GET /items/{id}",
    "list": "GET /items/?limit=20",
    "create": "POST /items/",
    "mix": "90/10 read/write",
}
# Settings of the apps and uvicorn: the harness passes the ones it means, none from the shell.
_CONFIG_PREFIXES = ("DATABASE_URL", "DB_", "THREAD_POOL_SIZE", "UVICORN_", "BENCH_", "MAX_BODY_SIZE", "CORS_")


def require(command: str, package: str) -> str:
    """The path of ``command`` (also in /usr/sbin, where Debian puts daemons), or exit saying how to install it."""
    found = shutil.which(command, path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/sbin")
    if found is None:
        raise SystemExit(f"{command} is not installed: apt-get update && apt-get install -y {package}")
    return found


def pinned(command: list[str], cpus: str | None) -> list[str]:
    """Prefix ``command`` with ``taskset -c cpus`` when asked and available."""
    return ["taskset", "-c", cpus, *command] if cpus and shutil.which("taskset") else command


@dataclass
class LoadResult:
    """What one wrk run measured; latencies in milliseconds."""

    requests: int
    duration_s: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int
    timeouts: int

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors + self.timeouts


def wrk(base_url: str, workload: str, connections: int, duration: float, max_id: int, cpus: str) -> LoadResult:
    """One closed-loop wrk run (one thread) of ``workload``; workload.lua prints the numbers as JSON."""
    command = [
        require("wrk", "wrk"), "--threads=1", f"--connections={connections}", f"--duration={max(1, round(duration))}s",
        f"--timeout={REQUEST_TIMEOUT}s", f"--script={LUA_SCRIPT}", base_url, "--", workload, str(max_id),
    ]  # fmt: skip
    done = subprocess.run(pinned(command, cpus), capture_output=True, text=True, timeout=duration + 60, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_RESULT "):
            r = json.loads(line.removeprefix("WRK_RESULT "))
            return LoadResult(
                r["requests"], r["duration_us"] / 1e6, r["p50_us"] / 1e3, r["p99_us"] / 1e3, r["non2xx"],
                r["connect"] + r["read"] + r["write"], r["timeout"],
            )  # fmt: skip
    raise RuntimeError(f"wrk printed no result (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")


class Server:
    """One app under uvicorn: one worker, no reload, no access log, optionally pinned to CPUs."""

    def __init__(self, target: str, cwd: Path, env: dict[str, str], log: Path, cpus: str, args: list[str]) -> None:
        self.log = log
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        command = [
            sys.executable, "-m", "uvicorn", target, "--host=127.0.0.1", f"--port={port}", "--workers=1",
            "--no-access-log", "--log-level=warning", *args,
        ]  # fmt: skip
        clean = {key: value for key, value in os.environ.items() if not key.startswith(_CONFIG_PREFIXES)}
        env = {**clean, "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1", **env}
        with log.open("ab") as out:
            self.process = subprocess.Popen(pinned(command, cpus), cwd=cwd, env=env, stdout=out, stderr=out)

    def wait_ready(self, timeout: float = 60) -> float:
        """Seconds until /health answered 200."""
        tail = lambda: "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])  # noqa: E731
        return wait_until_healthy(self.base_url, self.process, timeout, log=tail)

    def pool(self, timeout: float = 5) -> dict[str, Any]:
        with urllib.request.urlopen(self.base_url + POOL_PATH, timeout=timeout) as response:  # noqa: S310 - loopback
            return dict(json.loads(response.read()))

    def wait_pool_idle(self, timeout: float = 5) -> int | None:
        """Connections still checked out once in-flight requests had ``timeout`` s; None: no answer (stuck)."""
        deadline = time.monotonic() + timeout
        checked_out = None
        while time.monotonic() < deadline and checked_out != 0:
            try:
                checked_out = int(self.pool(max(0.5, deadline - time.monotonic()))["checked_out"])
            except OSError:  # refused, reset or timed out (URLError is an OSError)
                checked_out = None
            time.sleep(0.05 if checked_out else 0)
        return checked_out

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server and its worker processes so far (Linux /proc)."""
        try:
            tasks = Path(f"/proc/{self.process.pid}/task").iterdir()
            children = [int(c) for task in tasks for c in (task / "children").read_text().split()]
        except OSError:
            children = []
        times = [_cpu_seconds(pid) for pid in (self.process.pid, *children)]
        return None if times[0] is None else sum(t for t in times if t is not None)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (uvicorn runs the lifespan's cleanup), SIGKILL after ``timeout``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
