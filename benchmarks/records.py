"""What a run measured, in the shape the report, the targets and the JSON dump share."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Measurement:
    """One wrk run against one server (latencies in milliseconds), and the checks made after it."""

    server: str
    workload: str
    concurrency: int
    requests: int
    duration_s: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int
    timeouts: int  # no answer within serving.REQUEST_TIMEOUT
    pool_checked_out: int | None  # after the run; None: the server did not answer the probe
    sessions_growth: int | None  # pg_stat_database.sessions after minus before (None: SQLite)
    server_cpu_s: float | None = None  # CPU time the server used during the run

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors + self.timeouts

    @property
    def stuck(self) -> bool:
        """Answered nothing, or still held connections (or ignored the probe) 5 s after the load stopped."""
        return self.requests == 0 or self.pool_checked_out != 0

    def value(self, metric: str) -> float | None:
        """``rps`` or ``p99_ms``; None when stuck, where there is nothing to compare."""
        return None if self.stuck else float(getattr(self, metric))

    @property
    def cpu_share(self) -> float | None:
        """Fraction of one core the server used: near 1.0 is CPU-bound, lower is waiting."""
        return None if self.server_cpu_s is None else self.server_cpu_s / self.duration_s

    @property
    def cpu_ms_per_request(self) -> float | None:
        return None if self.server_cpu_s is None or self.stuck else 1000 * self.server_cpu_s / self.requests


@dataclass
class ServerRecord:
    name: str
    role: str  # as in apps.App
    database: str
    about: str = ""
    minimal: str | None = None  # a variant's minimal hand-written app
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
        return next(server for server in self.servers if server.name == name)

    def find(self, server: str | None, workload: str, concurrency: int) -> Measurement | None:
        key = (server, workload, concurrency)
        return next((m for m in self.measurements if (m.server, m.workload, m.concurrency) == key), None)

    def write_json(self, path: Path) -> None:
        measurements = [{**asdict(m), "rps": m.rps, "errors": m.errors} for m in self.measurements]
        data = {"meta": self.meta, "servers": [asdict(s) for s in self.servers], "measurements": measurements}
        path.write_text(json.dumps(data, indent=2) + "\n")
