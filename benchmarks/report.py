"""The report: a Markdown table with ratios, the targets checklist, and a PNG chart."""

from __future__ import annotations

from pathlib import Path

from .load import WORKLOADS
from .records import BenchRun, Measurement
from .targets import NAIVE, RAW, TARGET_CONCURRENCY, Target


def _ratio(numerator: float, reference: Measurement, attribute: str, other: str) -> str:
    denominator = float(getattr(reference.load, attribute))
    if reference.stuck or not denominator:
        return f"- ({other} stuck)"
    return f"{numerator / denominator:.2f}x"


def _errors(m: Measurement) -> str:
    load = m.load
    text = "0"
    if load.errors:
        text = f"**{load.errors}** ({load.non2xx} non-2xx, {load.socket_errors} socket, {load.timeouts} timeout)"
    if m.stuck:
        text += f" **server stuck** ({m.load.requests} answered)"
    return text


def _row(run: BenchRun, m: Measurement, with_concurrency: bool) -> str:
    raw = run.find(RAW, m.workload, m.concurrency)
    naive = run.find(NAIVE, m.workload, m.concurrency)
    cells = [m.server, WORKLOADS[m.workload].label]
    if with_concurrency:
        cells.append(str(m.concurrency))
    cells += [
        f"{m.load.rps:,.0f}",
        f"{m.load.p50_ms:.1f}",
        f"{m.load.p99_ms:.1f}",
        _errors(m),
        _ratio(m.load.rps, raw, "rps", "raw") if raw and m is not raw else "-",
        _ratio(m.load.p99_ms, raw, "p99_ms", "raw") if raw and m is not raw else "-",
        _ratio(m.load.rps, naive, "rps", "naive") if naive and m is not naive else "-",
    ]
    cells += [
        "-" if m.cpu_share is None else f"{100 * m.cpu_share:.0f}%",
        "-" if m.cpu_ms_per_request is None else f"{m.cpu_ms_per_request:.2f}",
    ]
    if with_concurrency:
        cells += [
            "no answer" if m.pool_checked_out is None else str(m.pool_checked_out),
            "-" if m.sessions_growth is None else f"+{m.sessions_growth}",
        ]
    return "| " + " | ".join(cells) + " |"


def _ordered(run: BenchRun, measurements: list[Measurement]) -> list[Measurement]:
    order = {server.name: index for index, server in enumerate(run.servers)}
    workloads = list(WORKLOADS)
    return sorted(measurements, key=lambda m: (workloads.index(m.workload), m.concurrency, order[m.server]))


def table(run: BenchRun, concurrency: int | None = None) -> str:
    """All runs, or those at one concurrency (the headline table, without the per-run checks)."""
    with_concurrency = concurrency is None
    head = ["Server", "Workload"]
    if with_concurrency:
        head.append("c")
    head += ["req/s", "p50 ms", "p99 ms", "errors", "req/s / raw", "p99 / raw", "req/s / naive"]
    head += ["server CPU", "CPU ms/req"]
    if with_concurrency:
        head += ["pool out after", "pg sessions +"]
    rows = [m for m in run.measurements if concurrency is None or m.concurrency == concurrency]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += [_row(run, m, with_concurrency) for m in _ordered(run, rows)]
    return "\n".join(lines)


def checklist(targets: list[Target]) -> str:
    return "\n".join(f"- {target.mark}: {target.description} -- {target.evidence}" for target in targets)


def checks(run: BenchRun) -> str:
    """Errors and pool state after every run, and connection growth per PostgreSQL server."""
    dirty = [m for m in run.measurements if not m.clean]
    lines = [f"- Runs with errors or connections still checked out afterwards: {len(dirty)} of {len(run.measurements)}"]
    lines += [
        f"  - {m.server}, {WORKLOADS[m.workload].label}, c={m.concurrency}: errors {m.load.errors}, "
        f"pool checked out after {'no answer' if m.pool_checked_out is None else m.pool_checked_out}"
        + (" (server stuck: answered nothing, or held connections 5 s after the run; restarted)" if m.stuck else "")
        for m in dirty
    ]
    lines += [
        "",
        "| Server | pool (size + overflow) | startup s | restarts (stuck) | pg sessions growth over its life |",
        "|---|---|---|---|---|",
    ]
    for server in run.servers:
        pool = f"{server.pool.get('pool', '?')} ({server.pool.get('size')} + {server.pool.get('max_overflow')})"
        growth = "-" if server.sessions_growth is None else f"+{server.sessions_growth}"
        lines.append(f"| {server.name} | {pool} | {server.startup_s:.1f} | {server.restarts} | {growth} |")
    return "\n".join(lines)


