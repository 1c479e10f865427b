"""The project's performance targets, evaluated on one run's measurements (reported, never asserted).

Every variant is held to the minimal hand-written app of its session mode and database, measured
in the same run (aim 1.2x its req/s: safer and faster than writing it by hand).
"""

import itertools
from dataclasses import dataclass

from .apps import RAW
from .serving import WORKLOADS, BenchRun, ServerRecord

MIN_VS_MINIMAL, AIM_VS_MINIMAL = 1.0, 1.2
MIN_VS_RAW = 0.2  # postgresql/async on GET by id at c=64
MAX_METRICS_COST = 0.05  # req/s with metrics at least 95% of without, on GET by id at c=64


@dataclass
class Target:
    description: str
    met: bool | None  # None: not measured in this run
    evidence: str


def evaluate(run: BenchRun) -> list[Target]:
    targets = []
    for server in run.servers:
        name, minimal = server.app.name, server.app.minimal
        if server.app.role == "variant" and minimal:
            bar = f"{name} req/s >= {MIN_VS_MINIMAL}x {minimal} on"
            targets += [
                _compare(run, name, minimal, "rps", ("get", "list"),
                         f"{bar} GET by id and list at c=16 and 64 (aim {AIM_VS_MINIMAL}x)"),
                _compare(run, name, minimal, "rps", ("create",), f"{bar} POST at c=16 and 64"),
                _compare(run, name, minimal, "p99_ms", ("get",), f"{name} GET p99 <= {minimal}'s at c=16 and 64"),
                _clean(run, name),
            ]  # fmt: skip
            if server.app.database == "postgresql":
                targets.append(_churn(server))
        elif (measured := server.app.variant) is not None:  # an overhead row: the variant with an option off
            cost = f"{measured}: metrics cost <= {MAX_METRICS_COST:.0%} of req/s on GET by id at c=64 (vs {name})"
            targets += [_compare(run, measured, name, "rps", ("get",), cost, (64,), 1 - MAX_METRICS_COST),
                        _clean(run, name)]  # fmt: skip
        elif server.app.auth:  # its cost is reported beside the render without auth, not held to a bar
            targets += [_clean(run, name), _churn(server)]
    description = f"postgresql/async req/s >= {MIN_VS_RAW}x raw on {WORKLOADS['get']} at c=64"
    return [*targets, _compare(run, "postgresql/async", RAW, "rps", ("get",), description, (64,), MIN_VS_RAW)]


def _compare(run: BenchRun, server: str, reference: str, metric: str, workloads: tuple[str, ...], description: str,
             concurrencies: tuple[int, ...] = (16, 64), bound: float = MIN_VS_MINIMAL) -> Target:  # fmt: skip
    """Ratios of ``metric`` to ``reference``'s on each workload and concurrency both ran: req/s must reach ``bound``
    times the reference's, p99 stay at or below it. A stuck reference (the tutorial's deadlock) gives no ratio;
    a stuck ``server`` is a miss."""
    higher_is_better = metric == "rps"
    ratios, notes = [], []
    for workload, c in itertools.product(workloads, concurrencies):
        mine, theirs = run.find(server, workload, c), run.find(reference, workload, c)
        if mine is None or theirs is None:
            continue
        where, a, b = f"{WORKLOADS[workload]} c={c}", mine.value(metric), theirs.value(metric)
        if a is None:
            ratios.append(0.0 if higher_is_better else float("inf"))
            notes.append(f"{where} stuck")
        elif not b:
            notes.append(f"{where} {reference} stuck, no ratio")
        else:
            ratios.append(a / b)
            notes.append(f"{where} {a / b:.2f}x ({a:,.1f} vs {b:,.1f})")
    if not ratios:
        return Target(description, None, "; ".join(notes) or "not in this run")
    worst = min(ratios) if higher_is_better else max(ratios)
    met = worst >= bound if higher_is_better else worst <= bound
    verdict = f"worst {worst:.2f}x: {'met' if met else 'missed'} by {abs(worst - bound) / bound:.0%}"
    return Target(description, met, "; ".join([verdict, *notes]))


def _clean(run: BenchRun, server: str) -> Target:
    description = f"{server}: 0 errors and timeouts, never stuck, every connection back after each run"
    runs = [m for m in run.measurements if m.server == server]
    if not runs:
        return Target(description, None, "not in this run")
    dirty = [f"{WORKLOADS[m.workload]} c={m.concurrency}" for m in runs if m.errors or m.stuck]
    evidence = f"{sum(m.errors for m in runs)} errors ({sum(m.timeouts for m in runs)} timeouts) over {len(runs)} runs"
    return Target(description, not dirty, evidence + (f"; not clean: {', '.join(dirty)}" if dirty else ""))


def _churn(server: ServerRecord) -> Target:
    description = f"{server.app.name}: no connection churn (pg sessions growth <= pool capacity over the server's life)"
    if server.sessions_growth is None or not server.pool:
        return Target(description, None, "not measured")
    growth, capacity = server.sessions_growth, int(server.pool["size"]) + int(server.pool["max_overflow"])
    return Target(description, growth <= capacity, f"+{growth} sessions (pool capacity {capacity})")
