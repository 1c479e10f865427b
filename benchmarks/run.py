"""Benchmark every rendered variant beside its minimal hand-written app and the floors, in one run.

    python -m benchmarks.run            # c=1, 16, 64; 8 s per run (about 20 minutes)
    python -m benchmarks.run --quick    # c=16, 64; 3 s per run (about 5 minutes)
    python -m benchmarks.run --sample   # the same, written as the committed sample + README table

Serves every app on CPU 0 with its own seeded database, drives it with wrk on CPU 1, and writes a
Markdown report, a chart and the numbers as JSON to results/. PostgreSQL: $BENCH_PG_URL, by default
postgresql://postgres@127.0.0.1:5432/postgres (see benchmarks/README.md).
"""

import argparse
import itertools
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from . import auth, report, serving
from .apps import App, all_apps, render
from .databases import Postgres, StreamingPair, pgbouncer, seed, streaming_pair
from .serving import REPO_ROOT, WORKLOADS, BenchRun, Measurement, Server, ServerRecord, wrk
from .targets import evaluate

README_MARKERS = ("<!-- benchmark summary: start -->", "<!-- benchmark summary: end -->")
Number = TypeVar("Number", int, float)
VERSIONS = ("fastapi", "starlette", "pydantic", "sqlalchemy", "asyncpg", "psycopg", "uvicorn", "uvloop")


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--quick", action="store_true", help="c=16 and 64, 3 s runs")
    p.add_argument("--sample", action="store_true", help="write results/sample-<mode>.* and the README's table")
    p.add_argument("--duration", type=float, help="seconds per run (default 8, quick 3)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up per server (default 3, quick 2)")
    p.add_argument("--concurrency", type=_csv, help="connection counts (default 1,16,64; quick 16,64)")
    p.add_argument("--workloads", type=_csv, default=["get", "list", "create"], help="from " + ",".join(WORKLOADS))
    p.add_argument("--servers", type=_csv, help="a subset, e.g. raw,'minimal postgresql/async',postgresql/async")
    p.add_argument("--rows", type=int, default=10_000, help="items seeded into each database")
    p.add_argument("--pool-size", type=int, default=10, help="DB_POOL_SIZE of every app")
    p.add_argument("--results-dir", type=Path, default=Path(__file__).resolve().parent / "results")
    p.add_argument("--profile", type=_csv, default=[], help="servers to sample with py-spy in one more GET run")
    p.add_argument("--pgbouncer", action="store_true", help="variants reach PostgreSQL through a temporary PgBouncer")
    p.add_argument("--keep", action="store_true", help="keep the rendered projects and server logs")
    args = p.parse_args(argv)
    args.mode = "quick" if args.quick else "full"
    args.concurrency = [int(c) for c in args.concurrency or (["16", "64"] if args.quick else ["1", "16", "64"])]
    args.duration = args.duration or (3.0 if args.quick else 8.0)
    args.warmup = args.warmup if args.warmup is not None else (2.0 if args.quick else 3.0)
    if unknown := set(args.workloads) - set(WORKLOADS):
        p.error(f"unknown workloads {sorted(unknown)}; choose from {list(WORKLOADS)}")
    return args


def describe(args: argparse.Namespace, postgres: Postgres | None) -> dict[str, str]:
    """The run's settings and environment, printed at the top of the report."""
    git = subprocess.run(["git", "-C", REPO_ROOT, "describe", "--always", "--dirty"], capture_output=True, text=True)
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split(" Copyright")[0]
    cpu = re.search(r"model name\s*: (.*)", Path("/proc/cpuinfo").read_text())
    pg = postgres.connection.info.parameter_status("server_version") if postgres else "-"
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in VERSIONS)
    return {
        "mode": args.mode, "started": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        "template": f"{REPO_ROOT.name} ({git.stdout.strip() or 'not a git checkout'})",
        "load": f"{wrk_version.strip()}, 1 thread, pinned to CPU {serving.LOAD_CPUS}; {args.duration:g} s runs after "
                f"{args.warmup:g} s warm-up; c={', '.join(map(str, args.concurrency))}",
        "servers": f"uvicorn, 1 worker (the replica rows 2), no access log, pinned to CPU {serving.SERVER_CPUS}; "
                   f"pool {args.pool_size}; "
                   f"{args.rows:,} rows" + ("; variants through PgBouncer" if args.pgbouncer else ""),
        "machine": f"{os.cpu_count()} CPUs, {cpu[1] if cpu else platform.processor()}; PostgreSQL {pg}",
        "load average at start": load_average(), "versions": f"{versions}, Python {platform.python_version()}",
    }  # fmt: skip


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg()) + " (1 / 5 / 15 min)"


