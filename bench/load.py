"""The load: which URLs the benchmark measures, and runs of wrk against them.

wrk (Debian's package, `scripts/install-bench-deps`) is an event-driven load generator written in C: one
thread keeps every connection busy while using a fraction of one core, which matters on a machine whose
two cores also run the app. `bench/wrk_report.lua` makes it print the run's latency quantiles and errors
as JSON. Every request looks like a cold browser's first visit: no cookies, `Accept-Encoding` set.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from .results import Run

LUA = Path(__file__).resolve().parent / "wrk_report.lua"
ACCEPT_ENCODING = "gzip, deflate, br"
SEED_ARTICLE = "one-year-after-chatgpt-hundred-model-war"
SEED_COMPANY = "openai"
API_PAGE = 20
# How deep the API's deep pages go: the offset the issue measures at (100,000 quotes at scale), reached
# by following `next`; `offset` itself goes only as deep as the schema's maximum.
DEEP_OFFSET = 90_000
# How deep the reader's deep pages go: the page a reader following "next" from the first would reach.
DEEP_PAGE = 400
# What a walk to a deep page asks per request (the API's largest page).
WALK_LIMIT = 100

# The mix: a reader's and an integrator's usual requests, taken in turn on every connection.
MIX = ("article", "api-article", "search-word", "articles")


def fetch(url: str) -> tuple[int, bytes]:
    status, body, _headers = fetch_with_headers(url)
    return status, body


def fetch_with_headers(url: str) -> tuple[int, bytes, dict[str, str]]:
    """GET `url` as a new reader would (no cookie); return the status, the body and the headers."""
    request = urllib.request.Request(url, headers={"User-Agent": "baimo-bench"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def _last_page(base: str, path: str) -> int | None:
    """The highest page number a list links to from its first page, or None when it has one page."""
    status, body = fetch(base + path)
    numbers = [int(n) for n in re.findall(rb"[?&;]page=(\d+)", body)] if status == 200 else []
    return max(numbers) if numbers else None


def _next_link(body: bytes) -> str | None:
    found = re.search(rb'<link rel="next" href="([^"]+)">', body)
    return html.unescape(found.group(1).decode()) if found else None


def _deep_page(base: str, path: str) -> str | None:
    """Page DEEP_PAGE of a list, as a reader reaches it: its last numbered page, then `rel=next` links.

    Numbered pages go only so deep (`core.paging.NUMBERED_ROWS`); past them each page links to the next
    by a cursor. A shorter list gives its last page; a list of one page, None.
    """
    depth = DEEP_PAGE
    last = _last_page(base, path)
    if last is None:
        return None
    at, number = f"{path}?page={last}", last
    while number < depth:
        status, body = fetch(base + at)
        following = _next_link(body) if status == 200 else None
        if following is None:
            break
        at, number = following, number + 1
    return at


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
    # The copy of the article with a lead image and its screenshot (bench/illustrate.py), when there is one.
    illustrated = f"/articles/{article}-illustrated/"
    if fetch(base + illustrated)[0] == 200:
        paths["article-image"] = illustrated
        paths["api-article-image"] = f"/api/v1/articles/{article}-illustrated"
    if deep := _deep_page(base, "/articles/"):
        paths["articles-deep"] = deep
    paths["quotes"] = "/quotes/"
    if deep := _deep_page(base, "/quotes/"):
        paths["quotes-deep"] = deep
    paths |= {
        "company": f"/companies/{company}/",
        "search-common": "/search?q=" + quote("的"),
        "search-word": "/search?q=" + quote("算力"),
        "api-search": "/api/v1/search?q=" + quote("算力"),
        "api-articles": "/api/v1/articles",
        "api-quotes": "/api/v1/quotes",
    }
    for name, path in (("api-articles", "/api/v1/articles"), ("api-quotes", "/api/v1/quotes")):
        paths |= _deep_api_pages(base, name, path)
    paths |= {"sitemap": "/sitemap.xml", "feed": "/feeds/articles.atom"}
    if sitemap := _sitemap_file(base, "articles"):
        paths["sitemap-articles"] = sitemap
    paths["mix"] = " ".join(paths[name] for name in MIX)
    return paths


def _api_page(base: str, path: str) -> dict:
    status, body = fetch(base + path)
    return json.loads(body) if status == 200 else {}


def _deepest_offset(base: str, path: str) -> int | None:
    """The largest `offset` the list's schema accepts (None when it names no maximum)."""
    status, body = fetch(base + "/api/v1/openapi.json")
    if status != 200:
        return None
    operation = json.loads(body).get("paths", {}).get(path, {}).get("get", {})
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == "offset":
            return parameter.get("schema", {}).get("maximum")
    return None


