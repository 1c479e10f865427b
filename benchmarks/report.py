"""The report: a summary table (also the README's), the targets, every run with its checks, and a chart."""

from collections.abc import Iterable
from pathlib import Path

from .apps import RAW
from .serving import WORKLOADS, BenchRun, Measurement
from .targets import Target

NOTES = """\
- "/ minimal": req/s (or p99) over the variant's minimal hand-written app's, same workload and concurrency;
  "/ raw": over the Starlette + asyncpg app's (PostgreSQL only, so SQLite rows compare another database).
- errors: non-2xx responses, socket errors and timeouts (no answer within 5 s). "stuck": answered nothing,
  or still held connections 5 s after the run (a deadlock); the server is then restarted.
- "pool out after": connections still checked out after the run (should be 0). "pg sessions +": new
  PostgreSQL connections during the run (churn); the growth over a server's life (Servers) is the firm one.
- "server CPU": the server's CPU time over the run (100% = one core); "CPU ms/req": per request answered.
- wrk is closed-loop: latencies are service times at that concurrency. Only ratios within one run compare."""

REPLICA_NOTES = """\
Both rows: the same render, 2 uvicorn workers (pinned like every server), pool 10 per worker, their own
databases on one primary with a streaming standby (both the harness's own, from initdb and pg_basebackup),
measured in turns; only the "with replica" row has DATABASE_REPLICA_URL. Reads: SELECTs of items that each
server executed during the run (pg_stat_statements on each); replica share = on the replica / both."""


AUTH_NOTES = """\
The same render with auth=jwt, served beside the one without auth and measured in turns. Its items belong to
one user, made with the render's users command; every request carries that user's access token
(Authorization: Bearer, from POST /auth/token), so each is one JWT check and one more statement (the user)."""


def headline(run: BenchRun) -> int:
    concurrencies = {m.concurrency for m in run.measurements}
    return 64 if 64 in concurrencies else max(concurrencies, default=0)


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(cells) + " |" for cells in [head, *rows]]
    return "\n".join([lines[0], "|---" * len(head) + "|", *lines[1:]])


def _ratio(m: Measurement | None, reference: Measurement | None, metric: str = "rps") -> str:
    if m is None or reference is None or m is reference or m.stuck:
        return "-"
    mine, theirs = m.value(metric), reference.value(metric)
    return f"{mine / theirs:.2f}x" if mine is not None and theirs else "- (stuck)"


def _rps(m: Measurement | None) -> str:
    return "-" if m is None else ("stuck" if m.stuck else f"{m.rps:,.0f}")


def _cpu(m: Measurement | None) -> str:
    return "-" if m is None or m.stuck or m.server_cpu_s is None else f"{1000 * m.server_cpu_s / m.requests:.2f}"


def summary(run: BenchRun) -> str:
    """One row per server at the headline concurrency: req/s, CPU per request, ratios on GET by id."""
    c = headline(run)
    rows = []
    for app in (server.app for server in run.servers):
        get, listed, post = (run.find(app.name, workload, c) for workload in ("get", "list", "create"))
        minimal_get, minimal_list = (run.find(app.minimal, workload, c) for workload in ("get", "list"))
        name = f"**{app.name}** (rendered)" if app.role == "variant" else f"{app.name} ({app.about})"
        rows.append([name, _rps(get), _cpu(get), _rps(listed), _cpu(listed), _rps(post), _ratio(get, minimal_get),
                     _ratio(listed, minimal_list), _ratio(get, run.find(RAW, "get", c))])  # fmt: skip
    return _table(["app", "GET req/s", "CPU ms/req", "list req/s", "list CPU ms/req", "POST req/s",
                   "GET / minimal", "list / minimal", "GET / raw"], rows)  # fmt: skip


def run_row(run: BenchRun, m: Measurement) -> list[str]:
    """One run's cells in the "Every run" table (also the progress line)."""
    minimal = run.find(run.server(m.server).app.minimal, m.workload, m.concurrency)
    errors = "0" if not m.errors else f"**{m.errors}** ({m.non2xx} non-2xx, {m.timeouts} timeouts)"
    return [
        m.server, WORKLOADS[m.workload], str(m.concurrency), f"{m.rps:,.0f}", f"{m.p50_ms:.1f}", f"{m.p99_ms:.1f}",
        errors + (f" **stuck** ({m.requests} answered)" if m.stuck else ""), _ratio(m, minimal),
        _ratio(m, minimal, "p99_ms"), _ratio(m, run.find(RAW, m.workload, m.concurrency)),
        "-" if m.server_cpu_s is None else f"{m.server_cpu_s / m.duration_s:.0%}", _cpu(m),
        "no answer" if m.pool_checked_out is None else str(m.pool_checked_out),
        "-" if m.sessions_growth is None else f"+{m.sessions_growth}",
    ]  # fmt: skip


def _in_order(run: BenchRun, measurements: Iterable[Measurement]) -> list[Measurement]:
    """By workload (as WORKLOADS lists them), then concurrency, then server (as the run lists them)."""
    workloads, names = list(WORKLOADS), [server.app.name for server in run.servers]
    return sorted(measurements, key=lambda m: (workloads.index(m.workload), m.concurrency, names.index(m.server)))


def every_run(run: BenchRun) -> str:
    runs = _in_order(run, run.measurements)
    return _table(["server", "workload", "c", "req/s", "p50 ms", "p99 ms", "errors", "/ minimal", "p99 / minimal",
                   "/ raw", "server CPU", "CPU ms/req", "pool out after", "pg sessions +"],
                  [run_row(run, m) for m in runs])  # fmt: skip