def _change(before: Number | None, after: Number | None) -> Number | None:
    return None if before is None or after is None else after - before


class Bench:
    """Serves the apps, each with its own database, and measures them into ``run``."""

    def __init__(self, args: argparse.Namespace, postgres: Postgres | None, pg_port: int | None, workdir: Path,
                 cleanup: ExitStack) -> None:  # fmt: skip
        self.args, self.postgres, self.pg_port, self.workdir = args, postgres, pg_port, workdir
        self.cleanup = cleanup  # what lives until the run ends
        self.pair: StreamingPair | None = None  # started for the first replica row
        self.run = BenchRun(describe(args, postgres))
        self.stamp = self.run.meta["started"].replace(" ", "-").replace(":", "")  # for file names

    def server_of(self, app: App) -> Postgres | None:
        """The PostgreSQL that holds the app's database (None: SQLite)."""
        if app.database != "postgresql":
            return None
        return self.pair.primary if app.standby and self.pair else self.postgres

    @contextmanager
    def serving(self, app: App) -> Iterator[Server]:
        """Render (a variant) and seed the app, start it, warm it up; afterwards profile it if asked and stop it."""
        args = self.args
        project = render(REPO_ROOT, app, self.workdir / "render") if app.answers else None
        record = ServerRecord(app)
        self.run.servers.append(record)
        if app.standby and self.pair is None and project:
            self.pair = self.cleanup.enter_context(streaming_pair(project))
        postgres = self.server_of(app)
        pg_port = None if app.standby else self.pg_port  # PgBouncer is in front of PG_URL's server only
        with ExitStack() as stack:
            if postgres:
                stack.enter_context(postgres.database(app.label))
                seed_url = postgres.url(app.label, "postgresql+psycopg")
                url = postgres.url(app.label, app.scheme, pg_port if project else None)
            else:
                path = self.workdir / f"{app.label}.db"
                seed_url, url = f"sqlite:///{path}", f"{app.scheme}:///{path}"
            settings = {"DATABASE_URL": url, **(auth.SETTINGS if app.auth else {})}  # also its migrations'
            owner = partial(auth.create_user, project, url) if project and app.auth else None
            record.seed_s = seed(project, seed_url, settings, args.rows, owner)
            first = self.sessions(app)
            env = {"BENCH_APP": app.target.format(package=project and project.name), **settings,
                   "DB_POOL_SIZE": str(args.pool_size), "BENCH_FACTORY": "1" if app.factory else ""}  # fmt: skip
            if project:  # no log line per request, like uvicorn's --no-access-log for every app
                env |= {"LOG_LEVEL": "WARNING", "DB_PGBOUNCER": "true" if pg_port else "false"}
            if self.pair and app.standby == "reads":
                self.pair.wait_replayed()  # the seeded rows are on the standby before its first read
                env["DATABASE_REPLICA_URL"] = self.pair.standby.url(app.label, app.scheme)
            server = Server(app, project or REPO_ROOT, env, self.workdir / f"{app.label}.log")
            record.startup_s = server.start()
            stack.callback(server.stop)
            if app.auth:
                server.token = auth.access_token(server.base_url)
            record.pool = server.pool()
            print(f"== {app.name}: ready in {record.startup_s:.1f}s, seeded in {record.seed_s:.1f}s; {record.pool}")
            wrk(server.base_url, "get", max(args.concurrency), args.warmup, args.rows, server.token)
            yield server
            if app.name in args.profile:
                raw = args.results_dir / f"{self.stamp}-profile-{app.label}.txt"
                server.profile(args.duration, args.rows, raw, sample=args.sample)
            record.sessions_growth = _change(first, self.sessions(app))

    def sessions(self, app: App) -> int | None:
        """Connections ever made to the app's PostgreSQL database (None: SQLite)."""
        postgres = self.server_of(app)
        return postgres.sessions(app.label) if postgres else None

    def reads(self, app: App) -> tuple[int, int] | None:
        """SELECTs of items so far on the primary and on the standby (None: not on the harness's pair)."""
        return self.pair.reads(app.label) if self.pair and app.standby else None

    def measure(self, server: Server, workload: str, c: int) -> None:
        name, args = server.app.name, self.args
        if server.wait_pool_idle() != 0:  # stuck in the warm-up or the last run: start it again
            print(f"  {name} is stuck: restarting it", flush=True)
            server.stop(timeout=3)
            server.start()
            self.run.server(name).restarts += 1
        sessions, cpu, reads = self.sessions(server.app), server.cpu_seconds(), self.reads(server.app)
        figures = wrk(server.base_url, workload, c, args.duration, args.rows, server.token)
        cpu_after, checked_out = server.cpu_seconds(), server.wait_pool_idle()
        growth = _change(sessions, self.sessions(server.app))
        m = Measurement(name, workload, c, **figures, pool_checked_out=checked_out, sessions_growth=growth,
                        server_cpu_s=_change(cpu, cpu_after))  # fmt: skip
        if reads is not None and (reads_after := self.reads(server.app)) is not None:
            m.primary_reads = reads_after[0] - reads[0]
            m.replica_reads = reads_after[1] - reads[1]
        self.run.measurements.append(m)
        print("  " + " | ".join(report.run_row(self.run, m)), flush=True)
        if m.replica_share is not None:
            print(f"  reads: {m.primary_reads} on the primary, {m.replica_reads} on the replica", flush=True)


