"""The benchmark harness works end to end, and its target verdicts are right.

The numbers themselves are not asserted (speed targets live in the benchmark's report); these
tests check that `python -m benchmarks.run` renders, seeds, serves, loads and reports, and
that a target is called met, missed or not measured for the right reasons.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from helpers import ROOT, run

from benchmarks.load import LoadResult
from benchmarks.records import BenchRun, Measurement, ServerRecord
from benchmarks.targets import NAIVE, RAW, evaluate


def load(rps: float, *, p99_ms: float = 10.0, errors: int = 0) -> LoadResult:
    return LoadResult(
        requests=int(rps * 10), duration_s=10.0, p50_ms=5.0, p99_ms=p99_ms, max_ms=p99_ms,
        non2xx=errors, socket_errors=0, timeouts=0,
    )  # fmt: skip


def bench_run(rows: list[tuple[str, str, int, LoadResult]]) -> BenchRun:
    kinds = {RAW: "raw", NAIVE: "naive"}
    names = dict.fromkeys(name for name, *_ in rows)
    return BenchRun(
        meta={},
        servers=[ServerRecord(name, kinds.get(name, "variant"), "postgresql") for name in names],
        measurements=[Measurement(name, workload, c, result, 0, 0) for name, workload, c, result in rows],
    )


def verdicts(run_: BenchRun) -> dict[str, bool | None]:
    return {target.description.split(" (")[0]: target.met for target in evaluate(run_)}


def test_targets_against_the_raw_baseline() -> None:
    fast = bench_run([(RAW, "get", 64, load(1000, p99_ms=20)), ("postgresql/async", "get", 64, load(450, p99_ms=50))])
    slow = bench_run([(RAW, "get", 64, load(1000, p99_ms=20)), ("postgresql/async", "get", 64, load(390, p99_ms=70))])

    assert verdicts(fast)["postgresql/async req/s >= 0.4x raw baseline"] is True
    assert verdicts(fast)["postgresql/async p99 <= 3.0x raw baseline"] is True
    assert verdicts(slow)["postgresql/async req/s >= 0.4x raw baseline"] is False
    assert verdicts(slow)["postgresql/async p99 <= 3.0x raw baseline"] is False


def test_targets_against_the_naive_pattern() -> None:
    key = "sqlite/sync >= 1.5x naive req/s on every workload, zero errors"
    naive_answers = [(NAIVE, "get", 16, load(100)), (NAIVE, "get", 64, load(100))]
    good = bench_run([*naive_answers, ("sqlite/sync", "get", 16, load(160)), ("sqlite/sync", "get", 64, load(300))])
    # 1.5x at c=64 is not enough when c=16 falls short.
    short = bench_run([*naive_answers, ("sqlite/sync", "get", 16, load(140)), ("sqlite/sync", "get", 64, load(300))])
    failing = ("sqlite/sync", "get", 64, load(300, errors=1))
    errors = bench_run([*naive_answers, ("sqlite/sync", "get", 16, load(160)), failing])
    # A naive server that answered nothing gives no ratio: not a win, not a loss.
    stuck = bench_run([(NAIVE, "get", 64, load(0)), ("sqlite/sync", "get", 64, load(300))])

    assert verdicts(good)[key] is True
    assert verdicts(short)[key] is False
    assert verdicts(errors)[key] is False
    assert verdicts(stuck)[key] is None


@pytest.mark.slow
def test_benchmark_command_reports(tmp_path: Path) -> None:
    """A tiny run on SQLite with the Python load client: no PostgreSQL, wrk or root needed."""
    result = run(
        [
            sys.executable, "-m", "benchmarks.run", "--servers", "sqlite/sync", "--workloads", "get,create",
            "--concurrency", "4", "--duration", "1", "--warmup", "0.5", "--rows", "200",
            "--load-tool", "python", "--results-dir", str(tmp_path),
        ],
        cwd=ROOT,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    reports = list(tmp_path.glob("*-full.md"))
    assert len(reports) == 1, list(tmp_path.iterdir())
    assert "| sqlite/sync | GET /items/{id} |" in reports[0].read_text()
    assert "| sqlite/sync | POST /items/ |" in result.stdout  # the table is printed too
    numbers = json.loads(reports[0].with_suffix(".json").read_text())
    runs = {m["workload"]: m for m in numbers["measurements"]}
    assert set(runs) == {"get", "create"}
    for measurement in runs.values():
        assert measurement["rps"] > 0
        assert measurement["errors"] == 0
        assert measurement["pool_checked_out"] == 0
