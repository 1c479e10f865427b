"""The benchmark harness works end to end, and its target verdicts are right.

The numbers themselves are not asserted (the benchmark's report evaluates the targets); these
tests check that each variant is paired with its minimal app, that a target is called met,
missed or not measured for the right reasons and with the right margin, that a missing wrk
is one line saying how to install it, and that `python -m benchmarks.run` serves, loads and reports,
also the replica rows with the share of reads their standby served.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT, run

from benchmarks.apps import AUTH_VARIANT, RAW, REPLICA_VARIANT, TWO_WORKERS, WITH_AUTH, WITH_REPLICA, App, all_apps
from benchmarks.run import README_MARKERS, write_readme
from benchmarks.serving import BenchRun, Measurement, ServerRecord
from benchmarks.targets import Target, evaluate

VARIANT, MINIMAL = "postgresql/async", "minimal postgresql/async"


def load(rps: float, *, p99_ms: float = 10.0, errors: int = 0) -> dict[str, Any]:
    """wrk's figures for a 10 s run at ``rps``."""
    return {"requests": int(rps * 10), "duration_s": 10.0, "rps": rps, "p50_ms": 5.0, "p99_ms": p99_ms,
            "errors": errors, "non2xx": errors, "timeouts": 0}  # fmt: skip


def measurement(server: str, workload: str, c: int, figures: dict[str, Any]) -> Measurement:
    return Measurement(server, workload, c, **figures, pool_checked_out=0, sessions_growth=0)


def bench_run(rows: list[tuple[str, str, int, dict[str, Any]]]) -> BenchRun:
    servers = [
        ServerRecord(App(RAW, "floor", "postgresql", "benchmarks.handwritten:raw", "postgresql")),
        ServerRecord(App(MINIMAL, "minimal", "postgresql", "benchmarks.handwritten:minimal_async", "postgresql")),
        ServerRecord(App(VARIANT, "variant", "postgresql", "{package}.main:app", "postgresql", minimal=MINIMAL),
                     pool={"size": 10, "max_overflow": 0}),
    ]  # fmt: skip
    measurements = [measurement(*row) for row in rows]
    return BenchRun(meta={}, servers=servers, measurements=measurements)


def target(run_: BenchRun, starts: str) -> Target:
    return next(t for t in evaluate(run_) if t.description.startswith(starts))


READS = f"{VARIANT} req/s >= 1.0x {MINIMAL} on GET by id and list"


def reads(variant_rps: float, *, minimal_rps: float = 1000, minimal_requests: int | None = None) -> BenchRun:
    minimal = load(minimal_rps)
    if minimal_requests is not None:
        minimal["requests"] = minimal_requests
    rows = []
    for workload in ("get", "list"):
        for c in (16, 64):
            rows += [(MINIMAL, workload, c, minimal), (VARIANT, workload, c, load(1100))]
    rows[-1] = (VARIANT, "list", 64, load(variant_rps))  # the one run that decides
    return bench_run(rows)


def test_every_variant_is_compared_with_the_minimal_app_of_its_mode_and_database() -> None:
    apps = {app.name: app for app in all_apps(ROOT)}
    variants = [app for app in apps.values() if app.role == "variant"]

    assert len(variants) == 4
    for variant in variants:
        minimal = apps[variant.minimal or ""]
        assert (minimal.role, minimal.database) == ("minimal", variant.database)
        assert minimal.target.endswith(dict(variant.answers)["session_mode"])
    assert {RAW, "fastapi+asyncpg", "naive tutorial"} <= set(apps)


def test_the_replica_row_is_served_beside_the_same_render_on_the_primary_only() -> None:
    apps = {app.name: app for app in all_apps(ROOT)}
    single, replica = apps[REPLICA_VARIANT + TWO_WORKERS], apps[REPLICA_VARIANT + WITH_REPLICA]

    assert (single.standby, replica.standby) == ("idle", "reads")
    assert single.answers == replica.answers == apps[REPLICA_VARIANT].answers
    assert single.workers == replica.workers == 2
    assert replica.baseline == single.name
    assert replica.group == single.group  # served together, measured in turns


