"""Benchmark Baimo as production runs it: every target under the same load, in interleaved rounds.

    make bench                                        # PostgreSQL (DATABASE_URL), the seed, default load
    .venv/bin/python bench/run.py --duration 3 --rounds 2 --targets static,article
    .venv/bin/python bench/run.py --scale                            # 10,000 articles (generated once)
    .venv/bin/python bench/run.py --scale --connections 1 --varnish none   # each request's own latency
    .venv/bin/python bench/run.py --targets article,api-article,search-word,mix --varnish all \
        --duration 60 --rounds 1                                     # the long load
    .venv/bin/python bench/run.py --url http://127.0.0.1:8781 --varnish-url http://127.0.0.1:8780

Unless `--url` names a running site (and `--varnish-url` the front cache before it), it sets the stack
up: collects the static files, migrates the database (PostgreSQL from `--database-url` or DATABASE_URL;
`--sqlite` for a file in the work directory), loads the seed, with `--scale` generates the scale data
into the database beside it (`…_scale`; made once and kept for the next run, taken up where it stopped
after an interruption, made again in a fresh database when its generator version or sizes differ) and
builds its search index; then it brings PostgreSQL's statistics up to date (`VACUUM (ANALYZE)`, as
autovacuum keeps production), starts its own Redis, gunicorn (`config.wsgi`, 2 sync workers,
`config.settings.prod`, DEBUG off) and Varnish with `deploy/varnish/baimo.vcl` in front of it, on
127.0.0.1 (ports 8801, 8800, 8802 by default), and stops them at the end.

Each target is then warmed up, counted (SQL queries per request, through Django's test client with the
same settings) and loaded with wrk in rounds whose order rotates (A, B, C, then B, C, A, …), so that
noise on the shared machine hits every target alike; the targets `--varnish` names are loaded through
Varnish too, as `<target>@varnish`. It prints, per target, requests per second, p50/p95/p99 and the
slowest latency, errors, queries per request, what Varnish said (X-Cache), and the ratio of its requests
per second to the static file's through the same front in the same run: quote ratios, never absolute
times. The RSS of each worker is reported after warm-up and after the load. The report goes to
bench/results/raw/ as JSON; bench/summarise.py keeps what docs/performance.md quotes.
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
    "article-image", "api-article-image",
    "articles", "articles-deep", "quotes", "quotes-deep", "company",
    "search-common", "search-word", "api-search",
    "api-articles", "api-articles-deep", "api-articles-cursor",
    "api-quotes", "api-quotes-deep", "api-quotes-cursor",
    "sitemap", "sitemap-articles", "feed", "mix",
)  # fmt: skip
# Measured through Varnish too unless --varnish says otherwise: what readers and integrators ask for most.
VARNISH_TARGETS = ("static", "article", "article-hans", "article-pinyin", "api-article", "search-word", "mix")
RESULTS = ROOT / "bench" / "results"


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
    where.add_argument(
        "--varnish-url", help="with --url: the front cache in front of it (e.g. scripts/stack's Varnish)"
    )
    where.add_argument("--port", type=int, default=8800, help="gunicorn's port (default 8800)")
    where.add_argument("--redis-port", type=int, default=8801, help="the started Redis's port (default 8801)")
    where.add_argument(
        "--varnish-port", type=int, default=8802, help="the started Varnish's port (default 8802)"
    )
    where.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    where.add_argument("--workdir", type=Path, default=Path("/tmp/baimo-bench"), help="logs, SQLite files")
    where.add_argument("--gunicorn-pid", type=int, help="with --url: the master whose workers' RSS to report")
    how = parser.add_argument_group("the load")
    how.add_argument("--duration", type=float, default=10, help="seconds per target per round (default 10)")
    how.add_argument("--rounds", type=int, default=3, help="rounds over all targets (default 3)")
    how.add_argument("--connections", type=int, default=64, help="open connections (default 64)")
    how.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per target (default 2)")
    how.add_argument("--targets", help=f"comma-separated, of: {', '.join(TARGETS)} (default all)")
    how.add_argument(
        "--varnish",
        default=",".join(VARNISH_TARGETS),
        help="targets measured through Varnish too, as `<target>@varnish`, with the static file through "
        f"Varnish as their baseline: comma-separated, `all` or `none` (default {','.join(VARNISH_TARGETS)})",
    )
    how.add_argument("--article", default=load.SEED_ARTICLE, help="the article's slug (default the seed's)")
    how.add_argument("--no-queries", action="store_true", help="skip counting queries per request")
    how.add_argument(
        "--json",
        type=Path,
        help="write the results to this JSON file (default bench/results/raw/<time>-<seed|scale>.json)",
    )
    scale = parser.add_argument_group("the scale data (with --scale; defaults in bench/scale.py)")
    scale.add_argument("--scale-articles", type=int, help="published articles (default 10,000)")
    for name in SCALE_SIZES[1:]:
        scale.add_argument(f"--scale-{name}", type=int, help=f"{name} over all of them")
    args = parser.parse_args(argv)
    if args.connections < 1 or args.rounds < 1 or args.duration < 1:
        parser.error("--connections, --rounds and --duration must be at least 1")
    for option, value in (("--targets", args.targets), ("--varnish", args.varnish)):
        unknown = set((value or "").split(",")) - set(TARGETS) - {"", "all", "none"}
        if unknown:
            parser.error(
                f"{option}: unknown targets: {', '.join(sorted(unknown))}; known: {', '.join(TARGETS)}"
            )
    if args.varnish_url and not args.url:
        parser.error("--varnish-url goes with --url; without it the benchmark starts its own Varnish")
    return args


def chosen(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The targets measured directly, and those measured through Varnish too (always with the static file)."""
    direct = args.targets.split(",") if args.targets else list(TARGETS)
    if args.varnish == "none" or (args.url and not args.varnish_url):
        through = []
    elif args.varnish == "all":
        through = list(direct)
    else:
        through = [name for name in args.varnish.split(",") if name in direct]
    # Every ratio needs the static file, measured in the same rounds through the same front.
    for names in (direct, through):
        if names and results.BASELINE not in names:
            names.insert(0, results.BASELINE)
    return direct, through


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
        varnish_port=args.varnish_port,
    )


