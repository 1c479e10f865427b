"""One app under load: serving it with uvicorn, loading it with wrk, probing its pool and CPU time, sampling it
with py-spy; and the records of what a run measured."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tools.serving import free_port

from .apps import App

REPO_ROOT = Path(__file__).resolve().parent.parent
POOL_PATH = "/__bench/pool"  # served by serve_app: the app's checked-out connections
SERVER_CPUS, LOAD_CPUS = "0", "1"  # taskset CPU lists (util-linux): the server on one core, wrk on the other
REQUEST_TIMEOUT = 5  # seconds before wrk counts a request as timed out
WORKLOADS = {"get": "GET /items/{id}", "list": "GET /items/?limit=20", "create": "POST /items/",
             "mix": "90/10 read/write"}  # fmt: skip
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::\d+)?\)$")  # py-spy's "function (path/file.py:123)"
_LIBRARY_ROOT = re.compile(r"site-packages/|/lib/python3\.\d+/")
# Settings of the apps and uvicorn: the harness passes the ones it means, none from the shell.
_CONFIG_PREFIXES = ("DATABASE_URL", "DB_", "THREAD_POOL_SIZE", "UVICORN_", "BENCH_", "MAX_BODY_SIZE", "CORS_",
                    "SECRET_KEY", "ACCESS_TOKEN_", "AUTH_")  # fmt: skip


def require(command: str, package: str) -> str:
    """The path of ``command`` (also in /usr/sbin, where Debian puts daemons), or exit saying how to install it."""
    found = shutil.which(command, path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/sbin")
    if found is None:
        raise SystemExit(f"{command} is not installed: apt-get update && apt-get install -y {package}")
    return found


def wrk(base_url: str, workload: str, connections: int, duration: float, max_id: int,
        token: str | None = None) -> dict[str, Any]:  # fmt: skip
    """One closed-loop wrk run (one thread) of ``workload``, every request with ``token`` as its bearer token if
    given: its figures, named as Measurement's fields."""
    command = ["taskset", "-c", LOAD_CPUS, require("wrk", "wrk"), "--threads=1", f"--connections={connections}",
               f"--duration={max(1, round(duration))}s", f"--timeout={REQUEST_TIMEOUT}s",
               f"--script={Path(__file__).parent / 'workload.lua'}", base_url, "--", workload, str(max_id),
               *([token] if token else [])]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_RESULT "):  # printed by workload.lua
            r = json.loads(line.removeprefix("WRK_RESULT "))
            duration_s = r["duration_us"] / 1e6
            errors = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
            return {"requests": r["requests"], "duration_s": duration_s, "rps": r["requests"] / duration_s,
                    "p50_ms": r["p50_us"] / 1e3, "p99_ms": r["p99_us"] / 1e3, "errors": errors,
                    "non2xx": r["non2xx"], "timeouts": r["timeout"]}  # fmt: skip
    raise RuntimeError(f"wrk printed no result (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")


class Server:
    """One app under uvicorn through serve_app (which adds the pool probe): its workers (one but for the replica
    rows), no access log, pinned."""

    def __init__(self, app: App, cwd: Path, env: dict[str, str], log: Path) -> None:
        self.app, self.cwd, self.log = app, cwd, log
        clean = {key: value for key, value in os.environ.items() if not key.startswith(_CONFIG_PREFIXES)}
        self.env = {**clean, "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1", **env}
        self.token: str | None = None  # an auth row's access token, sent with every request wrk makes

    def start(self) -> float:
        """Start uvicorn; seconds until the pool probe answered (uvicorn answers once the app's lifespan started)."""
        started, port = time.monotonic(), free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        command = ["taskset", "-c", SERVER_CPUS, sys.executable, "-m", "uvicorn", "benchmarks.serve_app:app",
                   f"--port={port}", "--host=127.0.0.1", f"--workers={self.app.workers}", "--no-access-log",
                   "--log-level=warning"]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, cwd=self.cwd, env=self.env, stdout=out, stderr=out)
        if self.wait_pool_idle(timeout=60) != 0:
            self.stop()
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
            raise RuntimeError(f"{self.app.name} did not start (exit {self.process.returncode}):\n{tail}")
        return time.monotonic() - started

    def pool(self, timeout: float = 5) -> dict[str, Any]:
        with urllib.request.urlopen(self.base_url + POOL_PATH, timeout=timeout) as response:  # noqa: S310 - loopback
            return dict(json.loads(response.read()))

    def wait_pool_idle(self, timeout: float = 5) -> int | None:
        """Connections still checked out once in-flight requests had ``timeout`` s; None: no answer (stuck).

        With several workers each probe reaches one of them: it waits for a 0 from each (until ``timeout``: the
        kernel may keep handing the probes to the same one)."""
        deadline, idle = time.monotonic() + timeout, set()
        while True:
            try:
                answer = self.pool(max(0.5, deadline - time.monotonic()))
                checked_out: int | None = int(answer["checked_out"])
            except OSError:  # refused, reset or timed out (URLError is an OSError)
                checked_out, answer = None, {}
            if checked_out == 0:
                idle.add(answer.get("pid"))
            all_idle = checked_out == 0 and len(idle) >= self.app.workers
            if all_idle or self.process.poll() is not None or time.monotonic() > deadline:
                return checked_out
            time.sleep(0.05)

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server so far, all its threads and worker processes (Linux /proc);
        None once it is gone."""
        total, pids = 0, [self.process.pid]
        try:
            while pids:
                pid = pids.pop()
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime + stime
                pids += Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return None
        return total / os.sysconf("SC_CLK_TCK")

    def profile(self, duration: float, rows: int, raw: Path, sample: bool) -> None:
        """One more GET /items/{id} run at c=64 under py-spy (raw stacks into ``raw``); prints and saves a summary."""
        found = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
        if found is None:
            print("  py-spy is not installed: pip install -r requirements/bench.txt")
            return
        # --gil: only the thread holding the GIL, where Python spends CPU, in sync and async servers alike;
        # --subprocesses: with several workers, they serve, not the process that started them.
        command = [found, "record", f"--pid={self.process.pid}", f"--duration={max(1, round(duration))}", "--rate=250",
                   "--format=raw", "--full-filenames", "--nonblocking", "--gil", f"--output={raw}",
                   *(["--subprocesses"] if self.app.workers > 1 else [])]  # fmt: skip
        sampler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wrk(self.base_url, "get", 64, duration, rows, self.token)
        _, stderr = sampler.communicate(timeout=60)
        self.wait_pool_idle()
        if not raw.exists():
            print(f"  py-spy failed: {stderr.decode(errors='replace').strip()}")
            return
        summary = f"{self.app.name}, GET /items/{{id}}, c=64\n{summarize(raw, self.cwd)}\n"
        name = f"sample-profile-{self.app.label}.txt" if sample else f"{raw.stem}-summary.txt"
        raw.with_name(name).write_text(summary)
        print(summary)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (uvicorn runs the lifespan's cleanup), SIGKILL after ``timeout``."""
        self.process.terminate()  # nothing if it has exited
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


