"""Benchmark every rendered variant against a raw baseline and the naive tutorial pattern.

    python -m benchmarks.run            # full: c=1, 16, 64; 10 s per run (about 15 minutes)
    python -m benchmarks.run --quick    # c=64 only, 3 s per run (under 3 minutes)

Renders each variant from the template, seeds its database (PostgreSQL databases named
bench_*, dropped afterwards; SQLite files in a temporary directory), serves it with uvicorn
pinned to CPU 0, drives wrk (or the Python client) pinned to CPU 1, and writes a Markdown
report, a PNG chart and the raw numbers as JSON to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from . import profiler, report
from .databases import DEFAULT_ADMIN_URL, Postgres, postgres_database, seed
from .load import WORKLOADS, LoadTool, choose_tool
from .pgbouncer import pgbouncer
from .records import BenchRun, Measurement, ServerRecord
from .servers import Server, ServerSpec, start
from .targets import NAIVE, RAW, TARGET_CONCURRENCY, evaluate
from .variants import REPO_ROOT, Rendered, render, variants_of

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Plan:
    mode: str
    workloads: list[str]
    concurrencies: list[int]
    duration: float
    warmup: float
    rows: int
    pool_size: int
    servers: list[str]  # variant names, "raw", "naive"
    profile: list[str] = field(default_factory=list)
    variant_env: dict[str, str] = field(default_factory=dict)
    uvicorn_args: list[str] = field(default_factory=list)
    variant_pg_port: int | None = None  # e.g. a PgBouncer in front of the server
    pgbouncer: bool = False
    server_cpus: str = "0"
    load_cpus: str = "1"


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--template", type=Path, default=REPO_ROOT, help="template to render (default: this repo)")
    parser.add_argument("--quick", action="store_true", help="c=64 only, short runs: under 3 minutes")
    parser.add_argument("--duration", type=float, help="seconds per run (default 10, quick 3)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per server (default 3, quick 2)")
    parser.add_argument("--concurrency", type=_csv, help="comma-separated connection counts (default 1,16,64)")
    parser.add_argument("--workloads", type=_csv, default=list(WORKLOADS), help="from: " + ",".join(WORKLOADS))
    parser.add_argument(
        "--servers", type=_csv, help="comma-separated subset: variant names (e.g. postgresql/async), raw, naive"
    )
    parser.add_argument("--rows", type=int, default=10_000, help="items seeded into each database")
    parser.add_argument("--pool-size", type=int, default=10, help="DB_POOL_SIZE for the variants and the raw baseline")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_ADMIN_URL), help="admin URL")
    parser.add_argument("--load-tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--profile", type=_csv, default=[], help="servers to profile with py-spy in an extra GET /items/{id} run"
    )
    parser.add_argument(
        "--variant-env", action="append", default=[], metavar="KEY=VALUE", help="extra setting for the variants"
    )
    parser.add_argument(
        "--uvicorn-arg", action="append", default=[], metavar="ARG", help="extra uvicorn option for the variants"
    )
    parser.add_argument(
        "--variant-pg-port", type=int, help="variants reach PostgreSQL on this port instead (e.g. through PgBouncer)"
    )
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="variants reach PostgreSQL through a PgBouncer in transaction pooling mode (sets DB_PGBOUNCER=true)",
    )
    parser.add_argument("--server-cpus", default="0", help="taskset CPU list for the servers (default 0)")
    parser.add_argument("--load-cpus", default="1", help="taskset CPU list for the load generator (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the rendered projects and server logs")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed or a check fails")
    return parser.parse_args(argv)


def build_plan(args: argparse.Namespace, variant_names: list[str]) -> Plan:
    unknown = [name for name in args.workloads if name not in WORKLOADS]
    if unknown:
        raise SystemExit(f"unknown workloads: {unknown}; choose from {list(WORKLOADS)}")
    servers = args.servers or ["raw", *variant_names, "naive"]
    unknown = [name for name in servers + args.profile if name not in {"raw", "naive", *variant_names}]
    if unknown:
        raise SystemExit(f"unknown servers: {unknown}; choose from raw, naive, {', '.join(variant_names)}")
    quick = args.quick
    return Plan(
        mode="quick" if quick else "full",
        workloads=args.workloads,
        concurrencies=[int(c) for c in args.concurrency] if args.concurrency else ([64] if quick else [1, 16, 64]),
        duration=args.duration or (3.0 if quick else 10.0),
        warmup=args.warmup if args.warmup is not None else (2.0 if quick else 3.0),
        rows=args.rows,
        pool_size=args.pool_size,
        servers=[name for name in ["raw", *variant_names, "naive"] if name in servers],
        profile=args.profile,
        variant_env=dict(item.split("=", 1) for item in args.variant_env),
        uvicorn_args=args.uvicorn_arg,
        variant_pg_port=args.variant_pg_port,
        pgbouncer=args.pgbouncer,
        server_cpus=args.server_cpus,
        load_cpus=args.load_cpus,
    )


def describe(plan: Plan, tool: LoadTool, template: Path, postgres: Postgres | None) -> dict[str, Any]:
    """The run's settings and environment, printed at the top of the report."""

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "-"

    commit = subprocess.run(
        ["git", "-C", str(template), "describe", "--always", "--dirty"], capture_output=True, text=True, check=False
    ).stdout.strip()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    pg_version = postgres.connection.execute("SHOW server_version").fetchone()[0] if postgres else "-"
    tool_version = tool.name
    if tool.name == "wrk":
        tool_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout
        tool_version = tool_version.splitlines()[0].split(" Copyright")[0] if tool_version else "wrk"
    pinning = (
        f"server on CPU {plan.server_cpus}, load generator on CPU {plan.load_cpus} (taskset)"
        if shutil.which("taskset")
        else "none (taskset not found)"
    )
    return {
        "mode": plan.mode,
        "started": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        "template": f"{template} ({commit or 'not a git checkout'})",
        "load tool": f"{tool_version}, 1 thread, request timeout 5 s",
        "runs": f"{plan.duration:g} s each, after {plan.warmup:g} s warm-up per server; "
        f"concurrency {', '.join(map(str, plan.concurrencies))}; workloads {', '.join(plan.workloads)}",
        "server": "uvicorn, 1 worker, no reload, no access log (uvloop + httptools when installed)",
        "data": f"{plan.rows:,} seeded items per database; pool size {plan.pool_size} (variants, raw baseline)",
        "variant overrides": " ".join(
            [
                *(f"{k}={v}" for k, v in plan.variant_env.items()),
                *plan.uvicorn_args,
                *([f"PostgreSQL port {plan.variant_pg_port}"] if plan.variant_pg_port else []),
                *(["through PgBouncer (transaction pooling)"] if plan.pgbouncer else []),
            ]
        )
        or "none",
        "pinning": pinning,
        "machine": f"{os.cpu_count()} CPUs, {cpu}; PostgreSQL {pg_version}",
        "load average at start": _load_average(),
        "versions": ", ".join(
            f"{name} {version(name)}"
            for name in ("fastapi", "starlette", "pydantic", "sqlalchemy", "asyncpg", "psycopg", "uvicorn", "uvloop")
        )
        + f", Python {platform.python_version()}",
    }


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _load_average() -> str:
    """Other work on the machine skews the numbers; the report records how busy it was."""
    return " / ".join(f"{value:.2f}" for value in os.getloadavg()) + " (1 / 5 / 15 min)"