def set_up(site: stack.Stack, args: argparse.Namespace) -> dict:
    """Prepare the database and start Redis, gunicorn and (when wanted) Varnish; return what it took."""
    spent: dict = {}
    site.start_redis()
    sizes = {name: getattr(args, f"scale_{name}") for name in SCALE_SIZES}
    scale_args = [f"--{name}={value}" for name, value in sizes.items() if value is not None]
    stack.ensure_database(site.database_url)
    ready = False
    if args.scale:
        state = _scale_state(site, scale_args)
        ready = state == 0
        if state == 2:
            stack.log("The scale database holds data of another generator or size: making it again.")
            stack.ensure_database(site.database_url, fresh=True)
    # Before the seed: publishing renders the page, whose links name the collected (hashed) files.
    site.manage("collectstatic", "--noinput", "-v", "0")
    mark = time.monotonic()
    stack.log(f"Migrating {site.database_url}…")
    site.manage("migrate", "--noinput", "-v", "0", long=True)
    # The scale data was generated over the seed; load_seed would only rebuild the whole search index.
    if not ready:
        stack.log(site.manage("load_seed", long=True, capture=True).strip())
    # A copy of the seed article with a lead image and its screenshot: what an image costs a request.
    site.manage("bench/illustrate.py", capture=True)
    spent["migrate_and_seed_seconds"] = round(time.monotonic() - mark, 1)
    if args.scale and not ready:
        stack.log("Generating the scale data (minutes; kept for the next run, resumed if interrupted)…")
        mark = time.monotonic()
        output = site.manage("bench/generate.py", *scale_args, long=True, capture=True)
        spent["generation"] = json.loads(output.strip().splitlines()[-1])
        spent["generation_seconds"] = round(time.monotonic() - mark, 1)
    elif args.scale:
        spent["generation"] = "cached"
    mark = time.monotonic()
    stack.vacuum_analyze(site.database_url)
    spent["vacuum_analyze_seconds"] = round(time.monotonic() - mark, 1)
    site.start_gunicorn()
    if chosen(args)[1]:
        site.start_varnish()
    return spent


def _scale_state(site: stack.Stack, scale_args: list[str]) -> int:
    """0: the scale data is there; 1: none or part of it (generating completes it); 2: other data."""
    command = [str(stack.PYTHON), "bench/generate.py", "--check", *scale_args]
    return subprocess.run(command, cwd=ROOT, env=site.env(), capture_output=True).returncode


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