def write_readme(readme: Path, summary: str, chart: Path) -> None:
    """Replace the text between the README's markers with ``summary`` and the chart."""
    start, end = README_MARKERS
    text = readme.read_text()
    if start not in text or end not in text:
        raise SystemExit(f"{readme} has no {start} ... {end} section")
    new = f"{start}\n{summary}\n\n![req/s and p99 of every app]({chart})\n{end}"
    readme.write_text(re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: new, text, flags=re.S))


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    args = parse_args(argv)
    serving.require("wrk", "wrk")
    apps = [app for app in all_apps(REPO_ROOT) if args.servers is None or app.name in args.servers]
    if not apps:
        raise SystemExit(f"no such servers: {args.servers}; choose from {[a.name for a in all_apps(REPO_ROOT)]}")
    signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))  # stop servers, drop databases
    args.results_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="items-bench-"))
    postgres = Postgres() if any(app.database == "postgresql" and not app.standby for app in apps) else None
    with ExitStack() as cleanup:
        if args.keep:
            print(f"keeping the rendered projects and server logs in {workdir}")
        else:
            cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        pg_port = cleanup.enter_context(pgbouncer(args.pool_size)) if args.pgbouncer else None
        bench = Bench(args, postgres, pg_port, workdir, cleanup)
        # A variant (and its row without metrics) is served beside its minimal app and they are measured in turns,
        # so that their ratios compare runs seconds apart, not minutes, on a machine whose other load drifts.
        for _, group in itertools.groupby(apps, key=lambda app: app.group):
            with ExitStack() as stack:
                servers = [stack.enter_context(bench.serving(app)) for app in group]
                for workload, c, server in itertools.product(args.workloads, args.concurrency, servers):
                    bench.measure(server, workload, c)
    run = bench.run
    run.meta["load average at end"] = load_average()
    run.meta["wall time"] = f"{time.monotonic() - started:.0f} s"
    text = report.markdown(run, evaluate(run))
    base = args.results_dir / (f"sample-{args.mode}" if args.sample else f"{bench.stamp}-{args.mode}")
    base.with_suffix(".md").write_text(text)
    run.write_json(base.with_suffix(".json"))
    report.chart(run, base.with_suffix(".png"))
    if args.sample:
        where = f"{args.mode} run of {run.meta['started'][:10]}, `{os.path.relpath(base, REPO_ROOT)}.md`"
        summary = f"At c={report.headline(run)} ({where}):\n\n{report.summary(run)}"
        write_readme(REPO_ROOT / "README.md", summary, Path(os.path.relpath(base.with_suffix(".png"), REPO_ROOT)))
    print(f"\n{text}\nwrote {base}.md, .png and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
