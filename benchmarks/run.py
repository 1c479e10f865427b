"""Benchmark every rendered variant beside its minimal hand-written app and the floors, in one run.

    python -m benchmarks.run            # c=1, 16, 64; 8 s per run (about 20 minutes)
    python -m benchmarks.run --quick    # c=16, 64; 3 s per run (about 5 minutes)
    python -m benchmarks.run --sample   # the same, written as the committed sample + README table

Renders each variant, seeds a database per server (PostgreSQL bench_*, dropped afterwards;
SQLite files in a temporary directory), serves it with uvicorn pinned to CPU 0, drives wrk
pinned to CPU 1, and writes a Markdown report, a chart and the numbers as JSON to results/.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime
from importlib import metadata
from pathlib import Path

from . import profiler, report
from .apps import App, all_apps, render
from .databases import DEFAULT_ADMIN_URL, Postgres, seed
from .pgbouncer import pgbouncer
from .records import BenchRun, Measurement, ServerRecord
from .serving import REPO_ROOT, WORKLOADS, Server, require, wrk
from .targets import evaluate

RESULTS_DIR = Path(__file__).resolve().parent / "results"
README = REPO_ROOT / "README.md"
README_MARKERS = ("<!-- benchmark summary: start -->", "<!-- benchmark summary: end -->")
VERSIONS = ("fastapi", "starlette", "pydantic", "sqlalchemy", "asyncpg", "psycopg", "uvicorn", "uvloop")


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--template", type=Path, default=REPO_ROOT, help="template to render (default: this repository)")
    p.add_argument("--quick", action="store_true", help="c=16 and 64, 3 s runs")
    p.add_argument("--sample", action="store_true", help="write results/sample-<mode>.* and the README's table")
    p.add_argument("--duration", type=float, help="seconds per run (default 8, quick 3)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up per server (default 3, quick 2)")
    p.add_argument("--concurrency", type=_csv, help="connection counts (default 1,16,64; quick 16,64)")
    p.add_argument("--workloads", type=_csv, default=["get", "list", "create"], help="from " + ",".join(WORKLOADS))
    p.add_argument("--servers", type=_csv, help="a subset, e.g. raw,'minimal postgresql/async',postgresql/async")
    p.add_argument("--rows", type=int, default=10_000, help="items seeded into each database")
    p.add_argument("--pool-size", type=int, default=10, help="DB_POOL_SIZE of every app")
    p.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_ADMIN_URL), help="admin URL")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    p.add_argument("--profile", type=_csv, default=[], help="servers to sample with py-spy in one more GET run")
    p.add_argument("--variant-env", action="append", default=[], metavar="KEY=VALUE", help="a variant setting")
    p.add_argument("--uvicorn-arg", action="append", default=[], metavar="ARG", help="a uvicorn option for variants")
    p.add_argument("--pgbouncer", action="store_true", help="variants reach PostgreSQL through a temporary PgBouncer")
    p.add_argument("--server-cpus", default="0", help="taskset CPU list for the servers")
    p.add_argument("--load-cpus", default="1", help="taskset CPU list for wrk")
    p.add_argument("--keep", action="store_true", help="keep the rendered projects and server logs")
    args = p.parse_args(argv)
    args.mode = "quick" if args.quick else "full"
    args.concurrency = [int(c) for c in args.concurrency or (["16", "64"] if args.quick else ["1", "16", "64"])]
    args.duration = args.duration or (3.0 if args.quick else 8.0)
    args.warmup = args.warmup if args.warmup is not None else (2.0 if args.quick else 3.0)
    args.variant_env = dict(item.split("=", 1) for item in args.variant_env)
    unknown = set(args.workloads) - set(WORKLOADS)
    if unknown:
        p.error(f"unknown workloads {sorted(unknown)}; choose from {list(WORKLOADS)}")
    return args


def describe(args: argparse.Namespace, postgres: Postgres | None) -> dict[str, str]:
    """The run's settings and environment, printed at the top of the report."""

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "-"

    git = ["git", "-C", str(args.template), "describe", "--always", "--dirty"]
    commit = subprocess.run(git, capture_output=True, text=True, check=False).stdout.strip()
    wrk_version = subprocess.run([require("wrk", "wrk"), "--version"], capture_output=True, text=True, check=False)
    cpu = re.search(r"model name\s*: (.*)", Path("/proc/cpuinfo").read_text())
    overrides = [*(f"{k}={v}" for k, v in args.variant_env.items()), *args.uvicorn_arg]
    return {
        "mode": args.mode,
        "started": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        "template": f"{args.template.name or args.template} ({commit or 'not a git checkout'})",
        "load": f"{wrk_version.stdout.split(' Copyright')[0].strip()}, 1 thread, pinned to CPU {args.load_cpus}; "
        f"{args.duration:g} s runs after {args.warmup:g} s warm-up; c={', '.join(map(str, args.concurrency))}",
        "servers": f"uvicorn, 1 worker, no access log, pinned to CPU {args.server_cpus}; pool {args.pool_size}; "
        f"{args.rows:,} rows",
        "variant overrides": " ".join(overrides + (["through PgBouncer"] if args.pgbouncer else [])) or "none",
        "machine": f"{os.cpu_count()} CPUs, {cpu[1] if cpu else platform.processor()}; PostgreSQL "
        + (postgres.connection.execute("SHOW server_version").fetchone()[0] if postgres else "-"),
        "load average at start": _load_average(),
        "versions": ", ".join(f"{n} {version(n)}" for n in VERSIONS) + f", Python {platform.python_version()}",
    }


