"""HTTP behaviour shared by every API response: CORS, HEAD, rate limits, validators, problem details.

Only paths under `API_PATH_PREFIX` pass through here; the website is left alone.

Validators. `ETag` is a strong hash of the body, so it changes exactly when the bytes change.
`Last-Modified` is when this URL first served that body: the cache remembers the last ETag served for
each URL with the time it was first seen. A second change within the same second is marked ambiguous,
and an `If-Modified-Since` naming that second gets the full response rather than a wrong 304. If the
record is evicted, or the cache is unreachable (production's cache answers a miss, `core.cache`), the
URL simply counts as modified now, which costs a full response, never a stale one.
"""

import hashlib
import re
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from core.apitools import PROBLEM_CONTENT_TYPE, problem_response, requested_variant
from core.ratelimit import Decision, client_address, current_rate, hit

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
ALLOWED_REQUEST_HEADERS = "Accept, Accept-Language, Cache-Control, If-Modified-Since, If-None-Match"
EXPOSED_HEADERS = "ETag, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"
PREFLIGHT_MAX_AGE = 86400
# An HTTP field name (RFC 9110 §5.1).
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Headers a 304 repeats from the response it stands for (RFC 9110 §15.4.5).
_NOT_MODIFIED_HEADERS = ("Cache-Control", "Content-Language", "ETag", "Last-Modified", "Vary")
_LANGUAGE_TAGS = {"zh-hans": "zh-Hans", "zh-hant": "zh-Hant"}
_DETAILS = {
    # Only addresses no endpoint answers get here: an endpoint's own 404 (nothing published with that
    # slug or id) is a problem already.
    404: "No API endpoint is at this address; the endpoints are listed at /api/v1/docs.",
    405: "This API is read-only: use GET, HEAD or OPTIONS.",
}


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(settings.API_PATH_PREFIX):
            return self.get_response(request)
        response = _preflight(request) if request.method == "OPTIONS" else self._answer(request)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response

    def _answer(self, request: HttpRequest) -> HttpResponse:
        head = request.method == "HEAD"
        if head:
            # The API's routes answer GET; HEAD is the same answer without the body.
            request.method = "GET"
        decision = _count(request)
        if decision is not None and not decision.allowed:
            response = _too_many(request, decision)
        else:
            response = self.get_response(request)
            if response.status_code >= 400 and not _is_problem(response):
                response = _as_problem(request, response)
        if decision is not None:
            response["RateLimit-Limit"] = str(decision.limit)
            response["RateLimit-Remaining"] = str(decision.remaining)
            response["RateLimit-Reset"] = str(decision.reset)
        if response.status_code == 200 and request.method == "GET" and not response.streaming:
            response = _with_validators(request, response)
        elif response.status_code >= 400:
            response["Cache-Control"] = "no-store"
        if head and not response.streaming:
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return response


def _preflight(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=204)
    del response["Content-Type"]  # no body, so no type
    response["Allow"] = ALLOWED_METHODS
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = _allowed_headers(request)
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    response["Vary"] = "Access-Control-Request-Headers"
    return response


def _allowed_headers(request: HttpRequest) -> str:
    """Allow whatever headers the preflight asks for, besides the ones the API reads.

    Generic HTTP clients add headers of their own (`Content-Type` even on GET, `Authorization`,
    `X-Requested-With`); refusing them would block the GET itself. Reads are public and no credentials
    are allowed, so no header the browser may send can unlock anything.
    """
    requested = request.headers.get("Access-Control-Request-Headers", "")
    extra = [name.strip() for name in requested.split(",") if _TOKEN.fullmatch(name.strip())]
    known = {name.lower() for name in ALLOWED_REQUEST_HEADERS.split(", ")}
    return ", ".join([ALLOWED_REQUEST_HEADERS, *(name for name in extra if name.lower() not in known)])


def _is_problem(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)


