"""Operational endpoints every deployment has: the health probe and robots.txt."""

import secrets

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.urls import reverse

from core.frontcache import SITE_TAG, cache_tags
from core.outages import DATABASE_OUTAGE, logged_by_outage_log


def healthz(request):
    """Report each service: 200 while the database answers (a cache outage only degrades), else 503."""
    services = {"database": _database_status(), "cache": _cache_status()}
    if services["database"] != "ok":
        status, code = "unavailable", 503
    elif services["cache"] != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    response = JsonResponse({"status": status, "services": services}, status=code)
    response["Cache-Control"] = "no-store"
    # A load balancer probes every few seconds; the outage is logged once a minute, not per probe.
    return logged_by_outage_log(response) if code == 503 else response


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        DATABASE_OUTAGE.failed(error)
        return "unavailable"
    return "ok"


def _cache_status() -> str:
    # A round trip through the cache: the production backend answers a miss, not an error, when down.
    # Each probe has its own key, so concurrent probes from several processes cannot confuse each other.
    key = f"healthz:{secrets.token_hex(8)}"
    cache.set(key, "ok", timeout=10)
    answer = cache.get(key)
    cache.delete(key)
    return "ok" if answer == "ok" else "unavailable"


def robots_txt(request):
    """Let crawlers read the public site, keep them out of the admin, point them at the sitemap."""
    cache_tags(request, SITE_TAG)
    sitemap_url = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Allow: /",
        f"Sitemap: {sitemap_url}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