class Bench:
    """Runs the plan server by server, collecting measurements into ``self.run``."""

    def __init__(self, plan: Plan, tool: LoadTool, postgres: Postgres | None, workdir: Path, run: BenchRun) -> None:
        self.plan, self.tool, self.postgres, self.workdir, self.run = plan, tool, postgres, workdir, run
        self.stamp = run.meta["started"].replace(" ", "-").replace(":", "")

    def server(self, key: str, renders: dict[str, Rendered], results_dir: Path) -> None:
        project = renders[key] if key in renders else next(iter(renders.values()))
        database = project.variant.database if key in renders else "postgresql"
        label = key.replace("/", "_")
        if database == "postgresql":
            assert self.postgres is not None
            with postgres_database(self.postgres, label, project.project_dir, project.package, self.plan.rows) as (
                name,
                seed_s,
            ):
                self.serve_and_measure(key, project, database, name, seed_s, results_dir)
        else:
            path = self.workdir / f"{label}.db"
            seed_s = seed(project.project_dir, project.package, f"sqlite:///{path}", self.plan.rows)
            self.serve_and_measure(key, project, database, str(path), seed_s, results_dir)

    def spec(self, key: str, project: Rendered, database: str, target: str) -> ServerSpec:
        if database == "sqlite":
            url = f"sqlite:///{target}"
        else:
            assert self.postgres is not None
            url = self.postgres.url(target, "postgresql+psycopg" if key == "naive" else "postgresql")
        pool = {"DB_POOL_SIZE": str(self.plan.pool_size)}
        if key == "raw":
            return ServerSpec(
                RAW, "raw", database, "benchmarks.raw_app:app", self.workdir, {"DATABASE_URL": url, **pool}
            )
        if key == "naive":
            return ServerSpec(NAIVE, "naive", database, "benchmarks.naive_app:app", self.workdir, {"DATABASE_URL": url})
        if database == "postgresql" and self.plan.variant_pg_port:
            url = make_url(url).set(port=self.plan.variant_pg_port).render_as_string(hide_password=False)
        env = {"DATABASE_URL": url, **pool, "BENCH_APP": f"{project.package}.main:app", **self.plan.variant_env}
        return ServerSpec(key, "variant", database, "benchmarks.serve_app:app", project.project_dir, env)

    def sessions(self, database: str, target: str) -> int | None:
        if database != "postgresql" or self.postgres is None:
            return None
        return self.postgres.sessions(target)

    def serve_and_measure(
        self, key: str, project: Rendered, database: str, target: str, seed_s: float, results_dir: Path
    ) -> None:
        spec = self.spec(key, project, database, target)
        record = ServerRecord(spec.name, spec.kind, database, seed_s=seed_s)
        self.run.servers.append(record)
        first_sessions = self.sessions(database, target)
        uvicorn_args = self.plan.uvicorn_args if spec.kind == "variant" else []
        server = start(spec, self.workdir, self.plan.server_cpus, uvicorn_args)
        try:
            record.startup_s = server.wait_ready()
            record.pool = server.pool_status()
            print(f"\n== {spec.name}: ready in {record.startup_s:.1f}s (seeded in {seed_s:.1f}s), pool {record.pool}")
            if self.plan.warmup:
                warmup = (max(self.plan.concurrencies), self.plan.warmup, self.plan.rows, self.plan.load_cpus)
                self.tool.run(server.base_url, "get", *warmup)
                if server.wait_pool_idle() is None:
                    server = self.restart(server, record, "during the warm-up")
            for workload in self.plan.workloads:
                for concurrency in self.plan.concurrencies:
                    if self.measure(server, spec, database, target, workload, concurrency).stuck:
                        server = self.restart(server, record, "(see the run above)")
            if key in self.plan.profile:
                self.profile(server, project, results_dir)
            last_sessions = self.sessions(database, target)
        finally:
            server.stop()
        if first_sessions is not None and last_sessions is not None:
            record.sessions_growth = last_sessions - first_sessions

    def restart(self, server: Server, record: ServerRecord, when: str) -> Server:
        """A stuck server would spoil every later run: start it again on the same database."""
        print(f"  {server.spec.name} got stuck {when}: restarting it", flush=True)
        server.stop(timeout=3)
        uvicorn_args = self.plan.uvicorn_args if server.spec.kind == "variant" else []
        server = start(server.spec, self.workdir, self.plan.server_cpus, uvicorn_args)
        server.wait_ready()
        record.restarts += 1
        return server

    def measure(
        self, server: Server, spec: ServerSpec, database: str, target: str, workload: str, concurrency: int
    ) -> Measurement:
        before = self.sessions(database, target)
        cpu_before = server.cpu_seconds()
        load = self.tool.run(
            server.base_url, workload, concurrency, self.plan.duration, self.plan.rows, self.plan.load_cpus
        )
        cpu_after = server.cpu_seconds()
        checked_out = server.wait_pool_idle()
        after = self.sessions(database, target)
        growth = None if before is None or after is None else after - before
        cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
        measurement = Measurement(spec.name, workload, concurrency, load, checked_out, growth, cpu)
        self.run.measurements.append(measurement)
        print(
            f"  {WORKLOADS[workload].label:<22} c={concurrency:<3} {load.rps:>8,.0f} req/s  "
            f"p50 {load.p50_ms:7.1f} ms  p99 {load.p99_ms:7.1f} ms  errors {load.errors:<5} "
            f"pool out {checked_out}  sessions {'-' if growth is None else f'+{growth}'}  "
            f"server CPU {_percent(measurement.cpu_share)}, {_number(measurement.cpu_ms_per_request)} ms/req",
            flush=True,
        )
        return measurement

    def profile(self, server: Server, project: Rendered, results_dir: Path) -> None:
        """An extra, unreported GET /items/{id} run while py-spy samples the server."""
        name = server.spec.name.replace("/", "-").replace(" ", "-")
        raw = results_dir / f"{self.stamp}-profile-{name}.txt"
        concurrency = TARGET_CONCURRENCY if TARGET_CONCURRENCY in self.plan.concurrencies else 64
        sampler = profiler.start(server.pid, self.plan.duration, raw)
        if sampler is None:
            print("  (py-spy not installed: pip install -r requirements/bench.txt)")
            return
        self.tool.run(server.base_url, "get", concurrency, self.plan.duration, self.plan.rows, self.plan.load_cpus)
        _, stderr = sampler.communicate(timeout=60)
        server.wait_pool_idle()
        if not raw.exists():
            print(f"  py-spy failed: {stderr.decode(errors='replace').strip()}")
            return
        summary = profiler.summarize(raw, project.project_dir)
        summary_path = raw.with_name(raw.stem + "-summary.txt")
        summary_path.write_text(f"{server.spec.name}, GET /items/{{id}}, c={concurrency}\n{summary}\n")
        print(f"  profile (py-spy, c={concurrency}) -> {summary_path}\n{summary}")


