"""Measure the ingest pipeline on real articles damaged at random: `.venv/bin/python -m bench.ingest`.

    .venv/bin/python -m bench.ingest                 # 5 seeds per article and variant, the figures
    .venv/bin/python -m bench.ingest --seeds 20 -v   # more seeds, and examples of each miss
    .venv/bin/python -m bench.ingest --speed         # also the pipeline's time at 10 KB, 100 KB and 1 MB

The corpus is `bench/ingest/corpus/` (sources in its `manifest.json`), the damage `bench/ingest/damage.py`,
the scoring `bench/ingest/score.py`. Every figure is hits / total over all cases.
"""

from __future__ import annotations

import argparse
import sys
import time

from articles.textpipeline import parse_article

from .damage import load_corpus, make_case, make_cases
from .score import Tally, score_case

FIGURES = [
    "paragraphs exact outside runs",
    "headings",
    "headings ending in ！",
    "runs flagged (exact boundaries)",
    "undamaged warnings",
    "undamaged unchanged",
    "damaged cases without spurious warnings",
    "legit ASCII preserved",
    "tails closed right",
    "exact proposals (bytes allow)",
    "proposals consistent (□ = lost)",
    "UTF-8-as-GBK repaired",
    "script warnings (OpenCC proposal)",
]


def evaluate(seeds: int) -> Tally:
    tally = Tally()
    for case in make_cases(range(1, seeds + 1)):
        score_case(case, parse_article(case.raw), tally)
    return tally


def speed() -> list[tuple[int, float]]:
    """Return (bytes, seconds) for damaged text of about 10 KB, 100 KB and 1 MB."""
    lines = [
        line
        for seed in range(1, 40)
        for article in load_corpus()
        for line in make_case(article, seed, "damaged").raw.splitlines()
    ]
    parse_article(lines[0])  # lexicons load once per process: not part of any size's time
    timings = []
    for size in (10_000, 100_000, 1_000_000):
        taken, total = [], 0
        for line in lines:
            if total >= size:
                break
            taken.append(line)
            total += len(line.encode()) + 1
        raw = "\n".join(taken) + "\n"
        start = time.perf_counter()
        parse_article(raw)
        timings.append((len(raw.encode()), time.perf_counter() - start))
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    articles = load_corpus()
    print(
        f"{len(articles)} articles, {args.seeds} seeds, variants: undamaged, legit-undamaged, damaged, legit"
    )
    tally = evaluate(args.seeds)
    for figure in FIGURES:
        hits, total = tally.ratio(figure)
        share = f"{100 * hits / total:5.1f}%" if total else "    -"
        print(f"  {figure:<42} {hits:>5} / {total:<5} {share}")
        if args.verbose and figure in tally.failures:
            for example in tally.failures[figure]:
                print(f"      miss: {example}")
    if args.speed:
        for size, seconds in speed():
            print(
                f"  parse_article on {size / 1000:>7.0f} KB: {seconds:6.2f} s "
                f"({seconds / size * 1e6:.2f} s/MB)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
