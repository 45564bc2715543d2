"""Benchmark Baimo as production runs it: every target under the same load, in interleaved rounds.

    make bench                                        # PostgreSQL (DATABASE_URL), the seed, default load
    .venv/bin/python bench/run.py --duration 5 --rounds 2
    .venv/bin/python bench/run.py --scale --json bench-scale.json    # 10,000 articles (cached)
    .venv/bin/python bench/run.py --sqlite --targets static,article,api-article
    .venv/bin/python bench/run.py --url http://127.0.0.1:8781 --connections 64 --duration 60

Unless `--url` names a running site, it sets the stack up: migrates the database (PostgreSQL from
`--database-url` or DATABASE_URL; `--sqlite` for a file in the work directory), loads the seed, with
`--scale` generates the scale data into the database beside it (`…_scale`; made once, kept for the next
run, made again only when its generator version or sizes differ), builds the search index, collects the
static files, starts its own Redis and gunicorn (`config.wsgi`, 2 sync workers, `config.settings.prod`,
DEBUG off) on 127.0.0.1, and stops them at the end.

Each target is then warmed up, counted (SQL queries per request, through Django's test client with the
same settings) and loaded with wrk in rounds whose order rotates (A, B, C, then B, C, A, …), so that
noise on the shared machine hits every target alike. It prints, per target, requests per second,
p50/p95/p99 and the slowest latency, errors, queries per request, and the ratio of its requests per
second to the static file's, served by the same gunicorn in the same run: quote ratios, never
absolute times. The RSS of each worker is reported after warm-up and after the load.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, results, stack  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/baimo_bench"
# Sizes of the scale data a run may change; bench/scale.py (ScaleSpec) holds the defaults.
SCALE_SIZES = ("articles", "paragraphs", "quotes", "annotations", "mentions")
TARGETS = (
    "static", "home", "article", "article-hans", "article-pinyin", "api-article",
    "articles", "articles-deep", "quotes", "quotes-deep", "company",
    "search-common", "search-word", "api-search", "api-quotes", "api-quotes-deep",
    "sitemap", "sitemap-articles", "feed", "mix",
)  # fmt: skip


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_argument_group("the stack")
    where.add_argument("--url", help="measure this running site instead of starting one (e.g. scripts/stack)")
    where.add_argument("--database-url", help=f"default: DATABASE_URL, else {DEFAULT_DATABASE_URL}")
    where.add_argument("--sqlite", action="store_true", help="use SQLite (a file in --workdir)")
    where.add_argument("--scale", action="store_true", help="measure on the scale data (10,000 articles)")
    where.add_argument("--redis-url", help="use this Redis instead of starting one on --redis-port")
    where.add_argument("--port", type=int, default=8720, help="gunicorn's port (default 8720)")
    where.add_argument("--redis-port", type=int, default=8721, help="the started Redis's port (default 8721)")
    where.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    where.add_argument("--workdir", type=Path, default=Path("/tmp/baimo-bench"), help="logs, SQLite files")
    where.add_argument("--gunicorn-pid", type=int, help="with --url: the master whose workers' RSS to report")
    how = parser.add_argument_group("the load")
    how.add_argument("--duration", type=float, default=10, help="seconds per target per round (default 10)")
    how.add_argument("--rounds", type=int, default=3, help="rounds over all targets (default 3)")
    how.add_argument("--connections", type=int, default=64, help="open connections (default 64)")
    how.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per target (default 2)")
    how.add_argument("--targets", help=f"comma-separated, of: {', '.join(TARGETS)} (default all)")
    how.add_argument("--article", default=load.SEED_ARTICLE, help="the article's slug (default the seed's)")
    how.add_argument("--no-queries", action="store_true", help="skip counting queries per request")
    how.add_argument("--json", type=Path, help="also write the results to this JSON file")
    scale = parser.add_argument_group("the scale data (with --scale; defaults in bench/scale.py)")
    scale.add_argument("--scale-articles", type=int, help="published articles (default 10,000)")
    for name in SCALE_SIZES[1:]:
        scale.add_argument(f"--scale-{name}", type=int, help=f"{name} over all of them")
    args = parser.parse_args(argv)
    if args.connections < 1 or args.rounds < 1 or args.duration < 1:
        parser.error("--connections, --rounds and --duration must be at least 1")
    if args.targets:
        unknown = set(args.targets.split(",")) - set(TARGETS)
        if unknown:
            parser.error(f"unknown targets: {', '.join(sorted(unknown))}; known: {', '.join(TARGETS)}")
    return args


def database_url(args: argparse.Namespace) -> str:
    if args.sqlite:
        url = f"sqlite:///{(args.workdir / 'bench.sqlite3').resolve()}"
    else:
        url = args.database_url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    return stack.scale_database_url(url) if args.scale else url


def new_stack(args: argparse.Namespace) -> stack.Stack:
    return stack.Stack(
        workdir=args.workdir,
        database_url=database_url(args),
        redis_url=args.redis_url,
        redis_port=args.redis_port,
        port=args.port,
        workers=args.workers,
    )


def set_up(site: stack.Stack, args: argparse.Namespace) -> dict:
    """Prepare the database and start Redis and gunicorn; return what setting up took."""
    spent: dict = {}
    site.start_redis()
    sizes = {name: getattr(args, f"scale_{name}") for name in SCALE_SIZES}
    scale_args = [f"--{name}={value}" for name, value in sizes.items() if value is not None]
    ready = False
    if args.scale:
        stack.ensure_database(site.database_url)
        ready = _scale_ready(site, scale_args)
        if not ready:
            stack.log("The scale data is missing or from another generator: making the database again.")
            stack.ensure_database(site.database_url, fresh=True)
    else:
        stack.ensure_database(site.database_url)
    mark = time.monotonic()
    stack.log(f"Migrating {site.database_url} and loading the seed…")
    site.manage("migrate", "--noinput", "-v", "0", long=True)
    stack.log(site.manage("load_seed", long=True, capture=True).strip())
    spent["migrate_and_seed_seconds"] = round(time.monotonic() - mark, 1)
    if args.scale and not ready:
        stack.log("Generating the scale data (a few minutes; kept for the next run)…")
        mark = time.monotonic()
        output = site.manage("bench/generate.py", *scale_args, long=True, capture=True)
        spent["generation"] = json.loads(output.strip().splitlines()[-1])
        spent["generation_seconds"] = round(time.monotonic() - mark, 1)
    elif args.scale:
        spent["generation"] = "cached"
    site.manage("collectstatic", "--noinput", "-v", "0")
    site.start_gunicorn()
    return spent


def _scale_ready(site: stack.Stack, scale_args: list[str]) -> bool:
    command = [str(stack.PYTHON), "bench/generate.py", "--check", *scale_args]
    return subprocess.run(command, cwd=ROOT, env=site.env(), capture_output=True).returncode == 0


def count_queries(paths: dict[str, str], env: dict[str, str]) -> dict:
    """Run bench/queries.py with the app's environment; return its JSON (queries per target, data)."""
    wanted = {name: path for name, path in paths.items() if len(path.split()) == 1}
    done = subprocess.run(
        [str(stack.PYTHON), "bench/queries.py", json.dumps(wanted)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        stack.log(f"Counting queries failed:\n{done.stderr.strip()[-2000:]}")
        return {}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(args: argparse.Namespace, base: str, env: dict[str, str] | None, master: int | None, spent: dict):
    paths = load.discover(base, article=args.article)
    wanted = args.targets.split(",") if args.targets else list(TARGETS)
    if results.BASELINE not in wanted:
        wanted.insert(0, results.BASELINE)  # every ratio needs it, measured in the same rounds
    missing = [name for name in wanted if name not in paths]
    if missing:
        stack.log(f"Not on this site (one page only, or no such list): {', '.join(missing)}")
    paths = {name: paths[name] for name in wanted if name in paths}
    answers = load.preflight(base, paths)
    for name, (status, _size) in answers.items():
        if status != 200:
            stack.log(f"Left out: {name} ({paths[name]}) answers {status}")
    paths = {name: path for name, path in paths.items() if answers[name][0] == 200}
    if results.BASELINE not in paths:
        raise SystemExit("The static file does not answer 200: collectstatic, or WhiteNoise, is missing.")

    counted = count_queries(paths, env) if env is not None and not args.no_queries else {}
    queries = {name: found["queries"] for name, found in counted.get("queries", {}).items()}

    stack.log(f"Warming up {len(paths)} targets…")
    quiet = paths[results.BASELINE]
    for name, path in paths.items():
        load.run_wrk(base, name, path, connections=min(args.connections, 4), seconds=args.warmup, round_=-1)
        load.drain(base, quiet)
    memory = {"after_warmup_mb": stack.workers_memory(master)}

    runs, drained = [], {}
    order = results.rotations(list(paths), args.rounds)
    for number, names in enumerate(order, start=1):
        stack.log(f"Round {number} of {len(order)}: {', '.join(names)}")
        for name in names:
            run = load.run_wrk(
                base, name, paths[name], connections=args.connections, seconds=args.duration, round_=number
            )
            runs.append(run)
            drained[name] = drained.get(name, 0.0) + load.drain(base, quiet)
    memory["after_load_mb"] = stack.workers_memory(master)
    rows = results.summarise(runs, paths=paths, queries=queries)
    about = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "url": base,
        "data": counted.get("data"),
        "setup": spent,
        "load": {
            "generator": f"{load.wrk_version()}, 1 thread",
            "connections": args.connections,
            "seconds_per_round": args.duration,
            "rounds": args.rounds,
            "order": order,
            "cores": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
        "memory": memory,
        # Seconds the app went on answering what each target's runs left queued (not counted in req/s).
        "drain_seconds": {name: round(seconds, 1) for name, seconds in drained.items()},
        "sizes": {name: answers[name][1] for name in paths},
        "queries_cold": {name: found["cold"] for name, found in counted.get("queries", {}).items()},
    }
    return rows, about


def describe(rows, about: dict, workers: int | None) -> str:
    data = about.get("data") or {}
    load_ = about["load"]
    lines = []
    if data:
        size = data.get("database_bytes")
        lines.append(
            f"Data: {data['vendor']}, {data['published_articles']:,} published articles, "
            f"{data['paragraphs']:,} paragraphs, {data['quotes']:,} quotes, "
            f"{data['annotations']:,} annotations" + (f", database {size / 2**20:,.0f} MB" if size else "")
        )
    lines.append(
        f"App: {about['url']}"
        + (f", gunicorn {workers} sync workers, config.settings.prod (DEBUG off)" if workers else "")
    )
    lines.append(
        f"Load: {load_['generator']}, {load_['connections']} connections, {load_['rounds']} interleaved "
        f"rounds of {load_['seconds_per_round']:g} s per target; {load_['cores']} cores shared with the app"
    )
    lines += ["", results.table(rows), ""]
    for when, label in (("after_warmup_mb", "after warm-up"), ("after_load_mb", "after the load")):
        found = about["memory"].get(when) or {}
        if found:
            shown = ", ".join(f"{mb:,.1f}" for mb in found.values() if mb is not None)
            lines.append(f"Worker RSS {label}: {shown} MB")
    if not about["memory"].get("after_warmup_mb"):
        lines.append("Worker RSS: not measured (pass --gunicorn-pid with --url)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    load.wrk_version()  # fail before setting anything up
    # Stopped like an interrupt, so that what was started is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.workdir.mkdir(parents=True, exist_ok=True)
    site = None
    try:
        if args.url:
            base, spent, master, workers = args.url.rstrip("/"), {}, args.gunicorn_pid, None
            env = dict(os.environ) if os.environ.get("DATABASE_URL") else None
            if env is None and not args.no_queries:
                stack.log(
                    "Queries are not counted: with --url, give the site's environment (DATABASE_URL …)."
                )
        else:
            site = new_stack(args)
            spent = set_up(site, args)
            base, master, workers, env = site.url, site.gunicorn_pid(), args.workers, site.env()
        rows, about = measure(args, base, env, master, spent)
    finally:
        if site is not None:
            site.stop()
    print(describe(rows, about, workers))
    if args.json:
        args.json.write_text(json.dumps(results.report(rows, **about), indent=2, ensure_ascii=False) + "\n")
        stack.log(f"Wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