def _deep_api_pages(base: str, name: str, path: str) -> dict[str, str]:
    """A list's deep pages: by `offset` as deep as the API takes one, and by cursor at DEEP_OFFSET.

    The cursor is reached as an integrator reaches it, following `next` (pages of WALK_LIMIT) from the
    first page to DEEP_OFFSET, or to the last page of a shorter list.
    """
    first = _api_page(base, path)
    count = first.get("count", 0)  # a lower bound when capped: enough to tell a list of one page
    if count <= API_PAGE:
        return {}
    deepest = _deepest_offset(base, path)
    offset = min(deepest if deepest is not None else DEEP_OFFSET, max(count - 2 * API_PAGE, 0))
    found = {f"{name}-deep": f"{path}?offset={offset}"}
    cursor, walked = None, 0
    while walked < DEEP_OFFSET:
        page = _api_page(
            base, f"{path}?limit={WALK_LIMIT}" + (f"&cursor={quote(cursor, safe='')}" if cursor else "")
        )
        if not page.get("next"):
            break
        cursor, walked = page["next"], walked + WALK_LIMIT
    if cursor:
        found[f"{name}-cursor"] = f"{path}?cursor={quote(cursor, safe='')}"
    return found


def _sitemap_file(base: str, section: str) -> str | None:
    """The path of the first file of a section the sitemap index lists, e.g. /sitemap-articles.xml."""
    status, body = fetch(base + "/sitemap.xml")
    if status != 200:
        return None
    for location in re.findall(rb"<loc>([^<]+)</loc>", body):
        parts = urlsplit(location.decode())
        if f"-{section}." in parts.path:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return None


@dataclass(frozen=True)
class Answer:
    """What a target answers when fetched alone: the status, the size, and what a cache in front said."""

    status: int
    size: int
    cache: str | None = None  # X-Cache of the second fetch through a front cache: HIT or MISS
    cache_control: str | None = None


def preflight(base: str, paths: dict[str, str]) -> dict[str, Answer]:
    """Each target's answer, fetched twice (a mix: its first failure, its largest page, its worst cache).

    Only targets answering 200 are worth measuring: a redirect or an error would be timed as a page. The
    second fetch tells whether a front cache keeps the page (X-Cache: HIT).
    """
    found = {}
    for name, path in paths.items():
        answers = [fetch_with_headers(base + one) for one in path.split() for _ in range(2)]
        status = next((status for status, _, _ in answers if status != 200), 200)
        caches = [headers.get("X-Cache") for _, _, headers in answers[1::2]]
        found[name] = Answer(
            status=status,
            size=max(len(body) for _, body, _ in answers),
            cache=None if None in caches else ("MISS" if "MISS" in caches else "HIT"),
            cache_control=answers[-1][2].get("Cache-Control"),
        )
    return found


def drain(base: str, path: str, *, quick: float = 0.05, seconds: float = 600) -> float:
    """Wait until the app has answered what a finished run left queued; return the seconds waited.

    When wrk stops, the requests its connections had sent are still queued for the workers, which
    answer them all: the next run must not start behind them. A request answered quickly twice in a
    row, fetched one at a time, says the queue is empty.
    """
    started = time.monotonic()
    quick_answers = 0
    while quick_answers < 2:
        if time.monotonic() - started > seconds:
            raise RuntimeError(f"The app still had requests queued after {seconds:.0f} s.")
        mark = time.monotonic()
        try:
            fetch(base + path)
        except OSError:  # a timeout behind a long queue; ask again
            quick_answers = 0
            continue
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
        bytes=found["bytes"],
    )
