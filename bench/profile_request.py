"""Profile where one target's time goes: cProfile over repeated requests through the whole middleware stack.

    bench/run.py's environment (DJANGO_SETTINGS_MODULE=config.settings.prod, DATABASE_URL, REDIS_URL …) \
        .venv/bin/python bench/profile_request.py /articles/<slug>/ --requests 200 --top 30

Requests go through Django's test client as a new reader's would (no cookie, `Accept-Encoding` set),
after a few unmeasured ones that fill the caches, in one process: what a gunicorn worker does per request
without the socket. It prints the milliseconds per request (wall and CPU, then under the profiler) and
the functions that take the most time (cumulative, then own time).
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--callers", help="also print who calls the functions matching this pstats pattern")
    args = parser.parse_args(argv)

    # One client, as one worker loads the middleware once (WhiteNoise scans the static files then).
    client = Client(SERVER_NAME=args.host, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    def get():
        client.cookies.clear()  # no cookie carried from the request before
        response = client.get(args.path)
        if response.status_code != 200:
            raise SystemExit(f"{args.path} answers {response.status_code}")
        return response

    for _ in range(5):
        get()
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        get()
    plain, cpu = time.perf_counter() - started, time.process_time() - cpu
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.requests):
        get()
    profiler.disable()
    spent = time.perf_counter() - started
    print(
        f"{args.path}: {plain / args.requests * 1000:.2f} ms per request,"
        f" {cpu / args.requests * 1000:.2f} ms of it on this process's CPU"
        f" ({spent / args.requests * 1000:.2f} ms under the profiler; {args.requests} requests each)"
    )
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
        print(f"\n--- by {order} ---")
        print(out.getvalue().split("\n", 6)[-1].rstrip())
    if args.callers:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_callers(args.callers)
        print(f"\n--- callers of {args.callers} ---")
        print(out.getvalue().split("\n", 6)[-1].rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
