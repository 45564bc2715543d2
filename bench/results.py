"""What the benchmark reports: per target, requests/s, latency percentiles, errors, queries, ratio to static.

Pure: no Django, no I/O. A run of the load generator on one target in one round is a `Run`; its latency
distribution comes as quantiles `(percent, microseconds)` (wrk's exact percentiles of that run, every
half per cent and finer in the tail). Runs of one target over several rounds are merged by giving each
quantile point its share of the run's requests, so a target's percentiles weigh every round by what it
served. `summarise` turns the runs into `Row`s, `table` prints them, `report` is the JSON.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace

BASELINE = "static"


@dataclass(frozen=True)
class Run:
    target: str
    round: int
    requests: int
    seconds: float
    errors: dict[str, int] = field(default_factory=dict)
    mean_us: float = 0.0
    quantiles_us: Sequence[tuple[float, float]] = ()  # (percent, microseconds), percent ascending to 100

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass(frozen=True)
class Row:
    target: str
    path: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    queries: int | None
    ratio: float | None  # requests/s over the baseline's requests/s in the same run
    rps_by_round: list[float]


def rotations(targets: Sequence[str], rounds: int) -> list[list[str]]:
    """The order of each round: A, B, C, then B, C, A, … so that noise in time hits every target alike."""
    if not targets:
        return []
    return [[*targets[r % len(targets) :], *targets[: r % len(targets)]] for r in range(rounds)]


def weighted_points(runs: Iterable[Run]) -> list[tuple[float, float]]:
    """Merge runs' quantiles into (microseconds, weight) points, each weight the requests it stands for."""
    points = []
    for run in runs:
        previous = 0.0
        for percent, value in run.quantiles_us:
            points.append((float(value), run.requests * (percent - previous) / 100))
            previous = percent
    return sorted(points)


def percentile(points: Sequence[tuple[float, float]], percent: float) -> float:
    """The smallest value with at least `percent` per cent of the weight at or below it (nearest rank).

    Points are (value, weight); raw samples are points of weight 1.
    """
    if not points:
        return math.nan
    ordered = sorted(points)
    total = sum(weight for _value, weight in ordered)
    wanted = total * percent / 100
    seen = 0.0
    for value, weight in ordered:
        seen += weight
        # A tolerance for the float sums of shares: a point that reaches the rank within rounding counts.
        if seen >= wanted - 1e-9 * total:
            return value
    return ordered[-1][0]


def summarise(
    runs: Sequence[Run],
    *,
    paths: dict[str, str],
    queries: dict[str, int | None] | None = None,
    baseline: str = BASELINE,
) -> list[Row]:
    """One row per target in the order of `paths`, with its ratio to the baseline measured alongside."""
    queries = queries or {}
    rows = []
    for target, path in paths.items():
        own = sorted((run for run in runs if run.target == target), key=lambda run: run.round)
        if not own:
            continue
        requests = sum(run.requests for run in own)
        seconds = sum(run.seconds for run in own)
        points = weighted_points(own)
        rows.append(
            Row(
                target=target,
                path=path,
                requests=requests,
                seconds=round(seconds, 3),
                rps=requests / seconds if seconds else 0.0,
                p50_ms=percentile(points, 50) / 1000,
                p95_ms=percentile(points, 95) / 1000,
                p99_ms=percentile(points, 99) / 1000,
                max_ms=max((run.quantiles_us[-1][1] for run in own if run.quantiles_us), default=0) / 1000,
                errors=sum(run.error_count for run in own),
                queries=queries.get(target),
                ratio=None,
                rps_by_round=[round(run.requests / run.seconds, 1) if run.seconds else 0.0 for run in own],
            )
        )
    base = next((row for row in rows if row.target == baseline), None)
    if base is None or not base.rps:
        return rows
    return [replace(row, ratio=row.rps / base.rps) for row in rows]


def _number(value: float | None, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def table(rows: Sequence[Row]) -> str:
    """The rows as a plain-text table, one line per target."""
    header = ("target", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "queries", "× static")
    lines = [
        (
            row.target,
            _number(row.rps, 1),
            _number(row.p50_ms, 1),
            _number(row.p95_ms, 1),
            _number(row.p99_ms, 1),
            _number(row.max_ms, 0),
            str(row.errors),
            "-" if row.queries is None else str(row.queries),
            _number(row.ratio, 3),
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def render(cells: Sequence[str]) -> str:
        # The target's name to the left, the numbers to the right.
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *map(render, lines)])


def report(rows: Sequence[Row], **about) -> dict:
    """The JSON document: what was measured and how (`about`), and one entry per target."""
    return {**about, "targets": {row.target: asdict(row) for row in rows}}
