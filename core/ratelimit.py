"""The read API's rate limit: a fixed-window counter on Django's cache, behind django-ninja's throttle.

`ApiThrottle` is what django-ninja runs before each operation (`NinjaAPI(throttle=...)`, config/api.py);
`hit` is the one counter it asks. The throttle keeps its decision on the request, so that the API
middleware can send the RateLimit-* headers on whatever the answer is and count the addresses no
operation answers; a ninja throttle can only allow or refuse.

Each client gets a counter per window (`API_RATE_LIMIT = "60/minute"`: at most 60 requests in each
calendar minute). `cache.add` and `cache.incr` are atomic on Redis and Memcached, so several app processes
sharing the production cache share the same counters; the local-memory cache counts per process.
While Redis is unreachable, production's cache (`core.cache`) answers every call as a miss, so each
request counts as the first of its window: the limiter fails open rather than refusing anyone.
"""

import math
import re
import threading
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from ninja.throttling import BaseThrottle

from core.apitools import problem_response

# Tests replace this to pin the window.
clock = time.time

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int


@dataclass(frozen=True)
class ApiClient:
    """A client that named itself with an API key (`request.api_client`, set by `integrations.keys`)."""

    name: str
    rate: Rate


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


class ApiThrottle(BaseThrottle):
    """Count anonymous requests on `hit`; signed-in staff, and everyone while limiting is off, pass."""

    def __init__(self):
        # ninja asks `wait()` right after a refusal, on the same thread, without the request.
        self._last = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        # Set before anything can fail, so that a request is never counted twice.
        request.rate_limit = None
        client = getattr(request, "api_client", None)
        rate = current_rate() if client is None else client.rate
        if rate is None or _exempt(request):
            return True
        counted_as = client_address(request) if client is None else f"key:{client.name}"
        decision = request.rate_limit = hit(counted_as, rate)
        self._last.reset = decision.reset
        return decision.allowed

    def wait(self) -> float | None:
        return getattr(self._last, "reset", None)


def counted(request: HttpRequest) -> bool:
    """Tell whether a throttle has already decided about `request`."""
    return hasattr(request, "rate_limit")


def _exempt(request: HttpRequest) -> bool:
    """Tell whether the request comes from signed-in staff, or from the server itself, never rate limited."""
    if getattr(request, "internal", False):
        return True  # the server reading its own API (the change feed, webhooks): no client to count
    # Looking at the user reads the session, which adds `Vary: Cookie`; skip that for cookieless clients.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """Return the 429 problem for a request its throttle refused."""
    decision = request.rate_limit
    who = "Anonymous clients" if getattr(request, "api_client", None) is None else "This API key"
    response = problem_response(
        request,
        429,
        f"{who} may make {decision.limit} requests per window; "
        f"this one is used up. Retry in {decision.reset} seconds.",
    )
    response["Retry-After"] = str(decision.reset)
    return response


def add_rate_limit_headers(request: HttpRequest, response: HttpResponse) -> None:
    """Tell a counted client its allowance, on any answer (RateLimit-* draft fields)."""
    decision = getattr(request, "rate_limit", None)
    if decision is not None:
        response["RateLimit-Limit"] = str(decision.limit)
        response["RateLimit-Remaining"] = str(decision.remaining)
        response["RateLimit-Reset"] = str(decision.reset)