def _area(file: str, project_dir: Path) -> str:
    """The library (or part of the app) a source file belongs to."""
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if file.startswith(str(project_dir)):
        return "the app"
    stdlib = re.split(r"/lib/python3\.\d+/", file, maxsplit=1)
    return f"stdlib {stdlib[1].split('/', 1)[0].removesuffix('.py')}" if len(stdlib) == 2 else file or "native"


def _short(function: str, file: str) -> str:
    return f"{function} ({_LIBRARY_ROOT.split(file)[-1]})"


def summarize(raw: Path, project_dir: Path, top: int = 15) -> str:
    """Self time by library and by function, and inclusive time by function."""
    tables = {"Self time by library": Counter[str](), "Self time by function": Counter[str](),
              "Inclusive time by function": Counter[str]()}  # fmt: skip
    by_library, by_function, inclusive = tables.values()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [(m["function"], m["file"]) for m in map(_FRAME.match, stack.split(";")) if m]
        if frames and count.isdigit():
            by_library[_area(frames[-1][1], project_dir)] += int(count)
            by_function[_short(*frames[-1])] += int(count)
            inclusive.update(dict.fromkeys({_short(*frame) for frame in frames}, int(count)))
    total = by_library.total()
    if not total:
        return "no samples (py-spy needs ptrace permission to attach)"
    lines = [f"{total} samples of the thread holding the GIL"]
    for title, counter in tables.items():
        lines += [f"{title}:", *(f"  {100 * n / total:5.1f}%  {name}" for name, n in counter.most_common(top))]
    return "\n".join(lines)


@dataclass
class Measurement:
    """One wrk run against one server (latencies in milliseconds), and the checks made after it."""

    server: str
    workload: str
    concurrency: int
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx responses, socket errors and timeouts
    non2xx: int  # of which non-2xx responses (an auth row's 401s: a request without its token)
    timeouts: int  # no answer within REQUEST_TIMEOUT
    pool_checked_out: int | None  # after the run; None: the server did not answer the probe
    sessions_growth: int | None  # pg_stat_database.sessions after minus before (None: SQLite)
    server_cpu_s: float | None = None  # CPU time the server used during the run
    # The replica rows: SELECTs of items that the primary and the standby executed during the run
    primary_reads: int | None = None
    replica_reads: int | None = None

    @property
    def replica_share(self) -> float | None:
        """The share of the run's reads that the standby served (None: not a replica row, or no reads)."""
        if self.primary_reads is None or self.replica_reads is None or not self.primary_reads + self.replica_reads:
            return None
        return self.replica_reads / (self.primary_reads + self.replica_reads)

    @property
    def stuck(self) -> bool:
        """Answered nothing, or still held connections (or ignored the probe) 5 s after the load stopped."""
        return self.requests == 0 or self.pool_checked_out != 0

    def value(self, metric: str) -> float | None:
        """``rps`` or ``p99_ms``; None when stuck, where there is nothing to compare."""
        return None if self.stuck else float(getattr(self, metric))


@dataclass
class ServerRecord:
    app: App
    pool: dict[str, Any] = field(default_factory=dict)  # the pool probe after start-up
    startup_s: float = 0.0
    seed_s: float = 0.0
    sessions_growth: int | None = None  # over the server's whole life, start-up included
    restarts: int = 0  # times it was stuck and restarted


@dataclass
class BenchRun:
    meta: dict[str, Any]
    servers: list[ServerRecord] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)

    def server(self, name: str) -> ServerRecord:
        return next(server for server in self.servers if server.app.name == name)

    def find(self, server: str | None, workload: str, concurrency: int) -> Measurement | None:
        key = (server, workload, concurrency)
        return next((m for m in self.measurements if (m.server, m.workload, m.concurrency) == key), None)

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
