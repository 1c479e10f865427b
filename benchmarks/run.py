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
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
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
    git = ["git", "-C", str(args.template), "describe", "--always", "--dirty"]
    commit = subprocess.run(git, capture_output=True, text=True, check=False).stdout.strip() or "not a git checkout"
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout
    cpu = re.search(r"model name\s*: (.*)", Path("/proc/cpuinfo").read_text())
    pg = postgres.connection.info.parameter_status("server_version") if postgres else "-"
    overrides = [*(f"{k}={v}" for k, v in args.variant_env.items()), *args.uvicorn_arg]
    versions = {name: dist.version for name in VERSIONS if (dist := _distribution(name))}
    return {
        "mode": args.mode,
        "started": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        "template": f"{args.template.name} ({commit})",
        "load": f"{wrk_version.split(' Copyright')[0].strip()}, 1 thread, pinned to CPU {args.load_cpus}; "
        f"{args.duration:g} s runs after {args.warmup:g} s warm-up; c={', '.join(map(str, args.concurrency))}",
        "servers": f"uvicorn, 1 worker, no access log, pinned to CPU {args.server_cpus}; pool {args.pool_size}; "
        f"{args.rows:,} rows",
        "variant overrides": " ".join(overrides + (["through PgBouncer"] if args.pgbouncer else [])) or "none",
        "machine": f"{os.cpu_count()} CPUs, {cpu[1] if cpu else platform.processor()}; PostgreSQL {pg}",
        "load average at start": _load_average(),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()) + f", Python {platform.python_version()}",
    }


def _distribution(name: str) -> metadata.Distribution | None:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def _load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg()) + " (1 / 5 / 15 min)"


@dataclass
class Live:
    """A running server, and what is needed to start it again."""

    app: App
    cwd: Path
    url: str
    database: str | None  # PostgreSQL's name, for session counts
    record: ServerRecord
    server: Server