def measure(args: argparse.Namespace, fronts: dict[str, str], env, master: int | None, spent: dict):
    """Warm up, count and load every target through each front; return the rows and what they were."""
    base = fronts[""]
    found = load.discover(base, article=args.article)
    direct, through = chosen(args)
    missing = [name for name in direct if name not in found]
    if missing:
        stack.log(f"Not on this site (one page only, or no such list): {', '.join(missing)}")
    # Each entry is a target through one front: `article` straight to gunicorn, `article@varnish`.
    entries: dict[str, tuple[str, str]] = {}
    for front, names in (("", direct), ("varnish", through)):
        for name in names:
            if name in found:
                label = f"{name}{results.FRONT_SEPARATOR}{front}" if front else name
                entries[label] = (fronts[front], found[name])
    answers = {label: load.preflight(at, {label: path})[label] for label, (at, path) in entries.items()}
    for label, answer in answers.items():
        if answer.status != 200:
            stack.log(f"Left out: {label} ({entries[label][1]}) answers {answer.status}")
    entries = {label: entry for label, entry in entries.items() if answers[label].status == 200}
    if results.BASELINE not in entries:
        raise SystemExit("The static file does not answer 200: collectstatic, or WhiteNoise, is missing.")
    paths = {label: path for label, (_at, path) in entries.items()}

    direct_paths = {label: path for label, path in paths.items() if not results.front_of(label)}
    counted = count_queries(direct_paths, env) if env is not None and not args.no_queries else {}
    queries = {name: found["queries"] for name, found in counted.get("queries", {}).items()}

    stack.log(f"Warming up {len(entries)} targets…")
    quiet = found[results.BASELINE]  # fetched from the app itself: its queue is what must drain
    for label, (at, path) in entries.items():
        load.run_wrk(at, label, path, connections=min(args.connections, 4), seconds=args.warmup, round_=-1)
        load.drain(base, quiet)
    memory = {"after_warmup_mb": stack.workers_memory(master)}

    runs, drained = [], {}
    order = results.rotations(list(entries), args.rounds)
    for number, labels in enumerate(order, start=1):
        stack.log(f"Round {number} of {len(order)}: {', '.join(labels)}")
        for label in labels:
            at, path = entries[label]
            run = load.run_wrk(
                at, label, path, connections=args.connections, seconds=args.duration, round_=number
            )
            runs.append(run)
            waited = load.drain(base, quiet)
            drained[label] = drained.get(label, 0.0) + waited
            stack.log(
                f"  {label}: {run.requests / run.seconds:,.1f} req/s, {run.error_count} errors"
                f" (then {waited:.1f} s answering what was queued)"
            )
    memory["after_load_mb"] = stack.workers_memory(master)
    rows = results.summarise(
        runs,
        paths=paths,
        queries=queries,
        connections=args.connections,
        caches={label: answer.cache for label, answer in answers.items() if answer.cache},
    )
    about = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "url": base,
        "fronts": {front or "direct": url for front, url in fronts.items()},
        "scale": args.scale,
        "data": counted.get("data"),
        "setup": spent,
        "load": {
            "generator": f"{load.wrk_version()}, 1 thread",
            "connections": args.connections,
            "seconds_per_round": args.duration,
            "rounds": args.rounds,
            "warmup_seconds": args.warmup,
            "order": order,
            "cores": os.cpu_count(),
            "load_average_after": os.getloadavg(),
        },
        "memory": memory,
        # Seconds the app went on answering what each target's runs left queued (not counted in req/s).
        "drain_seconds": {label: round(seconds, 1) for label, seconds in drained.items()},
        "sizes": {label: answers[label].size for label in entries},
        "cache_control": {label: answers[label].cache_control for label in entries},
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
    if "varnish" in about["fronts"]:
        lines.append(
            f"Front: Varnish at {about['fronts']['varnish']} (deploy/varnish/baimo.vcl): the `@varnish` rows,"
            " each a ratio to the static file through Varnish; `cache` is X-Cache on a second fetch"
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
            fronts = {"": args.url.rstrip("/")}
            if args.varnish_url:
                fronts["varnish"] = args.varnish_url.rstrip("/")
            spent, master, workers = {}, args.gunicorn_pid, None
            env = dict(os.environ) if os.environ.get("DATABASE_URL") else None
            if env is None and not args.no_queries:
                stack.log(
                    "Queries are not counted: with --url, give the site's environment (DATABASE_URL …)."
                )
        else:
            site = new_stack(args)
            spent = set_up(site, args)
            master, workers, env = site.gunicorn_pid(), args.workers, site.env()
            fronts = {"": site.url}
            if chosen(args)[1]:
                fronts["varnish"] = site.varnish_url
        rows, about = measure(args, fronts, env, master, spent)
    finally:
        if site is not None:
            site.stop()
    print(describe(rows, about, workers))
    about["workers"] = workers
    written = args.json or default_json(about)
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_text(json.dumps(results.report(rows, **about), indent=2, ensure_ascii=False) + "\n")
    stack.log(f"Wrote {written}")
    return 0


def default_json(about: dict) -> Path:
    """bench/results/raw/<UTC time>-<seed|scale>.json: one file per run, kept out of the repository."""
    stamp = about["when"].replace(":", "").replace("-", "").removesuffix("+0000")
    return RESULTS / "raw" / f"{stamp}-{'scale' if about['scale'] else 'seed'}.json"


if __name__ == "__main__":
    sys.exit(main())
