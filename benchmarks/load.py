"""Load generation: wrk with a Lua script, or the Python client in pyload.py when wrk is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
LUA_SCRIPT = HERE / "lua" / "workload.lua"
PYLOAD_SCRIPT = HERE / "pyload.py"

# Seconds before a single request counts as timed out.
REQUEST_TIMEOUT = 5


@dataclass(frozen=True)
class Workload:
    name: str  # the name wrk's Lua script and pyload.py know it by
    label: str  # how the report shows it


WORKLOADS = {
    workload.name: workload
    for workload in (
        Workload("get", "GET /items/{id}"),
        Workload("list", "GET /items/?limit=20"),
        Workload("create", "POST /items/"),
        Workload("mix", "90/10 read/write"),
    )
}


@dataclass
class LoadResult:
    """What one load run measured; latencies in milliseconds."""

    requests: int
    duration_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    socket_errors: int
    timeouts: int

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors + self.timeouts

    @classmethod
    def from_report(cls, report: dict[str, int]) -> LoadResult:
        """Build from the JSON both load tools print (microseconds, wrk's error categories)."""
        return cls(
            requests=report["requests"],
            duration_s=report["duration_us"] / 1e6,
            p50_ms=report["p50_us"] / 1e3,
            p99_ms=report["p99_us"] / 1e3,
            max_ms=report["max_us"] / 1e3,
            non2xx=report["non2xx"],
            socket_errors=report["connect"] + report["read"] + report["write"],
            timeouts=report["timeout"],
        )


def pinned(command: list[str], cpus: str | None) -> list[str]:
    """Prefix ``command`` with ``taskset -c cpus`` (e.g. "1" or "0,1") when asked and available."""
    if not cpus or shutil.which("taskset") is None:
        return command
    return ["taskset", "-c", cpus, *command]


class LoadTool:
    """Drives one workload against a base URL for a bounded time with a fixed connection count."""

    name = "?"

    def command(self, base_url: str, workload: str, connections: int, duration: float, max_id: int) -> list[str]:
        raise NotImplementedError

    def run(
        self, base_url: str, workload: str, connections: int, duration: float, max_id: int, cpus: str | None
    ) -> LoadResult:
        command = pinned(self.command(base_url, workload, connections, duration, max_id), cpus)
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 60 + REQUEST_TIMEOUT, check=False
        )
        for line in completed.stdout.splitlines():
            if line.startswith("WRK_RESULT "):
                return LoadResult.from_report(json.loads(line.removeprefix("WRK_RESULT ")))
        raise RuntimeError(
            f"{self.name} printed no result (exit {completed.returncode}):\n{completed.stdout}\n{completed.stderr}"
        )


class Wrk(LoadTool):
    name = "wrk"

    def __init__(self, executable: str) -> None:
        self.executable = executable

    def command(self, base_url: str, workload: str, connections: int, duration: float, max_id: int) -> list[str]:
        return [
            self.executable,
            "--threads=1",
            f"--connections={connections}",
            f"--duration={max(1, round(duration))}s",
            f"--timeout={REQUEST_TIMEOUT}s",
            f"--script={LUA_SCRIPT}",
            base_url,
            "--",
            workload,
            str(max_id),
        ]


class PythonClient(LoadTool):
    name = "python (benchmarks/pyload.py, asyncio keep-alive client)"

    def command(self, base_url: str, workload: str, connections: int, duration: float, max_id: int) -> list[str]:
        return [
            sys.executable,
            str(PYLOAD_SCRIPT),
            base_url,
            workload,
            f"--connections={connections}",
            f"--duration={duration}",
            f"--max-id={max_id}",
            f"--timeout={REQUEST_TIMEOUT}",
        ]


def find_command(name: str) -> str | None:
    """The path of a command, also in /usr/sbin (where Debian puts daemons such as pgbouncer)."""
    return shutil.which(name, path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/sbin")


def apt_install(package: str) -> str | None:
    """Install a command from Debian's packages when running as root; returns its path or None."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None
    print(f"{package} is missing; installing it with apt-get (running as root)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        if subprocess.run(command, env=env, capture_output=True, check=False, timeout=600).returncode:
            return None
    return find_command(package)


def choose_tool(preference: str) -> LoadTool:
    """``auto``: wrk, installed if missing and possible, else the Python client."""
    if preference == "python":
        return PythonClient()
    executable = find_command("wrk") or apt_install("wrk")
    if executable:
        return Wrk(executable)
    if preference == "wrk":
        raise SystemExit("wrk is not installed and could not be installed (needs root and apt-get)")
    print("wrk is not available: falling back to the Python load client (lower ceiling)", flush=True)
    return PythonClient()