def install_sigterm_handler() -> None:
    """Turn SIGTERM into SystemExit so that servers are stopped and databases dropped."""

    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    args = parse_args(argv)
    template = args.template.resolve()
    variants = variants_of(template)
    plan = build_plan(args, [variant.name for variant in variants])
    install_sigterm_handler()
    tool = choose_tool(args.load_tool)
    print(f"load tool: {tool.name}")
    results_dir: Path = args.results_dir
    results_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="items-bench-"))
    needs_postgres = any(key in {"raw", "naive"} or key.startswith("postgresql") for key in plan.servers)
    postgres = Postgres(args.pg_url) if needs_postgres else None
    cleanup = ExitStack()
    try:
        if postgres:
            postgres.drop_stale()
        if plan.pgbouncer:
            port = cleanup.enter_context(pgbouncer(args.pg_url, plan.pool_size))
            plan = replace(plan, variant_pg_port=port, variant_env={"DB_PGBOUNCER": "true", **plan.variant_env})
        wanted = [v for v in variants if v.name in plan.servers] or variants[:1]  # baselines need one for the schema
        renders = {variant.name: render(template, variant, workdir / "render") for variant in wanted}
        print(f"rendered {', '.join(renders)} from {template} in {time.monotonic() - started:.1f}s")
        run = BenchRun(describe(plan, tool, template, postgres))
        bench = Bench(plan, tool, postgres, workdir, run)
        for key in plan.servers:
            bench.server(key, renders, results_dir)
    finally:
        cleanup.close()
        if postgres:
            postgres.close()
        if args.keep:
            print(f"kept rendered projects and server logs in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    run.meta["load average at end"] = _load_average()
    run.meta["wall time"] = f"{time.monotonic() - started:.0f} s (rendering, seeding and server start-up included)"
    targets = evaluate(run)
    text = report.markdown(run, targets)
    base = results_dir / f"{bench.stamp}-{plan.mode}"
    base.with_suffix(".md").write_text(text)
    run.write_json(base.with_suffix(".json"))
    try:
        report.chart(run, base.with_suffix(".png"))
    except Exception as error:  # the tables matter more than the picture
        print(f"warning: could not draw the chart: {error!r}", file=sys.stderr)
    print("\n" + text)
    print(f"wrote {base}.md, .png and .json")
    failed = any(target.met is False for target in targets) or any(not m.clean for m in run.measurements)
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
