"""The load: which URLs the benchmark measures, and runs of wrk against them.

wrk (Debian's package, `scripts/install-bench-deps`) is an event-driven load generator written in C: one
thread keeps every connection busy while using a fraction of one core, which matters on a machine whose
two cores also run the app. `bench/wrk_report.lua` makes it print the run's latency quantiles and errors
as JSON. Every request looks like a cold browser's first visit: no cookies, `Accept-Encoding` set.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from .results import Run

LUA = Path(__file__).resolve().parent / "wrk_report.lua"
ACCEPT_ENCODING = "gzip, deflate, br"
SEED_ARTICLE = "one-year-after-chatgpt-hundred-model-war"
SEED_COMPANY = "openai"
API_PAGE = 20

# The mix: a reader's and an integrator's usual requests, taken in turn on every connection.
MIX = ("article", "api-article", "search-word", "articles")


def fetch(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "baimo-bench"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _last_page(base: str, path: str) -> int | None:
    """The highest page number a list links to from its first page, or None when it has one page."""
    status, body = fetch(base + path)
    numbers = [int(n) for n in re.findall(rb"[?&;]page=(\d+)", body)] if status == 200 else []
    return max(numbers) if numbers else None


def discover(base: str, *, article: str = SEED_ARTICLE, company: str = SEED_COMPANY) -> dict[str, str]:
    """Every target's path on the site at `base`, found from its pages (static names, last pages)."""
    article_path = f"/articles/{article}/"
    status, body = fetch(base + article_path)
    if status != 200:
        raise SystemExit(f"The article page {article_path} answers {status}: is the seed loaded?")
    stylesheet = re.search(rb'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', body) or re.search(
        rb'href="(/static/[^"]+\.css)"', body
    )
    paths = {"static": stylesheet.group(1).decode() if stylesheet else "/static/css/baimo.css"}
    paths |= {
        "home": "/",
        "article": article_path,
        "article-hans": f"{article_path}?variant=zh-hans",
        "article-pinyin": f"{article_path}?pinyin=1",
        "api-article": f"/api/v1/articles/{article}",
        "articles": "/articles/",
    }
    if last := _last_page(base, "/articles/"):
        paths["articles-deep"] = f"/articles/?page={last}"
    paths["quotes"] = "/quotes/"
    if last := _last_page(base, "/quotes/"):
        paths["quotes-deep"] = f"/quotes/?page={last}"
    paths |= {
        "company": f"/companies/{company}/",
        "search-common": "/search?q=" + quote("的"),
        "search-word": "/search?q=" + quote("算力"),
        "api-search": "/api/v1/search?q=" + quote("算力"),
        "api-quotes": "/api/v1/quotes",
    }
    status, body = fetch(base + "/api/v1/quotes")
    count = json.loads(body).get("count", 0) if status == 200 else 0
    if count > API_PAGE:
        paths["api-quotes-deep"] = f"/api/v1/quotes?offset={min(count - API_PAGE, 1_000_000)}"
    paths |= {
        "sitemap": "/sitemap.xml",
        "sitemap-articles": "/sitemap-articles.xml",
        "feed": "/feeds/articles.atom",
    }
    paths["mix"] = " ".join(paths[name] for name in MIX)
    return paths


def preflight(base: str, paths: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Each target's status and size, fetched once (a mix: its first failure, its largest page).

    Only targets answering 200 are worth measuring: a redirect or an error would be timed as a page.
    """
    found = {}
    for name, path in paths.items():
        answers = [fetch(base + one) for one in path.split()]
        status = next((status for status, _ in answers if status != 200), 200)
        found[name] = (status, max(len(body) for _, body in answers))
    return found


def drain(base: str, path: str, *, quick: float = 0.05, seconds: float = 120) -> float:
    """Wait until the app has answered what a finished run left queued; return the seconds waited.

    When wrk stops, the requests its connections had sent are still queued for the workers, which
    answer them all: the next run must not start behind them. A request answered quickly twice in a
    row, fetched one at a time, says the queue is empty.
    """
    started = time.monotonic()
    quick_answers = 0
    while quick_answers < 2 and time.monotonic() - started < seconds:
        mark = time.monotonic()
        fetch(base + path)
        quick_answers = quick_answers + 1 if time.monotonic() - mark < quick else 0
    return time.monotonic() - started


def wrk_version() -> str:
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is missing: run scripts/install-bench-deps (Debian's wrk package).")
    done = subprocess.run([wrk, "--version"], capture_output=True, text=True)
    return (done.stdout + done.stderr).split("Copyright")[0].strip()


def run_wrk(base: str, name: str, path: str, *, connections: int, seconds: float, round_: int) -> Run:
    """Load one target for `seconds` with `connections` connections; a mix takes its paths in turn."""
    env = dict(os.environ)
    paths = path.split()
    if len(paths) > 1:
        env["BENCH_MIX_PATHS"] = path
    else:
        env.pop("BENCH_MIX_PATHS", None)
    command = [
        "wrk",
        "--threads", "1",
        "--connections", str(connections),
        "--duration", f"{max(1, round(seconds))}s",
        "--timeout", "30s",
        "--script", str(LUA),
        "--header", f"Accept-Encoding: {ACCEPT_ENCODING}",
        base + paths[0],
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    line = next((line for line in done.stdout.splitlines() if line.startswith("BENCH-JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed on {name}: {done.stderr.strip() or done.stdout.strip()}")
    found = json.loads(line.removeprefix("BENCH-JSON "))
    return Run(
        target=name,
        round=round_,
        requests=found["requests"],
        seconds=found["duration_us"] / 1e6,
        errors=found["errors"],
        mean_us=found["mean_us"],
        quantiles_us=[tuple(point) for point in found["quantiles_us"]],
    )