class Bench:
    """Serves apps in groups (a variant beside its minimal app) and measures them in turns.

    Within a group every workload and concurrency runs on each app in turn, so that the
    ratios between them compare runs seconds apart, not minutes, on a machine whose other
    load drifts.
    """

    def __init__(self, args: argparse.Namespace, postgres: Postgres | None, workdir: Path, run: BenchRun) -> None:
        self.args, self.postgres, self.workdir, self.run = args, postgres, workdir, run
        self.pg_port: int | None = None  # PgBouncer's, for the variants
        self.projects: dict[str, Path] = {}
        self.stamp = run.meta["started"].replace(" ", "-").replace(":", "")

    def group(self, apps: list[App]) -> None:
        with ExitStack() as stack:
            servers = [stack.enter_context(self.serving(app)) for app in apps]
            for workload in self.args.workloads:
                for c in self.args.concurrency:
                    for live in servers:
                        self.measure(live, workload, c)

    @contextmanager
    def serving(self, app: App) -> Iterator[Live]:
        """Seed the app's database, start it, warm it up; afterwards profile it if asked and stop it."""
        cwd = self.projects.get(app.name, REPO_ROOT)
        models = f"{cwd.name}.models" if app.answers else "benchmarks.handwritten"
        with ExitStack() as stack:
            if app.database == "sqlite":
                path, database = self.workdir / f"{app.label}.db", None
                seed_url, url = f"sqlite:///{path}", f"{app.scheme}:///{path}"
            else:
                assert self.postgres is not None
                database = stack.enter_context(self.postgres.database(app.label))
                seed_url = self.postgres.url(database, "postgresql+psycopg")
                url = self.postgres.url(database, app.scheme, self.pg_port if app.answers else None)
            record = ServerRecord(app.name, app.role, app.database, app.about, app.minimal)
            record.seed_s = seed(cwd, seed_url, url, models, self.args.rows)
            self.run.servers.append(record)
            first = self.sessions(database)
            live = Live(app, cwd, url, database, record, self.start(app, cwd, url))
            stack.callback(lambda: live.server.stop())
            record.pool = live.server.pool()
            print(f"== {app.name}: ready in {record.startup_s:.1f}s (seeded in {record.seed_s:.1f}s), {record.pool}")
            args = self.args
            wrk(live.server.base_url, "get", max(args.concurrency), args.warmup, args.rows, args.load_cpus)
            yield live
            if app.name in args.profile:
                self.profile(live)
            last = self.sessions(database)
            record.sessions_growth = None if first is None or last is None else last - first

    def start(self, app: App, cwd: Path, url: str) -> Server:
        env = {"BENCH_APP": app.target.format(package=cwd.name), "DATABASE_URL": url}
        env |= {"DB_POOL_SIZE": str(self.args.pool_size), **({"BENCH_FACTORY": "1"} if app.factory else {})}
        args = []
        if app.answers:  # a rendered project: no log line per request, like uvicorn's --no-access-log for every app
            env |= {
                "LOG_LEVEL": "WARNING",
                **self.args.variant_env,
                **({"DB_PGBOUNCER": "true"} if self.pg_port else {}),
            }
            args = self.args.uvicorn_arg
        log = self.workdir / f"{app.label}.log"
        server = Server("benchmarks.serve_app:app", cwd, env, log, self.args.server_cpus, args)
        startup_s = server.wait_ready()
        if record := self.run.server(app.name):
            record.startup_s = startup_s
        return server

    def sessions(self, database: str | None) -> int | None:
        return None if database is None or self.postgres is None else self.postgres.sessions(database)

    def measure(self, live: Live, workload: str, c: int) -> None:
        if live.server.wait_pool_idle() != 0:  # stuck in the warm-up or the last run: start it again
            print(f"  {live.app.name} is stuck: restarting it", flush=True)
            live.server.stop(timeout=3)
            live.server, live.record.restarts = self.start(live.app, live.cwd, live.url), live.record.restarts + 1
        server, args = live.server, self.args
        sessions, cpu = self.sessions(live.database), server.cpu_seconds()
        load = wrk(server.base_url, workload, c, args.duration, args.rows, args.load_cpus)
        cpu_after, checked_out = server.cpu_seconds(), server.wait_pool_idle()
        sessions_after = self.sessions(live.database)
        m = Measurement(live.app.name, workload, c, load, checked_out,
                        None if sessions is None or sessions_after is None else sessions_after - sessions,
                        None if cpu is None or cpu_after is None else cpu_after - cpu)  # fmt: skip
        self.run.measurements.append(m)
        print(
            f"  {live.app.name:<24} {WORKLOADS[workload]:<21} c={c:<3} {load.rps:>7,.0f} req/s  "
            f"p99 {load.p99_ms:7.1f} ms  errors {load.errors:<4} pool out {checked_out}  sessions "
            f"{'-' if m.sessions_growth is None else f'+{m.sessions_growth}'}  CPU "
            f"{'-' if m.cpu_ms_per_request is None else f'{m.cpu_ms_per_request:.2f}'} ms/req",
            flush=True,
        )

    def profile(self, live: Live) -> None:
        """One more, unreported GET /items/{id} run at c=64 while py-spy samples the server."""
        raw = self.args.results_dir / f"{self.stamp}-profile-{live.app.label}.txt"
        sampler = profiler.start(live.server.process.pid, self.args.duration, raw)
        if sampler is None:
            print("  py-spy is not installed: pip install -r requirements/bench.txt")
            return
        wrk(live.server.base_url, "get", 64, self.args.duration, self.args.rows, self.args.load_cpus)
        _, stderr = sampler.communicate(timeout=60)
        live.server.wait_pool_idle()
        if not raw.exists():
            print(f"  py-spy failed: {stderr.decode(errors='replace').strip()}")
            return
        summary = f"{live.app.name}, GET /items/{{id}}, c=64\n{profiler.summarize(raw, live.cwd)}\n"
        name = f"sample-profile-{live.app.label}.txt" if self.args.sample else f"{raw.stem}-summary.txt"
        raw.with_name(name).write_text(summary)
        print(summary)


def groups(apps: list[App]) -> list[list[App]]:
    """Each variant with its minimal app (when both run); every other app alone."""
    result: list[list[App]] = []
    for app in apps:
        if result and app.role in ("variant", "overhead") and result[-1][0].name == app.minimal:
            result[-1].append(app)
        else:
            result.append([app])
    return result


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
            if app.answers:
                bench.projects[app.name] = render(args.template, app, workdir / "render")
        print(f"rendered {', '.join(bench.projects)} in {time.monotonic() - started:.1f}s")
        for group in groups(apps):
            bench.group(group)
    run.meta["load average at end"] = _load_average()
    run.meta["wall time"] = f"{time.monotonic() - started:.0f} s"
    targets = evaluate(run)
    text = report.markdown(run, targets)
    base = args.results_dir / (f"sample-{args.mode}" if args.sample else f"{bench.stamp}-{args.mode}")
    base.with_suffix(".md").write_text(text)
    run.write_json(base.with_suffix(".json"))
    report.chart(run, base.with_suffix(".png"))
    if args.sample:
        where = f"{args.mode} run of {run.meta['started'][:10]}, `{os.path.relpath(base, REPO_ROOT)}.md`"
        summary = f"At c={report.headline(run)} ({where}):\n\n{report.summary(run)}"
        write_readme(README, summary, Path(os.path.relpath(base.with_suffix(".png"), REPO_ROOT)))
    print(f"\n{text}\nwrote {base}.md, .png and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