def test_the_auth_row_is_the_same_render_with_auth_served_beside_it() -> None:
    apps = {app.name: app for app in all_apps(ROOT)}
    without, with_auth = apps[AUTH_VARIANT], apps[AUTH_VARIANT + WITH_AUTH]

    assert dict(with_auth.answers) == {**dict(without.answers), "auth": "jwt"}
    assert (with_auth.auth, without.auth) == (True, False)
    assert with_auth.baseline == without.name
    assert with_auth.group == without.group  # served together, measured in turns


def test_replica_share_is_the_standbys_part_of_the_runs_reads() -> None:
    m = measurement(VARIANT, "get", 16, load(100))
    assert m.replica_share is None  # not a replica row

    m.primary_reads, m.replica_reads = 250, 750
    assert m.replica_share == 0.75
    m.primary_reads, m.replica_reads = 0, 0
    assert m.replica_share is None  # no reads: no share


def test_reads_target_is_met_at_the_minimal_apps_speed_and_missed_below_it_with_the_margin() -> None:
    met, missed = target(reads(1000), READS), target(reads(900), READS)

    assert met.met is True
    assert met.evidence.startswith("worst 1.00x: met by 0%")
    assert missed.met is False
    assert missed.evidence.startswith("worst 0.90x: missed by 10%")
    assert "GET /items/?limit=20 c=64 0.90x" in missed.evidence


def test_a_stuck_minimal_app_gives_no_ratio_and_a_stuck_variant_is_a_miss() -> None:
    rows = [(MINIMAL, "get", 64, load(0)), (VARIANT, "get", 64, load(500))]
    assert target(bench_run(rows), READS).met is None

    rows = [(MINIMAL, "get", 64, load(500)), (VARIANT, "get", 64, load(0))]
    verdict = target(bench_run(rows), READS)
    assert verdict.met is False
    assert "stuck" in verdict.evidence


def test_get_p99_target_and_the_raw_target() -> None:
    rows = [(MINIMAL, "get", 16, load(1000, p99_ms=20)), (VARIANT, "get", 16, load(1000, p99_ms=22)),
            (RAW, "get", 64, load(1000)), (VARIANT, "get", 64, load(199))]  # fmt: skip
    run_ = bench_run(rows)

    assert target(run_, f"{VARIANT} GET p99").met is False
    assert "worst 1.10x: missed by 10%" in target(run_, f"{VARIANT} GET p99").evidence
    assert target(run_, f"{VARIANT} req/s >= 0.2x raw").met is False
    run_.measurements[-1] = measurement(VARIANT, "get", 64, load(200))
    assert target(run_, f"{VARIANT} req/s >= 0.2x raw").met is True


def test_errors_and_churn_targets() -> None:
    run_ = bench_run([(VARIANT, "get", 64, load(500, errors=3))])
    run_.servers[2].sessions_growth = 11

    assert target(run_, f"{VARIANT}: 0 errors").met is False
    assert target(run_, f"{VARIANT}: no connection churn").met is False
    run_.servers[2].sessions_growth = 10
    assert target(run_, f"{VARIANT}: no connection churn").met is True


def test_readme_table_is_replaced_between_its_markers(tmp_path: Path) -> None:
    start, end = README_MARKERS
    assert start in (ROOT / "README.md").read_text()
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{start}\nold table\n{end}\n\n## Next\n")

    write_readme(readme, "| new | table |", Path("benchmarks/results/sample-full.png"))

    text = readme.read_text()
    assert "old table" not in text
    assert f"{start}\n| new | table |\n\n![" in text
    assert text.startswith("# Title\n")
    assert text.endswith(f"{end}\n\n## Next\n")