def servers(run: BenchRun) -> str:
    rows = [[s.app.name, f"{s.pool.get('pool', '?')} ({s.pool.get('size')} + {s.pool.get('max_overflow')})",
             f"{s.startup_s:.1f}", f"{s.seed_s:.1f}", str(s.restarts),
             "-" if s.sessions_growth is None else f"+{s.sessions_growth}"] for s in run.servers]  # fmt: skip
    return _table(["server", "pool (size + overflow)", "startup s", "seed s", "restarts (stuck)",
                   "pg sessions growth"], rows)  # fmt: skip


def _share(m: Measurement) -> str:
    share = m.replica_share
    return "-" if share is None else f"{share:.0%}"


def replica(run: BenchRun) -> str:
    """The rows served on the harness's primary and standby, each beside its single-database row."""
    runs = _in_order(run, (m for m in run.measurements if run.server(m.server).app.standby))
    rows = []
    for m in runs:
        baseline = run.find(run.server(m.server).app.baseline, m.workload, m.concurrency)
        rows.append([m.server, WORKLOADS[m.workload], str(m.concurrency), _rps(m), f"{m.p99_ms:.1f}",
                     _ratio(m, baseline), str(m.errors), str(m.primary_reads), str(m.replica_reads),
                     _share(m)])  # fmt: skip
    return _table(["server", "workload", "c", "req/s", "p99 ms", "/ single database", "errors", "reads on primary",
                   "reads on replica", "replica share"], rows)  # fmt: skip


def auth(run: BenchRun) -> str:
    """Each auth row's runs beside its render without auth, measured in the same turns."""
    runs = _in_order(run, (m for m in run.measurements if run.server(m.server).app.auth))
    rows = []
    for m in runs:
        without = run.find(run.server(m.server).app.baseline, m.workload, m.concurrency)
        rows.append([m.server, WORKLOADS[m.workload], str(m.concurrency), _rps(without),
                     "-" if without is None else f"{without.p99_ms:.1f}", _cpu(without), _rps(m), f"{m.p99_ms:.1f}",
                     _cpu(m), _ratio(m, without), _ratio(m, without, "p99_ms"), str(m.errors),
                     str(m.non2xx)])  # fmt: skip
    return _table(["server", "workload", "c", "without auth: req/s", "p99 ms", "CPU ms/req", "with auth: req/s",
                   "p99 ms", "CPU ms/req", "/ without auth", "p99 / without auth", "errors", "non-2xx"],
                  rows)  # fmt: skip


def markdown(run: BenchRun, targets: list[Target]) -> str:
    settings = "\n".join(f"- {key}: {value}" for key, value in run.meta.items())
    marks = {True: "[x] met", False: "[ ] MISSED", None: "[-] not measured"}
    checklist = "\n".join(f"- {marks[t.met]}: {t.description} -- {t.evidence}" for t in targets)
    return "\n\n".join([
        f"# Benchmark results: {run.meta['mode']} run, {run.meta['started']}", settings,
        f"## Summary at c={headline(run)}", summary(run), "## Targets (measured, not asserted)", checklist,
        "## Every run", every_run(run),
        *(["## Read replica", replica(run), REPLICA_NOTES] if any(s.app.standby for s in run.servers) else []),
        *(["## Authentication", auth(run), AUTH_NOTES] if any(s.app.auth for s in run.servers) else []),
        "## Servers", servers(run), "## Notes", NOTES,
    ]) + "\n"  # fmt: skip


def chart(run: BenchRun, path: Path) -> None:
    """Requests/s and p99 per workload, grouped by concurrency, one bar per server."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        print("no chart: matplotlib is not installed (pip install -r requirements/bench.txt)")
        return
    plt.switch_backend("agg")
    workloads = [name for name in WORKLOADS if any(m.workload == name for m in run.measurements)]
    concurrencies = sorted({m.concurrency for m in run.measurements})
    names = [server.app.name for server in run.servers]
    width = 0.8 / len(names)
    figure, axes = plt.subplots(2, len(workloads), figsize=(5 * len(workloads), 8), squeeze=False)
    for column, workload in enumerate(workloads):
        for row, (metric, label) in enumerate((("rps", "requests/s"), ("p99_ms", "p99 latency (ms, log)"))):
            axis = axes[row][column]
            for index, name in enumerate(names):
                runs = [run.find(name, workload, c) for c in concurrencies]
                positions = [c + (index - (len(names) - 1) / 2) * width for c in range(len(concurrencies))]
                axis.bar(positions, [float("nan") if m is None or m.stuck else m.value(metric) for m in runs], width,
                         label=name)  # fmt: skip
                for position, m in zip(positions, runs, strict=True):
                    if row == 0 and m is not None and m.stuck:
                        axis.text(position, 0, " stuck", rotation=90, ha="center", va="bottom", fontsize=7)
            axis.set(xticks=range(len(concurrencies)), xticklabels=[f"c={c}" for c in concurrencies], ylabel=label,
                     title=WORKLOADS[workload] if row == 0 else "", yscale="log" if row else "linear")  # fmt: skip
            axis.grid(axis="y", alpha=0.3)
    figure.legend(*axes[0][0].get_legend_handles_labels(), loc="lower center", ncol=min(6, len(names)), frameon=False)
    figure.suptitle(f"Rendered variants, their minimal hand-written apps and the floors ({run.meta['mode']} run)")
    figure.tight_layout(rect=(0, 0.08, 1, 0.97))
    figure.savefig(path, dpi=100)
    plt.close(figure)
