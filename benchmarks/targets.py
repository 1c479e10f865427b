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
    c = TARGET_CONCURRENCY
    targets = []
    for variant in run.of_kind("variant"):
        text = f"{variant.name} >= {MIN_RPS_VS_NAIVE}x naive req/s on every workload, zero errors (c={c})"
        pairs = [
            (mine, run.find(NAIVE, mine.workload, c))
            for mine in run.measurements
            if mine.server == variant.name and mine.concurrency == c
        ]
        pairs = [(mine, naive) for mine, naive in pairs if naive is not None]
        if not pairs:
            targets.append(Target(text, None, "not in this run"))
            continue
        # A stuck naive server (0 req/s) is beaten by any variant that served requests.
        ratios = {
            mine.workload: float("inf") if naive.stuck or not naive.load.rps else mine.load.rps / naive.load.rps
            for mine, naive in pairs
        }
        errors = sum(mine.load.errors for mine, _ in pairs)
        stuck = [mine.workload for mine, _ in pairs if mine.stuck]
        worst = min(ratios, key=ratios.__getitem__)
        evidence = ", ".join(
            f"{workload} {ratio:.2f}x" if ratio != float("inf") else f"{workload} (naive stuck)"
            for workload, ratio in ratios.items()
        )
        evidence += f"; errors {errors}" + (f"; stuck on {', '.join(stuck)}" if stuck else "")
        targets.append(Target(text, ratios[worst] >= MIN_RPS_VS_NAIVE and errors == 0 and not stuck, evidence))
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
