"""The front cache (Varnish in production): what it may keep of a public response, and what it must drop.

A public view names what its response shows:

    cache_tags(request, "article-12", "company-3", …)     # FrontCacheMiddleware makes the response public

and a change names what it changed, once its transaction commits:

    purge("article-12", "article-list")     # BAN every cached response tagged with any of them

Tags are words: a model's name and a primary key for one record (`article-12`, `company-3`:
`record_tag`), the model's name for every list of it (`article-list`: `list_tag`), `search` for
search results, and `site` for what only a deploy changes. Varnish keeps a tagged response for
`FRONT_CACHE["S_MAXAGE"]` seconds at most and bans by tag (`deploy/varnish/baimo.vcl`); browsers keep
nothing (`max-age=0`), since no purge reaches them, unless the response gave them a lifetime of its own
(the API's `API_CACHE_MAX_AGE`, which its clients revalidate with ETags). An untagged response is never
kept by the front cache: a page is shared only when it says what it shows. Nor is a response that sets a
cookie, varies on one, is not a success or a redirect, or already says it is private.

What each public page and endpoint shows, and so its tags: an article's page and document carry its own
tag, its topics' and the tags of the companies and people it mentions (`reader.rendered.version_tags`);
a list carries the list tags of what it names (`article-list` and `topic-list` for a list of articles); a
404 for an article address carries `article-list`, so publishing one there bans it.

A change that comes with time rather than with a write (a scheduled article going live) has nothing to
ban it: `expect_change(tag, at)` notes when, and every response tagged with `tag` is kept no longer than
until then. The notes live in the shared cache (Redis in production); while it is down, or once it
evicted them, responses are kept for their usual s-maxage.

With no `FRONT_CACHE["URLS"]` (development, tests) `purge` only records what it would ban, in `sent`.
"""

from __future__ import annotations

import http.client
import logging
import math
import re
import time
from collections import deque
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.cache import get_max_age, patch_cache_control

logger = logging.getLogger(__name__)

TAG_HEADER = "Cache-Tags"
BAN_HEADER = "X-Ban-Tags"
TAG = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
SHAREABLE_STATUSES = {200, 301, 404, 410}
# The bans this process would have sent when no front cache is configured: what tests read.
sent: deque[frozenset[str]] = deque(maxlen=1000)


def front_cache_settings() -> dict:
    defaults = {"URLS": [], "S_MAXAGE": 300, "TIMEOUT": 0.5}
    return {**defaults, **getattr(settings, "FRONT_CACHE", {})}


def _tags(tags: Iterable[str]) -> set[str]:
    found = {str(tag) for tag in tags if tag}
    for tag in found:
        if not TAG.match(tag):
            raise ValueError(f"A cache tag is a lowercase word of letters, digits, - and _: {tag!r}")
    return found


def record_tag(instance) -> str:
    """The tag of one record: its model's name and primary key, `article-12`."""
    return record_tag_of(type(instance), instance.pk)


def record_tag_of(model, pk) -> str:
    """The tag of the record of `model` with this primary key, without making an instance."""
    return f"{model._meta.model_name}-{pk}"


def list_tag(model) -> str:
    """The tag of every list of a model's records, `article-list`: banned when one joins or leaves."""
    return f"{model._meta.model_name}-list"


SEARCH_TAG = "search"
# What changes only with a deploy (robots.txt, the API's schema): kept until its s-maxage runs out.
SITE_TAG = "site"


def cache_tags(request, *tags: str, s_maxage: int | None = None) -> None:
    """Say that the response to `request` shows `tags`, so the front cache may keep it for everyone.

    `s_maxage` shortens the time it may be kept (a list whose next scheduled article goes live sooner).
    Called again, the tags add up and the shortest time wins.
    """
    found = getattr(request, "_cache_tags", None)
    if found is None:
        found = request._cache_tags = {"tags": set(), "s_maxage": front_cache_settings()["S_MAXAGE"]}
    found["tags"] |= _tags(tags)
    if s_maxage is not None:
        found["s_maxage"] = max(0, min(int(s_maxage), found["s_maxage"]))


