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
# A target measured through another front than the app's own port is named `<target>@<front>`
# (`article@varnish`); its ratio is to the static file through the same front.
FRONT_SEPARATOR = "@"


def front_of(target: str) -> str:
    """The front a target was measured through: "" for the app directly, else the name after the `@`."""
    return target.partition(FRONT_SEPARATOR)[2]


def baseline_for(target: str, baseline: str = BASELINE) -> str:
    """The static file's target measured through the same front as `target`."""
    front = front_of(target)
    return f"{baseline}{FRONT_SEPARATOR}{front}" if front else baseline


@dataclass(frozen=True)
class Run:
    target: str
    round: int
    requests: int
    seconds: float
    errors: dict[str, int] = field(default_factory=dict)
    mean_us: float = 0.0
    quantiles_us: Sequence[tuple[float, float]] = ()  # (percent, microseconds), percent ascending to 100
    bytes: int = 0  # read from the sockets, headers included, as sent (compressed when it was)

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
    # A run finished fewer requests than it kept open: the latencies of those still queued at its end
    # are not in the percentiles, which then understate them.
    censored: bool = False
    cache: str | None = None  # through a front cache: X-Cache (HIT or MISS) when fetched a second time
    bytes_per_response: float | None = None  # what went over the wire per answer, headers included


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
    connections: int = 0,
    caches: dict[str, str] | None = None,
) -> list[Row]:
    """One row per target in the order of `paths`, with its ratio to the baseline measured alongside.

    The baseline is the static file through the same front (`baseline_for`); a target whose front has no
    baseline measured gets no ratio.
    """
    queries, caches = queries or {}, caches or {}
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
                censored=any(run.requests < connections for run in own),
                cache=caches.get(target),
                bytes_per_response=sum(run.bytes for run in own) / requests if requests else None,
            )
        )
    rates = {row.target: row.rps for row in rows}
    ratios = {row.target: rates.get(baseline_for(row.target, baseline)) for row in rows}
    return [replace(row, ratio=row.rps / ratios[row.target] if ratios[row.target] else None) for row in rows]


def _number(value: float | None, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def table(rows: Sequence[Row]) -> str:
    """The rows as a plain-text table, one line per target."""
    header = ("target", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "queries", "× static")
    with_cache = any(row.cache for row in rows)
    if with_cache:
        header += ("cache",)
    lines = [
        (
            row.target + (" *" if row.censored else ""),
            _number(row.rps, 1),
            _number(row.p50_ms, 1),
            _number(row.p95_ms, 1),
            _number(row.p99_ms, 1),
            _number(row.max_ms, 0),
            str(row.errors),
            "-" if row.queries is None else str(row.queries),
            _number(row.ratio, 3),
        )
        + ((row.cache or "-",) if with_cache else ())
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
    notes = []
    if any(row.censored for row in rows):
        notes.append(
            "* finished fewer requests in a round than it had connections: its percentiles count only"
            " the requests answered within the round, so they understate its latency."
        )
    return "\n".join([render(header), rule, *map(render, lines), *notes])


def report(rows: Sequence[Row], **about) -> dict:
    """The JSON document: what was measured and how (`about`), and one entry per target."""
    return {**about, "targets": {row.target: asdict(row) for row in rows}}