def test_missing_wrk_is_one_line_saying_how_to_install_it(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # Python is called by its path; no wrk on PATH
    result = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick", "--results-dir", str(tmp_path)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)  # fmt: skip

    assert result.returncode == 1
    assert result.stderr == "wrk is not installed: apt-get update && apt-get install -y wrk\n"


def benchmark(results: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m benchmarks.run`` with ``args``: one-second runs on 200 rows, results in ``results``."""
    command = [sys.executable, "-m", "benchmarks.run", *args, "--duration", "1", "--rows", "200",
               "--results-dir", str(results)]  # fmt: skip
    result = run(command, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed: make bench-deps")
def test_benchmark_command_reports(tmp_path: Path) -> None:
    """A tiny run on SQLite: a variant beside its minimal app, no PostgreSQL needed."""
    result = benchmark(tmp_path, "--servers", "minimal sqlite/sync,sqlite/sync", "--workloads", "get,create",
                       "--concurrency", "4,16", "--warmup", "0.5")  # fmt: skip

    report = next(tmp_path.glob("*-full.md")).read_text()
    assert "| **sqlite/sync** (rendered) |" in report
    assert "sqlite/sync req/s >= 1.0x minimal sqlite/sync on GET by id and list" in report
    assert "| sqlite/sync | POST /items/ | 16 |" in result.stdout  # the report is printed too
    numbers = json.loads(next(tmp_path.glob("*-full.json")).read_text())
    assert {(m["server"], m["workload"], m["concurrency"]) for m in numbers["measurements"]} == {
        (server, workload, c) for server in ("minimal sqlite/sync", "sqlite/sync")
        for workload in ("get", "create") for c in (4, 16)
    }  # fmt: skip
    for m in numbers["measurements"]:
        assert m["rps"] > 0
        assert m["errors"] == 0
        assert m["pool_checked_out"] == 0


def has_server_programs() -> bool:
    return bool(os.environ.get("PG_BINDIR")) or any(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed: make bench-deps")
@pytest.mark.skipif(not has_server_programs(), reason="no PostgreSQL server programs for the primary and standby")
def test_replica_rows_report_the_share_of_reads_the_standby_served(tmp_path: Path) -> None:
    """The quick mode's replica rows, end to end: a primary and a standby of the harness's own, the render served
    with 2 workers on the primary alone and with DATABASE_REPLICA_URL, the same GET load on both."""
    single, replica = REPLICA_VARIANT + TWO_WORKERS, REPLICA_VARIANT + WITH_REPLICA
    benchmark(tmp_path, "--quick", "--servers", f"{single},{replica}", "--workloads", "get", "--concurrency", "16",
              "--warmup", "1")  # fmt: skip

    report = next(tmp_path.glob("*-quick.md")).read_text()
    assert "## Read replica" in report
    assert f"| {replica} | GET /items/{{id}} | 16 |" in report.split("## Read replica")[1]
    numbers = json.loads(next(tmp_path.glob("*-quick.json")).read_text())
    runs = {m["server"]: m for m in numbers["measurements"]}
    assert set(runs) == {single, replica}
    for m in runs.values():
        assert m["rps"] > 0
        assert m["errors"] == 0
    assert runs[single]["replica_reads"] == 0
    assert runs[single]["primary_reads"] > 0
    assert runs[replica]["replica_reads"] > 0, runs[replica]  # reads reached the standby
    share = runs[replica]["replica_reads"] / (runs[replica]["replica_reads"] + runs[replica]["primary_reads"])
    assert share > 0, runs[replica]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed: make bench-deps")
def test_auth_row_sends_the_bearer_token_and_reports_its_cost(tmp_path: Path) -> None:
    """The quick mode's auth row beside the same render without auth, end to end: the user made by the render's
    users command owns the seeded items, and every request of every workload carries its access token (without it
    each is a 401, and one that is not theirs a 404: both non-2xx)."""
    with_auth = AUTH_VARIANT + WITH_AUTH
    benchmark(tmp_path, "--quick", "--servers", f"{AUTH_VARIANT},{with_auth}", "--workloads", "get,list,create",
              "--concurrency", "16", "--warmup", "0.5")  # fmt: skip

    report = next(tmp_path.glob("*-quick.md")).read_text()
    assert f"| {with_auth} | GET /items/{{id}} | 16 |" in report.split("## Authentication")[1]
    assert f"[x] met: {with_auth}: 0 errors" in report
    numbers = json.loads(next(tmp_path.glob("*-quick.json")).read_text())
    runs = {(m["server"], m["workload"]): m for m in numbers["measurements"]}
    assert set(runs) == {(server, workload) for server in (AUTH_VARIANT, with_auth)
                         for workload in ("get", "list", "create")}  # fmt: skip
    for key, m in runs.items():
        assert m["rps"] > 0, key
        assert (m["errors"], m["non2xx"]) == (0, 0), (key, m)