_EXPECTED_KEY = "frontcache:expected-changes"
# How many coming changes are remembered per tag: the soonest matter, the rest are noted again later.
_EXPECTED_PER_TAG = 100


# The tags whose pages may change with no write (`expect_change`): every list of articles, and search.
EXPECTABLE = frozenset({"article-list", SEARCH_TAG})


def expect_change(tag: str, at: datetime) -> None:
    """Note that what `tag` shows changes at `at` with no write to ban it (a scheduled article going live)."""
    (tag,) = _tags([tag])
    if tag not in EXPECTABLE:
        raise ValueError(f"Only {sorted(EXPECTABLE)} may change with no write to ban them, not {tag!r}")
    now = time.time()
    expected = cache.get(_EXPECTED_KEY) or {}
    expected.setdefault(tag, []).append(at.timestamp())
    expected = {
        name: sorted({when for when in whens if when > now})[:_EXPECTED_PER_TAG]
        for name, whens in expected.items()
    }
    cache.set(_EXPECTED_KEY, {name: whens for name, whens in expected.items() if whens}, timeout=None)


def seconds_until_expected_change(tags: Iterable[str]) -> int | None:
    """Return in how many seconds what any of `tags` shows next changes by itself; None when not known."""
    expected = cache.get(_EXPECTED_KEY)
    if not expected:
        return None
    now = time.time()
    soonest = min((when for tag in tags for when in expected.get(tag, ()) if when > now), default=None)
    return None if soonest is None else max(1, math.ceil(soonest - now))


class FrontCacheMiddleware:
    """Make a tagged public response shareable: Cache-Control with s-maxage, and its tags. First in the stack.

    It sees the response last, after sessions, CSRF and messages had their say, so a cookie or a
    `Vary: Cookie` any of them added keeps the response out of the shared cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        declared = getattr(request, "_cache_tags", None)
        cache_control = response.headers.get("Cache-Control", "")
        if (
            declared is None
            or request.method not in ("GET", "HEAD")
            or response.status_code not in SHAREABLE_STATUSES
            or response.cookies
            or "cookie" in response.headers.get("Vary", "").lower()
            or "private" in cache_control
            or "no-store" in cache_control
        ):
            return response
        # A lifetime the response set for clients already stands (the API's, for clients that poll).
        max_age = get_max_age(response) or 0
        s_maxage = declared["s_maxage"]
        # Only lists and search show what goes live on its own: other pages skip the shared cache's read.
        until = seconds_until_expected_change(declared["tags"]) if declared["tags"] & EXPECTABLE else None
        if until is not None:
            s_maxage = min(s_maxage, until)
            max_age = min(max_age, until)
        patch_cache_control(response, public=True, max_age=max_age, s_maxage=s_maxage)
        response.headers[TAG_HEADER] = " ".join(sorted(declared["tags"]))
        return response


def purge(*tags: str) -> None:
    """Ban every cached response tagged with any of `tags` once the current transaction commits."""
    wanted = frozenset(_tags(tags))
    if wanted:
        transaction.on_commit(lambda: _ban(wanted))


def _ban(tags: frozenset[str]) -> None:
    config = front_cache_settings()
    if not config["URLS"]:
        sent.append(tags)
        return
    for url in config["URLS"]:
        try:
            _send_ban(url, tags, timeout=config["TIMEOUT"])
        except (OSError, http.client.HTTPException) as error:
            # The content is saved; the front cache serves the old page until its s-maxage runs out.
            logger.warning("The front cache at %s could not ban %s: %s", url, " ".join(sorted(tags)), error)


def _send_ban(url: str, tags: frozenset[str], *, timeout: float) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        connection.request("BAN", parts.path or "/", headers={BAN_HEADER: " ".join(sorted(tags))})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise http.client.HTTPException(f"answered {response.status} {response.reason}")
    finally:
        connection.close()