def _as_problem(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Turn an error Django or ninja answered in HTML or plain text into problem details."""
    status = response.status_code
    if status >= 500:
        detail = "The server failed to answer; please try again later."
    else:
        detail = _DETAILS.get(status, "The request cannot be answered.")
    if status == 404 and (bare := _without_trailing_slash(request)):
        detail = f"{detail} API paths take no trailing slash; ask for {bare} instead."
    problem = problem_response(request, status, detail)
    if status == 405:
        problem["Allow"] = ALLOWED_METHODS
    return problem


def _without_trailing_slash(request: HttpRequest) -> str | None:
    """Return the request's path without its trailing slash when that path is an endpoint."""
    bare = request.path_info.rstrip("/")
    if bare == request.path_info or not bare:
        return None
    try:
        resolve(bare)
    except Resolver404:
        return None
    return request.path.rstrip("/")


def _exempt(request: HttpRequest) -> bool:
    """Tell whether the request comes from signed-in staff, who are not rate limited."""
    # Looking at the user reads the session, which adds `Vary: Cookie`; skip that for cookieless clients.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def _count(request: HttpRequest) -> Decision | None:
    rate = current_rate()
    if rate is None or _exempt(request):
        return None
    return hit(client_address(request), rate)


def _too_many(request: HttpRequest, decision: Decision) -> HttpResponse:
    response = problem_response(
        request,
        429,
        f"Anonymous clients may make {decision.limit} requests per window; "
        f"this one is used up. Retry in {decision.reset} seconds.",
    )
    response["Retry-After"] = str(decision.reset)
    return response


def _etag(content: bytes) -> str:
    return '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'


def _resource_key(request: HttpRequest) -> str:
    """Name the resource a URL asks for, the same whatever order its query parameters come in."""
    # The host is part of the key: bodies hold absolute URLs, so each host serves its own bytes. The
    # sort is stable, so a repeated parameter keeps its values in the order they were given.
    query = sorted(request.GET.lists(), key=lambda item: item[0])
    return request.build_absolute_uri(request.path) + "?" + urlencode(query, doseq=True)


def _served_since(request: HttpRequest, etag: str) -> tuple[int, bool]:
    """Return when this URL started serving this body, and whether that second is ambiguous."""
    key = "api-served:" + hashlib.sha256(_resource_key(request).encode()).hexdigest()
    now = int(time.time())
    record = cache.get(key)
    if record is not None and record[0] == etag:
        return record[1], record[2]
    if record is None:
        since, ambiguous = now, False
    else:
        # Never go back in time, and remember when two bodies shared one second.
        since = max(now, record[1])
        ambiguous = since == record[1]
    cache.set(key, (etag, since, ambiguous), timeout=settings.API_VALIDATOR_TTL)
    return since, ambiguous


def _weak(tag: str) -> str:
    return tag.removeprefix("W/")


def _not_modified(request: HttpRequest, etag: str, since: int, ambiguous: bool) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match:
        # RFC 9110 §13.2.2: with If-None-Match present, If-Modified-Since is ignored.
        tags = parse_etags(if_none_match)
        return "*" in tags or any(_weak(tag) == _weak(etag) for tag in tags)
    if_modified_since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if if_modified_since is None or if_modified_since > time.time():
        return False
    return since < if_modified_since or (since == if_modified_since and not ambiguous)


def _with_validators(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    etag = _etag(response.content)
    since, ambiguous = _served_since(request, etag)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(since)
    response["Cache-Control"] = f"public, max-age={settings.API_CACHE_MAX_AGE}"
    variant = requested_variant(request)
    if variant:
        response["Content-Language"] = _LANGUAGE_TAGS[variant]
    if not _not_modified(request, etag, since, ambiguous):
        return response
    not_modified = HttpResponseNotModified()
    for header in (*_NOT_MODIFIED_HEADERS, "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
        if header in response:
            not_modified[header] = response[header]
    return not_modified
