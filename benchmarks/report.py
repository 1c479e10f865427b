"""The report: a summary table (also the README's), the targets, every run with its checks, and a chart."""

from __future__ import annotations

from pathlib import Path

from .apps import RAW
from .serving import WORKLOADS, BenchRun, Measurement
from .targets import Target

NOTES = """\
- "/ minimal": req/s (or p99) over that of the variant's minimal hand-written app, same session
  mode and database, same workload and concurrency; "/ raw": over the Starlette + asyncpg app's
  (PostgreSQL only, so SQLite rows compare a different database).
- errors: non-2xx responses + socket errors + timeouts (no answer within 5 s). "stuck": answered
  nothing, or still held connections 5 s after the run (a deadlock); the server is restarted.
- "pool out after": connections still checked out once the run ended (should be 0). "pg sessions
  +": growth of pg_stat_database.sessions during the run (new connections: churn); a backend is
  counted when it first ends a transaction, so the growth over a server's life is the firm figure.
- "server CPU": the server's CPU time over the run's length (100% = one core: CPU-bound);
  "CPU ms/req": that time per request served, the framework + ORM cost of one request.
- wrk is closed-loop (a connection sends its next request once answered): latencies are service
  times at that concurrency. Only ratios within one run are comparable; the load average is noted."""


def headline(run: BenchRun) -> int:
    concurrencies = {m.concurrency for m in run.measurements}
    return 64 if 64 in concurrencies else max(concurrencies, default=0)


def _table(head: list[str], rows: list[list[str]]) -> str:
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [head, ["---"] * len(head), *rows])


def _ratio(m: Measurement | None, reference: Measurement | None, metric: str = "rps") -> str:
    if m is None or reference is None or m is reference or m.stuck:
        return "-"
    mine, theirs = m.value(metric), reference.value(metric)
    return f"{mine / theirs:.2f}x" if mine is not None and theirs else "- (stuck)"


def _rps(m: Measurement | None) -> str:
    return "-" if m is None else ("stuck" if m.stuck else f"{m.rps:,.0f}")


def _cpu(m: Measurement | None) -> str:
    return "-" if m is None or m.cpu_ms_per_request is None else f"{m.cpu_ms_per_request:.2f}"


def _growth(sessions: int | None) -> str:
    return "-" if sessions is None else f"+{sessions}"


def summary(run: BenchRun) -> str:
    """One row per server at the headline concurrency: req/s, CPU per request, ratios on GET by id."""
    c = headline(run)
    rows = []
    for server in run.servers:
        get, listed, post = (run.find(server.name, workload, c) for workload in ("get", "list", "create"))
        minimal_get, minimal_list = (run.find(server.minimal, workload, c) for workload in ("get", "list"))
        name = f"**{server.name}** (rendered)" if server.role == "variant" else f"{server.name} ({server.about})"
        rows.append([name, _rps(get), _cpu(get), _rps(listed), _cpu(listed), _rps(post), _ratio(get, minimal_get),
                     _ratio(listed, minimal_list), _ratio(get, run.find(RAW, "get", c))])  # fmt: skip
    return _table(["app", "GET req/s", "CPU ms/req", "list req/s", "list CPU ms/req", "POST req/s",
                   "GET / minimal", "list / minimal", "GET / raw"], rows)  # fmt: skip


def run_row(run: BenchRun, m: Measurement) -> list[str]:
    """One run's cells in the "Every run" table (also the progress line)."""
    minimal = run.find(run.server(m.server).minimal, m.workload, m.concurrency)
    errors = "0" if not m.errors else f"**{m.errors}** ({m.timeouts} timeouts)"
    return [
        m.server, WORKLOADS[m.workload], str(m.concurrency), f"{m.rps:,.0f}", f"{m.p50_ms:.1f}", f"{m.p99_ms:.1f}",
        errors + (f" **stuck** ({m.requests} answered)" if m.stuck else ""), _ratio(m, minimal),
        _ratio(m, minimal, "p99_ms"), _ratio(m, run.find(RAW, m.workload, m.concurrency)),
        "-" if m.cpu_share is None else f"{m.cpu_share:.0%}", _cpu(m),
        "no answer" if m.pool_checked_out is None else str(m.pool_checked_out), _growth(m.sessions_growth),
    ]  # fmt: skip


def every_run(run: BenchRun) -> str:
    """Grouped by workload and concurrency, servers in run order."""
    workloads, names = list(WORKLOADS), [server.name for server in run.servers]
    runs = sorted(run.measurements, key=lambda m: (workloads.index(m.workload), m.concurrency, names.index(m.server)))
    return _table(["server", "workload", "c", "req/s", "p50 ms", "p99 ms", "errors", "/ minimal", "p99 / minimal",
                   "/ raw", "server CPU", "CPU ms/req", "pool out after", "pg sessions +"],
                  [run_row(run, m) for m in runs])  # fmt: skip


def servers(run: BenchRun) -> str:
    rows = [[s.name, f"{s.pool.get('pool', '?')} ({s.pool.get('size')} + {s.pool.get('max_overflow')})",
             f"{s.startup_s:.1f}", f"{s.seed_s:.1f}", str(s.restarts), _growth(s.sessions_growth)]
            for s in run.servers]  # fmt: skip
    return _table(["server", "pool (size + overflow)", "startup s", "seed s", "restarts (stuck)",
                   "pg sessions growth"], rows)  # fmt: skip


def markdown(run: BenchRun, targets: list[Target]) -> str:
    settings = "\n".join(f"- {key}: {value}" for key, value in run.meta.items())
    checklist = "\n".join(f"- {t.mark}: {t.description} -- {t.evidence}" for t in targets)
    return "\n\n".join([
        f"# Benchmark results: {run.meta['mode']} run, {run.meta['started']}", settings,
        f"## Summary at c={headline(run)}", summary(run), "## Targets (measured, not asserted)", checklist,
        "## Every run", every_run(run), "## Servers", servers(run), "## Notes", NOTES,
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
    names = [server.name for server in run.servers]
    figure, axes = plt.subplots(2, len(workloads), figsize=(5 * len(workloads), 8), squeeze=False)
    for column, workload in enumerate(workloads):
        for row, (metric, label) in enumerate((("rps", "requests/s"), ("p99_ms", "p99 latency (ms, log)"))):
            axis = axes[row][column]
            for index, name in enumerate(names):
                runs = [run.find(name, workload, c) for c in concurrencies]
                positions = [c + (index - (len(names) - 1) / 2) * 0.8 / len(names) for c in range(len(concurrencies))]
                values = [float("nan") if m is None or m.stuck else m.value(metric) for m in runs]
                axis.bar(positions, values, 0.8 / len(names), label=name)
                for position, m in zip(positions, runs, strict=True):
                    if row == 0 and m is not None and m.stuck:
                        axis.text(position, 0, " stuck", rotation=90, ha="center", va="bottom", fontsize=7)
            axis.set(xticks=range(len(concurrencies)), xticklabels=[f"c={c}" for c in concurrencies], ylabel=label,
                     title=WORKLOADS[workload] if row == 0 else "", yscale="log" if row else "linear")  # fmt: skip
            axis.grid(axis="y", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=min(6, len(names)), frameon=False)
    figure.suptitle(f"Rendered variants, their minimal hand-written apps and the floors ({run.meta['mode']} run)")
    figure.tight_layout(rect=(0, 0.08, 1, 0.97))
    figure.savefig(path, dpi=100)
    plt.close(figure)