NOTES = """\
- Ratios compare each server with the raw baseline (Starlette + asyncpg, hand-written SQL) and with
  the naive tutorial pattern on the same workload and concurrency. Both exist only on PostgreSQL:
  the SQLite variants are compared with the PostgreSQL baseline and naive pattern too, so their
  ratios measure "this stack on SQLite" against "those stacks on PostgreSQL".
- errors = non-2xx responses + socket errors (connect/read/write) + timeouts (no answer within 5 s).
- "pool out after": the server's checked-out connections once the run ended (read through
  /__bench/pool; should be 0). "pg sessions +": growth of pg_stat_database.sessions for the
  server's database during the run; 0 means no new connections were opened (no churn). A backend
  reports its connection when it first finishes a transaction, so a connection opened earlier but
  first used in this run shows up here; the growth over the server's whole life is the firm figure.
- "server CPU": the server process's CPU time during the run over the run's length (100% = one
  core busy: CPU-bound; well below = waiting on the database or the pool). "CPU ms/req" is that
  CPU time divided by the requests served: the framework + ORM cost of one request.
- The load generator is closed-loop (each connection sends its next request when the previous
  one is answered), so latencies are service times under that concurrency.
- The mix workload is 60% GET /items/{id}, 30% GET /items/?limit=20, 10% POST /items/."""


def markdown(run: BenchRun, targets: list[Target]) -> str:
    meta = run.meta
    concurrencies = sorted({m.concurrency for m in run.measurements})
    headline = TARGET_CONCURRENCY if TARGET_CONCURRENCY in concurrencies else max(concurrencies, default=0)
    settings = "\n".join(f"- {key}: {value}" for key, value in meta.items())
    sections = [
        f"# Benchmark results: {meta['mode']} run, {meta['started']}",
        settings,
        f"## At c={headline} (headline: ratios to the raw baseline)",
        table(run, headline),
        "## Targets (measured, not asserted)",
        checklist(targets),
        "## Checks after each run",
        checks(run),
    ]
    if len(concurrencies) > 1:
        sections += ["## All runs", table(run)]
    sections += ["## Notes", NOTES]
    return "\n\n".join(sections) + "\n"


def chart(run: BenchRun, path: Path) -> None:
    """Requests/s and p99 per workload, grouped by concurrency, one bar per server."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = [name for name in WORKLOADS if any(m.workload == name for m in run.measurements)]
    concurrencies = sorted({m.concurrency for m in run.measurements})
    servers = [server.name for server in run.servers]
    width = 0.8 / max(1, len(servers))
    figure, axes = plt.subplots(2, len(workloads), figsize=(4.2 * len(workloads), 7.5), squeeze=False)
    for column, workload in enumerate(workloads):
        for row, (metric, label) in enumerate((("rps", "requests/s"), ("p99_ms", "p99 latency (ms)"))):
            axis = axes[row][column]
            for index, server in enumerate(servers):
                values = []
                for concurrency in concurrencies:
                    m = run.find(server, workload, concurrency)
                    value = 0.0 if m is None else float(getattr(m.load, metric))
                    values.append(value if value > 0 else float("nan"))  # nothing to draw (or to log-scale)
                positions = [c + (index - (len(servers) - 1) / 2) * width for c in range(len(concurrencies))]
                axis.bar(positions, values, width, label=server)
                for position, concurrency in zip(positions, concurrencies, strict=True):
                    m = run.find(server, workload, concurrency)
                    if row == 0 and m is not None and m.stuck:
                        axis.text(position, 0, " stuck", rotation=90, ha="center", va="bottom", fontsize=7)
            axis.set_xticks(range(len(concurrencies)), [f"c={c}" for c in concurrencies])
            axis.set_ylabel(label)
            if row == 1 and axis.get_ylim()[1] > 0 and any(bar.get_height() > 0 for bar in axis.patches):
                axis.set_yscale("log")
            else:
                axis.set_title(WORKLOADS[workload].label)
            axis.grid(axis="y", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(servers), frameon=False)
    figure.suptitle(f"Items service variants vs raw baseline and naive tutorial ({run.meta['mode']} run)")
    figure.tight_layout(rect=(0, 0.05, 1, 0.97))
    figure.savefig(path, dpi=110)
    plt.close(figure)
