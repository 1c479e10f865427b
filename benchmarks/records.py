"""What a benchmark run measured, in a shape the report and the JSON dump share."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .load import LoadResult


@dataclass
class Measurement:
    server: str
    workload: str
    concurrency: int
    load: LoadResult
    pool_checked_out: int | None  # the server's pool after the run (None: could not be read)
    sessions_growth: int | None  # pg_stat_database.sessions after minus before (None: SQLite)
    server_cpu_s: float | None = None  # CPU time the server process used during the run

    @property
    def cpu_share(self) -> float | None:
        """Fraction of one core the server used: near 1.0 means CPU-bound, lower means waiting."""
        if self.server_cpu_s is None or not self.load.duration_s:
            return None
        return self.server_cpu_s / self.load.duration_s

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.server_cpu_s is None or not self.load.requests:
            return None
        return 1000 * self.server_cpu_s / self.load.requests

    @property
    def stuck(self) -> bool:
        """Answered nothing, or still held connections (or ignored the probe) 5 s after the load stopped."""
        return self.load.requests == 0 or self.pool_checked_out != 0

    @property
    def clean(self) -> bool:
        return self.load.errors == 0 and not self.stuck


@dataclass
class ServerRecord:
    name: str
    kind: str  # "variant" | "raw" | "naive"
    database: str
    pool: dict[str, Any] = field(default_factory=dict)  # /__bench/pool after startup
    startup_s: float = 0.0
    seed_s: float = 0.0
    sessions_growth: int | None = None  # over the server's whole life, startup included
    restarts: int = 0  # times the harness had to restart it because it was stuck

    @property
    def pool_capacity(self) -> int | None:
        """Most connections the pool may hold at once (size + overflow)."""
        if not self.pool:
            return None
        return int(self.pool["size"]) + int(self.pool["max_overflow"])


@dataclass
class BenchRun:
    meta: dict[str, Any]
    servers: list[ServerRecord] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)

    def server(self, name: str) -> ServerRecord | None:
        return next((server for server in self.servers if server.name == name), None)

    def find(self, server: str, workload: str, concurrency: int) -> Measurement | None:
        return next(
            (m for m in self.measurements if (m.server, m.workload, m.concurrency) == (server, workload, concurrency)),
            None,
        )

    def of_kind(self, kind: str) -> list[ServerRecord]:
        return [server for server in self.servers if server.kind == kind]

    def write_json(self, path: Path) -> None:
        data = {
            "meta": self.meta,
            "servers": [asdict(server) for server in self.servers],
            "measurements": [{**asdict(m), "rps": m.load.rps, "errors": m.load.errors} for m in self.measurements],
        }
        path.write_text(json.dumps(data, indent=2) + "\n")
