"""The read API's HTTP behaviour around django-ninja: CORS, HEAD, validators, rate-limit headers, problems.

Only paths under `API_PATH_PREFIX` pass through here; the website is left alone. Each job is done by the
library that does it, and this module keeps only what the library cannot:

- CORS is django-cors-headers (the `CORS_*` settings, limited to the API by `CORS_URLS_REGEX`);
  `CorsMiddleware` adds what the API promises beyond it.
- Rate limits are counted by `core.ratelimit.ApiThrottle`, which django-ninja runs before each operation;
  `ApiMiddleware` counts the addresses no operation answers and sends the RateLimit-* headers.
- Conditional GET is Django's (`get_conditional_response`, with its weak If-None-Match comparison and
  If-None-Match taking precedence over If-Modified-Since); what is ours is the Last-Modified.

Last-Modified is when this URL first served the body: the cache remembers the last ETag (a hash of the
body) served for each URL with the time it was first seen. A second change within the same second is
marked ambiguous, and an `If-Modified-Since` naming that second gets the full response rather than a
wrong 304. If the record is evicted, or the cache is unreachable (production's cache answers a miss,
`core.cache`), the URL simply counts as modified now, which costs a full response, never a stale one.
"""

import hashlib
import re
import time
from urllib.parse import urlencode

from corsheaders import middleware as cors
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.http import http_date, parse_http_date_safe

from core.apitools import PROBLEM_CONTENT_TYPE, problem_response, requested_variant
from core.ratelimit import ApiThrottle, add_rate_limit_headers, counted, too_many_requests

# An HTTP field name (RFC 9110 §5.1).
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_LANGUAGE_TAGS = {"zh-hans": "zh-Hans", "zh-hant": "zh-Hant"}
_DETAILS = {
    # Only addresses no endpoint answers get here: an endpoint's own 404 (nothing published with that
    # slug or id) is a problem already.
    404: "No API endpoint is at this address; the endpoints are listed at /api/v1/docs.",
    405: "This API is read-only: use GET, HEAD or OPTIONS.",
    412: "The If-Match or If-Unmodified-Since precondition does not hold for the current representation.",
}
_THROTTLE = ApiThrottle()


def _allowed_methods() -> str:
    return ", ".join(settings.CORS_ALLOW_METHODS)


class CorsMiddleware(cors.CorsMiddleware):
    """django-cors-headers, with three things the API promises (README, "CORS") that it does not do."""

    def check_preflight(self, request: HttpRequest) -> HttpResponse | None:
        response = super().check_preflight(request)
        if request.method == "OPTIONS" and self.is_enabled(request):
            # Every OPTIONS, preflight or not, is a 204 naming the methods; the library answers only
            # preflights, with a 200 that has a content type but no body, and leaves others to ninja (405).
            response = HttpResponse(status=204, headers={"Allow": _allowed_methods()})
            del response["Content-Type"]
        return response

    def add_response_headers(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        super().add_response_headers(request, response)
        if not self.is_enabled(request):
            return response
        # `*` on every API answer, asked with an Origin or not; the library answers only the former.
        response.setdefault(cors.ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        response.setdefault(cors.ACCESS_CONTROL_EXPOSE_HEADERS, ", ".join(settings.CORS_EXPOSE_HEADERS))
        if cors.ACCESS_CONTROL_ALLOW_HEADERS in response:
            # The library allows a fixed list; the API allows what the preflight asks for, too.
            response[cors.ACCESS_CONTROL_ALLOW_HEADERS] = _allowed_headers(request)
            patch_vary_headers(response, ["Access-Control-Request-Headers"])
        return response


def _allowed_headers(request: HttpRequest) -> str:
    """Allow whatever headers the preflight asks for, besides the ones the API reads.

    Generic HTTP clients add headers of their own (`Content-Type` even on GET, `Authorization`,
    `X-Requested-With`); refusing them would block the GET itself. Reads are public and no credentials
    are allowed, so no header the browser may send can unlock anything.
    """
    requested = request.headers.get("Access-Control-Request-Headers", "")
    extra = [name.strip() for name in requested.split(",") if _TOKEN.fullmatch(name.strip())]
    known = {name.lower() for name in settings.CORS_ALLOW_HEADERS}
    return ", ".join([*settings.CORS_ALLOW_HEADERS, *(name for name in extra if name.lower() not in known)])


class ApiMiddleware:
    """Answer HEAD, count what no operation counted, add validators, and make every error a problem."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(settings.API_PATH_PREFIX):
            return self.get_response(request)
        head = request.method == "HEAD"
        if head:
            # The API's routes answer GET; HEAD is the same answer without the body.
            request.method = "GET"
        response = self.get_response(request)
        if not counted(request) and not _THROTTLE.allow_request(request):
            # Unknown addresses, writes and the schema and its docs draw on the same allowance.
            response = too_many_requests(request)
        if response.status_code == 200 and request.method == "GET" and not response.streaming:
            response = _conditional(request, response)
        if response.status_code >= 400:
            if not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE):
                response = _as_problem(request, response)
            response["Cache-Control"] = "no-store"
        add_rate_limit_headers(request, response)
        if head and not response.streaming:
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return response


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
        problem["Allow"] = _allowed_methods()
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


def _conditional(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Add the validators and cache headers; Django answers 304 (or 412) when the request's match.

    A view that knows its body's validator (a stored document) sets the ETag itself; others are hashed.
    """
    if not response.has_header("ETag"):
        set_response_etag(response)
    since, ambiguous = _served_since(request, response["ETag"])
    response["Last-Modified"] = http_date(since)
    patch_cache_control(response, public=True, max_age=settings.API_CACHE_MAX_AGE)
    if variant := requested_variant(request):
        response["Content-Language"] = _LANGUAGE_TAGS[variant]
    return get_conditional_response(
        request,
        etag=response["ETag"],
        last_modified=_compared_last_modified(request, since, ambiguous),
        response=response,
    )


def _compared_last_modified(request: HttpRequest, since: int, ambiguous: bool) -> int | None:
    """Return the date Django should compare If-Modified-Since with (a 304 when it is not later).

    An ambiguous second counts as a change just after it, so naming that second is not a 304. A date in
    the future is no date we served, so it gets the full response: None compares as modified.
    """
    if_modified_since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if if_modified_since is not None and if_modified_since > time.time():
        return None
    return since + 1 if ambiguous else since


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
