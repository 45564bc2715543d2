"""A fixed-window request limiter on Django's cache.

Each client gets a counter per window (`API_RATE_LIMIT = "60/minute"`: at most 60 requests in each
calendar minute). `cache.add` and `cache.incr` are atomic on Redis and Memcached, so several app processes
sharing the production cache share the same counters; the local-memory cache counts per process.
While Redis is unreachable, production's cache (`core.cache`) answers every call as a miss, so each
request counts as the first of its window: the limiter fails open rather than refusing anyone.
"""

import math
import re
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

# Tests replace this to pin the window.
clock = time.time

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the window ends


@cache
def parse_rate(text: str) -> Rate:
    """Parse "60/minute", "1000/hour" or "100/5minutes" into a Rate."""
    match = _RATE.match(text)
    if not match:
        raise ImproperlyConfigured(f"API_RATE_LIMIT {text!r} is not like '60/minute' or '1000/hour'.")
    limit, multiple, unit = match.groups()
    return Rate(limit=int(limit), period=int(multiple or 1) * _PERIODS[unit])


def current_rate() -> Rate | None:
    """Return the configured rate for anonymous clients, or None when limiting is off."""
    text = getattr(settings, "API_RATE_LIMIT", None)
    return parse_rate(text) if text else None


def client_address(request: HttpRequest) -> str:
    """Return the client's IP address, trusting X-Forwarded-For only as far as our own proxies."""
    proxies = getattr(settings, "API_TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        # Each trusted proxy appends the address it saw; the one our outermost proxy saw is the client.
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")


def hit(client: str, rate: Rate, *, now: float | None = None) -> Decision:
    """Count one request from `client` and tell whether it is within `rate`."""
    now = clock() if now is None else now
    window = int(now // rate.period)
    key = f"api-rate:{rate.period}:{window}:{client}"
    store = caches[getattr(settings, "API_RATE_LIMIT_CACHE", "default")]
    # A little past the window's end, so that the counter never vanishes while it still counts.
    timeout = rate.period + 1
    store.add(key, 0, timeout=timeout)
    try:
        count = store.incr(key)
    except ValueError:  # evicted between add and incr
        store.set(key, 1, timeout=timeout)
        count = 1
    reset = max(1, math.ceil((window + 1) * rate.period - now))
    return Decision(
        allowed=count <= rate.limit, limit=rate.limit, remaining=max(0, rate.limit - count), reset=reset
    )
