"""The issue's performance targets, evaluated on a run's measurements (reported, never asserted)."""

from __future__ import annotations

from dataclasses import dataclass

from .records import BenchRun

RAW = "raw baseline"
NAIVE = "naive tutorial"
TARGET_VARIANT = "postgresql/async"
TARGET_CONCURRENCY = 64
MIN_RPS_VS_RAW = 0.4
MAX_P99_VS_RAW = 3.0
MIN_RPS_VS_NAIVE = 1.5


@dataclass
class Target:
    description: str
    met: bool | None  # None: not measured in this run
    evidence: str

    @property
    def mark(self) -> str:
        return {True: "[x] met", False: "[ ] MISSED", None: "[-] not measured"}[self.met]


def evaluate(run: BenchRun) -> list[Target]:
    return [*_against_raw(run), *_against_naive(run), *_churn(run)]


def _against_raw(run: BenchRun) -> list[Target]:
    c = TARGET_CONCURRENCY
    variant, raw = run.find(TARGET_VARIANT, "get", c), run.find(RAW, "get", c)
    where = f"{TARGET_VARIANT}, GET /items/{{id}}, c={c}"
    rps = f"{TARGET_VARIANT} req/s >= {MIN_RPS_VS_RAW}x raw baseline ({where})"
    p99 = f"{TARGET_VARIANT} p99 <= {MAX_P99_VS_RAW}x raw baseline ({where})"
    errors = f"{TARGET_VARIANT} zero errors and timeouts ({where})"
    if variant is None or raw is None:
        return [Target(text, None, "not in this run") for text in (rps, p99, errors)]
    rps_ratio = variant.load.rps / raw.load.rps if raw.load.rps else 0.0
    p99_ratio = variant.load.p99_ms / raw.load.p99_ms if raw.load.p99_ms else float("inf")
    return [
        Target(
            rps,
            rps_ratio >= MIN_RPS_VS_RAW,
            f"{rps_ratio:.2f}x ({variant.load.rps:,.0f} vs {raw.load.rps:,.0f} req/s)",
        ),
        Target(
            p99,
            p99_ratio <= MAX_P99_VS_RAW,
            f"{p99_ratio:.2f}x ({variant.load.p99_ms:.1f} vs {raw.load.p99_ms:.1f} ms)",
        ),
        Target(
            errors,
            variant.load.errors == 0 and not variant.stuck,
            f"{variant.load.non2xx} non-2xx, {variant.load.socket_errors} socket errors, "
            f"{variant.load.timeouts} timeouts",
        ),
    ]


def _against_naive(run: BenchRun) -> list[Target]:
    """Req/s against the naive pattern on every workload and concurrency both ran; errors at c=64.

    The naive pattern can deadlock (its threads wait for pool connections that only other
    threads' cleanup would return); where it answered nothing there is no ratio, and the
    evidence says so instead of counting it as a win or a loss.
    """
    c = TARGET_CONCURRENCY
    targets = []
    for variant in run.of_kind("variant"):
        text = f"{variant.name} >= {MIN_RPS_VS_NAIVE}x naive req/s on every workload, zero errors (c={c})"
        pairs = [
            (mine, naive)
            for mine in run.measurements
            if mine.server == variant.name and (naive := run.find(NAIVE, mine.workload, mine.concurrency)) is not None
        ]
        if not pairs:
            targets.append(Target(text, None, "not in this run"))
            continue
        errors = sum(mine.load.errors for mine, _ in pairs if mine.concurrency == c)
        stuck = sorted({f"{mine.workload} c={mine.concurrency}" for mine, _ in pairs if mine.stuck})
        worst: dict[str, tuple[float, int]] = {}  # workload -> (lowest ratio, its concurrency)
        naive_stuck: dict[str, list[int]] = {}
        for mine, naive in pairs:
            if naive.stuck or not naive.load.rps:
                naive_stuck.setdefault(mine.workload, []).append(mine.concurrency)
                continue
            ratio = mine.load.rps / naive.load.rps
            if mine.workload not in worst or ratio < worst[mine.workload][0]:
                worst[mine.workload] = (ratio, mine.concurrency)
        parts = [f"{workload} {ratio:.2f}x (worst, at c={at})" for workload, (ratio, at) in worst.items()]
        parts += [
            f"{workload}: naive stuck at c={','.join(map(str, cs))}, no ratio" for workload, cs in naive_stuck.items()
        ]
        parts.append(f"errors at c={c}: {errors}" + (f"; stuck on {', '.join(stuck)}" if stuck else ""))
        evidence = "; ".join(parts)
        met: bool | None
        if errors or stuck:
            met = False
        elif not worst:
            met = None  # the naive pattern answered nothing: nothing to compare with
        else:
            met = all(ratio >= MIN_RPS_VS_NAIVE for ratio, _ in worst.values())
        targets.append(Target(text, met, evidence))
    return targets


def _churn(run: BenchRun) -> list[Target]:
    targets = []
    for server in run.of_kind("variant"):
        if server.database != "postgresql":
            continue
        text = f"{server.name} no connection churn (pg sessions growth <= pool capacity over the whole run)"
        if server.sessions_growth is None or server.pool_capacity is None:
            targets.append(Target(text, None, "not measured"))
            continue
        worst_run = max(
            (m.sessions_growth or 0 for m in run.measurements if m.server == server.name),
            default=0,
        )
        targets.append(
            Target(
                text,
                server.sessions_growth <= server.pool_capacity,
                f"+{server.sessions_growth} sessions over the server's life (pool capacity "
                f"{server.pool_capacity}); worst single run +{worst_run}",
            )
        )
    return targets
