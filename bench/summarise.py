"""Sum up benchmark runs into the small file the repository keeps, and print its tables as Markdown.

    .venv/bin/python bench/summarise.py --seed bench/results/raw/…-seed.json \
        --scale bench/results/raw/…-scale.json --scale-load bench/results/raw/…-scale.json \
        --load bench/results/raw/…-seed.json
    .venv/bin/python bench/summarise.py --update --article bench/results/raw/…-seed.json   # one run anew

Each input is a JSON report `bench/run.py` wrote (the raw data, kept out of the repository): `--seed` the
seed under load, `--scale` the scale data one request at a time (`--connections 1`: each request's own
latency), `--scale-load` the scale data under load (its ratios), `--load` the long runs, `--article` a
short run of the article's targets alone (the page in each choice and its document). The summary
(`bench/results/summary.json` unless `--out` says otherwise) keeps, per run, what docs/performance.md
quotes: each target's ratio to the static file, its p50/p95/p99, errors, queries and what a front cache
did, the worker memory, and the queries per target on the seed and at scale side by side. With
`--update` the runs not named are kept as the summary had them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import front_of  # noqa: E402

KEPT = (
    "path", "ratio", "p50_ms", "p95_ms", "p99_ms", "errors", "queries", "cache", "censored",
    "bytes_per_response", "max_ms",
)  # fmt: skip
LABELS = ("seed", "article", "scale", "scale-load", "load")
RATIO_TABLES = {"seed": "The seed: ratios to the static file", "article": "The article's targets: ratios"}


def run_summary(report: dict) -> dict:
    """What the summary keeps of one run's report."""
    return {
        "when": report["when"],
        "data": report.get("data"),
        "load": {
            key: report["load"][key] for key in ("generator", "connections", "seconds_per_round", "rounds")
        }
        | {"cores": report["load"]["cores"]},
        "workers": report.get("workers"),
        "memory_mb": {
            when: sorted(round(mb, 1) for mb in (found or {}).values() if mb is not None)
            for when, found in report.get("memory", {}).items()
        },
        "targets": {name: {key: row.get(key) for key in KEPT} for name, row in report["targets"].items()},
    }


def queries_side_by_side(seed: dict, scale: dict) -> dict:
    """Queries per request of every target counted in both runs, and whether they are equal."""
    found = {}
    for name, row in seed["targets"].items():
        other = scale["targets"].get(name)
        if front_of(name) or other is None or row.get("queries") is None or other.get("queries") is None:
            continue
        found[name] = {
            "seed": row["queries"],
            "scale": other["queries"],
            "equal": row["queries"] == other["queries"],
        }
    return found


def _path(path: str) -> str:
    """A target's path as a table shows it; a mix, as the paths it takes in turn."""
    paths = [re.sub(r"cursor=[^&]+", "cursor=…", one) for one in path.split()]
    return f"`{paths[0]}`" if len(paths) == 1 else "in turn: " + ", ".join(f"`{one}`" for one in paths)


def _cell(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def markdown(summary: dict) -> str:
    """The summary's tables, as docs/performance.md shows them."""
    out = []
    for label, title in RATIO_TABLES.items():
        seed = summary.get(label)
        if not seed:
            continue
        sized = any(row.get("bytes_per_response") for row in seed["targets"].values())
        out += [
            f"### {title}",
            "",
            "| target | path | × static | p99 ms | errors | queries | cache |"
            + (" bytes/answer |" if sized else ""),
            "|---|---|---:|---:|---:|---:|---|" + ("---:|" if sized else ""),
        ]
        for name, row in seed["targets"].items():
            out.append(
                f"| {name} | {_path(row['path'])} | {_cell(row['ratio'], 3)} | {_cell(row['p99_ms'])} |"
                f" {row['errors']} | {_cell(row['queries'])} | {_cell(row['cache'])} |"
                + (f" {_cell(row.get('bytes_per_response'), 0)} |" if sized else "")
            )
        out.append("")
    if scale := summary.get("scale"):
        loaded = (summary.get("scale-load") or {}).get("targets", {})
        connections = scale["load"]["connections"]
        out += [
            f"### At scale: latency ({connections} connection{'s' if connections > 1 else ''})",
            "",
            "| target | path | p50 ms | p95 ms | p99 ms | errors | × static under load |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for name, row in scale["targets"].items():
            out.append(
                f"| {name}{' *' if row['censored'] else ''} | {_path(row['path'])} | {_cell(row['p50_ms'])} |"
                f" {_cell(row['p95_ms'])} | {_cell(row['p99_ms'])} | {row['errors']} |"
                f" {_cell(loaded.get(name, {}).get('ratio'), 3)} |"
            )
        for name, row in loaded.items():
            if name not in scale["targets"]:
                out.append(
                    f"| {name} | {_path(row['path'])} | | | | {row['errors']} | {_cell(row['ratio'], 3)} |"
                )
        out.append("")
    if side := summary.get("queries"):
        out += ["### Queries per request, seed and scale", "", "| target | seed | scale | equal |"]
        out.append("|---|---:|---:|---|")
        for name, found in side.items():
            out.append(
                f"| {name} | {found['seed']} | {found['scale']} | {'yes' if found['equal'] else '**no**'} |"
            )
        out.append("")
    if load := summary.get("load"):
        out += [
            f"### Under load ({load['load']['connections']} connections,"
            f" {load['load']['seconds_per_round']:g} s per target)",
            "",
            "| target | p50 ms | p99 ms | max ms | errors | × static | bytes/answer |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, row in load["targets"].items():
            out.append(
                f"| {name} | {_cell(row['p50_ms'])} | {_cell(row['p99_ms'])} |"
                f" {_cell(row.get('max_ms'), 0)} | {row['errors']} | {_cell(row['ratio'], 3)} |"
                f" {_cell(row.get('bytes_per_response'), 0)} |"
            )
        out.append("")
    for label in LABELS:
        if found := summary.get(label):
            memory = found["memory_mb"]
            out.append(
                f"Worker RSS ({label}): after warm-up {memory.get('after_warmup_mb')} MB,"
                f" after the load {memory.get('after_load_mb')} MB  "
            )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    for label in LABELS:
        parser.add_argument(f"--{label}", type=Path, help=f"the {label} run's JSON report")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "summary.json")
    parser.add_argument("--update", action="store_true", help="keep the runs of --out that are not named")
    args = parser.parse_args(argv)
    summary = json.loads(args.out.read_text()) if args.update and args.out.exists() else {}
    for label in LABELS:
        if path := getattr(args, label.replace("-", "_")):
            summary[label] = run_summary(json.loads(path.read_text()))
    summary = {label: summary[label] for label in (*LABELS, "queries") if label in summary}
    if "seed" in summary and "scale" in summary:
        summary["queries"] = queries_side_by_side(summary["seed"], summary["scale"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(markdown(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
