"""Measure the ingest pipeline on real articles damaged at random: `.venv/bin/python -m bench.ingest`.

    .venv/bin/python -m bench.ingest                 # 5 seeds per article and variant, the figures
    .venv/bin/python -m bench.ingest --seeds 20 -v   # more seeds, and examples of each miss
    .venv/bin/python -m bench.ingest --speed         # also the pipeline's time at 10 KB, 100 KB and 1 MB

The corpus is `bench/ingest/corpus/` (sources in its `manifest.json`; each article is in the `dev` split,
which the pipeline is tuned on, or the `held-out` one, reported apart), the damage `bench/ingest/damage.py`,
the scoring `bench/ingest/score.py`. Every figure is hits / total over all cases.
"""

from __future__ import annotations

import argparse
import sys
import time

from articles.textpipeline import parse_article

from .damage import SPLITS, load_corpus, make_case, make_cases
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
    "proven readings consistent (□ = lost)",
    "original among the ranked readings",
    "UTF-8-as-GBK repaired",
    "script warnings (OpenCC proposal)",
]


def evaluate(seeds: int, split: str | None = None) -> Tally:
    tally = Tally()
    for case in make_cases(range(1, seeds + 1), split):
        score_case(case, parse_article(case.raw), tally)
    return tally


def speed() -> list[tuple[int, float]]:
    """Return (bytes, CPU seconds) for damaged text of about 10 KB, 100 KB and 1 MB."""
    lines = [
        line
        for seed in range(1, 40)
        for article in load_corpus("dev")
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
        # CPU time: the machine may be shared, and the pipeline does no I/O.
        start = time.process_time()
        parse_article(raw)
        timings.append((len(raw.encode()), time.process_time() - start))
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    splits = {split: load_corpus(split) for split in SPLITS}
    counts = ", ".join(f"{len(articles)} {split}" for split, articles in splits.items())
    print(f"articles: {counts}; {args.seeds} seeds; variants: undamaged, legit-undamaged, damaged, legit")
    tallies = {split: evaluate(args.seeds, split) for split in SPLITS}
    print(f"  {'figure':<42} {'dev':>20}   {'held-out':>20}")
    for figure in FIGURES:
        cells = []
        for split in SPLITS:
            hits, total = tallies[split].ratio(figure)
            share = f"{100 * hits / total:5.1f}%" if total else "    -"
            cells.append(f"{hits:>5} / {total:<5} {share}")
        print(f"  {figure:<42} {cells[0]:>20}   {cells[1]:>20}")
        if args.verbose:
            for split in SPLITS:
                for example in tallies[split].failures.get(figure, []):
                    print(f"      miss ({split}): {example}")
    if args.speed:
        for size, seconds in speed():
            print(
                f"  parse_article on {size / 1000:>7.0f} KB: {seconds:6.2f} s CPU "
                f"({seconds / size * 1e6:.2f} s/MB)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
