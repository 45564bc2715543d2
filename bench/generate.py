"""Generate the benchmark's scale data into the database the settings name (bench/scale.py says what).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/baimo_bench_scale .venv/bin/python bench/generate.py

The database must be migrated and hold the seed (`manage.py load_seed`). With the data already there at
this generator's version it does nothing.
An interrupted run is taken up where it stopped. It prints one JSON line last: the counts and the
seconds each step took. `--check` only answers, by its exit status: the data is there (0), none or part of
it is (1: generating makes or completes it), the database holds other generated data (2).
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import DatabaseError  # noqa: E402

from bench.scale import ScaleSpec, State, generate_scale, scale_marker, scale_ready, scale_state  # noqa: E402


def main(argv=None) -> int:
    defaults = ScaleSpec()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    for name in ("articles", "paragraphs", "quotes", "annotations", "mentions", "seed"):
        parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
    parser.add_argument(
        "--store-renders",
        action="store_true",
        help="also render every page and document of each version as publishing does (many times slower)",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 0: the data is there, 1: not yet, 2: other"
    )
    args = parser.parse_args(argv)
    spec = ScaleSpec(**{name: getattr(args, name) for name in ScaleSpec.__dataclass_fields__})
    if args.check:
        try:
            state = scale_state(spec)
        except DatabaseError:  # not migrated yet
            return 1
        return {State.READY: 0, State.RESUMABLE: 1}.get(state, 2)
    if scale_ready(spec):
        print(json.dumps({"skipped": True, **(scale_marker() or {})}, ensure_ascii=False))
        return 0
    report = generate_scale(
        spec,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
        store_renders=args.store_renders,
    )
    print(json.dumps({"skipped": False, **spec.marker(), "report": report}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