def _load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg()) + " (1 / 5 / 15 min)"


class Bench:
    """Serves each app in turn on its own seeded database and measures every workload and concurrency."""

    def __init__(self, args: argparse.Namespace, postgres: Postgres | None, workdir: Path, run: BenchRun) -> None:
        self.args, self.postgres, self.workdir, self.run = args, postgres, workdir, run
        self.pg_port: int | None = None  # PgBouncer's, for the variants
        self.projects: dict[str, Path] = {}
        self.stamp = run.meta["started"].replace(" ", "-").replace(":", "")

    def serve(self, app: App) -> None:
        cwd = self.projects.get(app.name, REPO_ROOT)
        models = f"{cwd.name}.models" if app.role == "variant" else "benchmarks.handwritten"
        if app.database == "sqlite":
            path = self.workdir / f"{app.label}.db"
            seed_s = seed(cwd, f"sqlite:///{path}", models, self.args.rows)
            self.measure_all(app, cwd, seed_s, f"{app.scheme}:///{path}", None)
            return
        assert self.postgres is not None
        with self.postgres.database(app.label) as name:
            seed_s = seed(cwd, self.postgres.url(name, "postgresql+psycopg"), models, self.args.rows)
            port = self.pg_port if app.role == "variant" else None
            self.measure_all(app, cwd, seed_s, self.postgres.url(name, app.scheme, port), name)

    def start(self, app: App, cwd: Path, url: str) -> Server:
        target = app.target.format(package=cwd.name)
        env = {"BENCH_APP": target, "DATABASE_URL": url, "DB_POOL_SIZE": str(self.args.pool_size)}
        env |= {"BENCH_FACTORY": "1"} if app.factory else {}
        args = []
        if app.role == "variant":
            env |= {**self.args.variant_env, **({"DB_PGBOUNCER": "true"} if self.pg_port else {})}
            args = self.args.uvicorn_arg
        log = self.workdir / f"{app.label}.log"
        server = Server("benchmarks.serve_app:app", cwd, env, log, self.args.server_cpus, args)
        server.wait_ready()
        return server

    def sessions(self, database: str | None) -> int | None:
        return None if database is None or self.postgres is None else self.postgres.sessions(database)

    def measure_all(self, app: App, cwd: Path, seed_s: float, url: str, database: str | None) -> None:
        record = ServerRecord(app.name, app.role, app.database, app.about, app.minimal, seed_s=seed_s)
        self.run.servers.append(record)
        first = self.sessions(database)
        started = time.monotonic()
        server = self.start(app, cwd, url)
        try:
            record.startup_s, record.pool = time.monotonic() - started, server.pool()
            print(f"\n== {app.name}: ready in {record.startup_s:.1f}s (seeded in {seed_s:.1f}s), pool {record.pool}")
            args = self.args
            wrk(server.base_url, "get", max(args.concurrency), args.warmup, args.rows, args.load_cpus)
            for workload in args.workloads:
                for c in args.concurrency:
                    if server.wait_pool_idle() != 0:  # stuck in the warm-up or the last run: start it again
                        print(f"  {app.name} is stuck: restarting it", flush=True)
                        server.stop(timeout=3)
                        server, record.restarts = self.start(app, cwd, url), record.restarts + 1
                    self.measure(server, app, database, workload, c)
            if app.name in args.profile:
                self.profile(server, app, cwd)
            last = self.sessions(database)
        finally:
            server.stop()
        record.sessions_growth = None if first is None or last is None else last - first

    def measure(self, server: Server, app: App, database: str | None, workload: str, c: int) -> Measurement:
        sessions, cpu = self.sessions(database), server.cpu_seconds()
        load = wrk(server.base_url, workload, c, self.args.duration, self.args.rows, self.args.load_cpus)
        cpu_after, checked_out, sessions_after = server.cpu_seconds(), server.wait_pool_idle(), self.sessions(database)
        m = Measurement(app.name, workload, c, load, checked_out,
                        None if sessions is None or sessions_after is None else sessions_after - sessions,
                        None if cpu is None or cpu_after is None else cpu_after - cpu)  # fmt: skip
        self.run.measurements.append(m)
        print(
            f"  {WORKLOADS[workload]:<21} c={c:<3} {load.rps:>7,.0f} req/s  p50 {load.p50_ms:6.1f} ms  "
            f"p99 {load.p99_ms:7.1f} ms  errors {load.errors:<4} pool out {checked_out}  sessions "
            f"{'-' if m.sessions_growth is None else f'+{m.sessions_growth}'}  CPU "
            f"{'-' if m.cpu_ms_per_request is None else f'{m.cpu_ms_per_request:.2f}'} ms/req",
            flush=True,
        )
        return m

    def profile(self, server: Server, app: App, cwd: Path) -> None:
        """One more, unreported GET /items/{id} run at c=64 while py-spy samples the server."""
        raw = self.args.results_dir / f"{self.stamp}-profile-{app.label}.txt"
        sampler = profiler.start(server.process.pid, self.args.duration, raw)
        if sampler is None:
            print("  py-spy is not installed: pip install -r requirements/bench.txt")
            return
        wrk(server.base_url, "get", 64, self.args.duration, self.args.rows, self.args.load_cpus)
        _, stderr = sampler.communicate(timeout=60)
        server.wait_pool_idle()
        if not raw.exists():
            print(f"  py-spy failed: {stderr.decode(errors='replace').strip()}")
            return
        summary = f"{app.name}, GET /items/{{id}}, c=64\n{profiler.summarize(raw, cwd)}\n"
        raw.with_name(raw.stem + "-summary.txt").write_text(summary)
        print(summary)


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
    args.template = args.template.resolve()
    require("wrk", "wrk")
    apps = [app for app in all_apps(args.template) if args.servers is None or app.name in args.servers]
    if not apps:
        raise SystemExit(f"no such servers: {args.servers}; choose from {[a.name for a in all_apps(args.template)]}")
    signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))  # stop servers, drop databases
    args.results_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="items-bench-"))
    postgres = Postgres(args.pg_url) if any(app.database == "postgresql" for app in apps) else None
    with ExitStack() as cleanup:
        if args.keep:
            print(f"keeping the rendered projects and server logs in {workdir}")
        else:
            cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        if postgres:
            cleanup.callback(postgres.connection.close)
            postgres.drop_stale()
        run = BenchRun(describe(args, postgres))
        bench = Bench(args, postgres, workdir, run)
        if args.pgbouncer:
            bench.pg_port = cleanup.enter_context(pgbouncer(args.pg_url, args.pool_size))
        for app in apps:
            if app.role == "variant":
                bench.projects[app.name] = render(args.template, app, workdir / "render")
        print(f"rendered {', '.join(bench.projects)} in {time.monotonic() - started:.1f}s")
        for app in apps:
            bench.serve(app)
    run.meta["load average at end"] = _load_average()
    run.meta["wall time"] = f"{time.monotonic() - started:.0f} s"
    targets = evaluate(run)
    text = report.markdown(run, targets)
    base = args.results_dir / (f"sample-{args.mode}" if args.sample else f"{bench.stamp}-{args.mode}")
    base.with_suffix(".md").write_text(text)
    run.write_json(base.with_suffix(".json"))
    report.chart(run, base.with_suffix(".png"))
    if args.sample:
        where = f"{args.mode} run of {run.meta['started'][:10]}, `{base.relative_to(REPO_ROOT)}.md`"
        summary = f"At c={report.headline(run)} ({where}):\n\n{report.summary(run)}"
        write_readme(README, summary, base.with_suffix(".png").relative_to(REPO_ROOT))
    print(f"\n{text}\nwrote {base}.md, .png and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
