"""Security machinery every app shares: same-site redirects, malformed addresses, the login lockout page."""

import ipaddress
import re
from urllib.parse import quote, urlsplit, urlunsplit

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core.ratelimit import client_address

# Characters a path, query or fragment may keep as they are; everything else (spaces, controls, `\`,
# non-ASCII) is percent-encoded, so no browser can read the result as anything but a path on this site.
_URL_SAFE = "/:@!$&'()*+,;=-._~%?"


def same_site_path(request: HttpRequest, target: str | None, fallback: str = "/") -> str:
    """Return `target` as a path on this site, or `fallback` when it could lead anywhere else.

    Use it for every redirect whose target comes from the request (`?next=`, a Referer).
    """
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback
    parts = urlsplit(target)
    if not parts.path.startswith("/"):
        # A relative path would resolve against the redirecting URL, not the page the reader came from.
        return fallback
    # Browsers read a leading `//` (or `/\`, once `\` counts as `/`) as another host: keep one slash.
    path = "/" + quote(parts.path, safe=_URL_SAFE).lstrip("/")
    query, fragment = quote(parts.query, safe=_URL_SAFE), quote(parts.fragment, safe=_URL_SAFE)
    return urlunsplit(("", "", path, query, fragment))


ADMIN_PATH_PREFIX = "/admin/"
# C0 controls and DEL: no page's address holds one, and PostgreSQL cannot even compare a NUL.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class MalformedRequestMiddleware:
    """Refuse a malformed address before any view or query sees it: 404 for a control character.

    The public URL patterns accept only well-formed values (config/converters.py); this covers the rest,
    the admin's `<path:object_id>` included. The API validates its own parameters (422). In the admin a
    NUL in the query string is a 400 too: its list filters hand query values to the database as they are
    (public pages validate theirs with forms).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(settings.API_PATH_PREFIX) and _CONTROL_CHARACTERS.search(request.path):
            raise Http404("No page has a control character in its address.")
        if request.path.startswith(ADMIN_PATH_PREFIX) and any(
            "\x00" in key + "".join(values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                "This address's query string holds a NUL character (%00), which no filter or search can"
                " use. Remove it from the address and try again.\n",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def login_client_address(request: HttpRequest) -> str | None:
    """Return the client's IP address as the API's rate limit sees it, or None when there is none."""
    address = client_address(request)
    try:
        # Stored in a GenericIPAddressField (inet on PostgreSQL), which refuses anything else.
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """Tell a locked-out login what happened and when it may try again (django-axes' lockout callable)."""
    cool_off = get_cool_off(request)
    # The refused attempt itself restarts the cool-off (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT).
    retry_at = timezone.localtime(timezone.now() + cool_off) if cool_off else None
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "failure_limit": get_failure_limit(request, credentials),
        "cool_off_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
        "retry_at": retry_at,
    }
    return render(request, "admin/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
