"""The public document of one record: exactly what the read API serves for it, or None when it serves none.

The API's own views are the one home of what integrators may see, so the change feed and webhooks ask
them, with an internal GET of the record's address (no cookie, no user, not rate limited), instead of
rebuilding a representation that could drift from it or show what it hides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.urls import Resolver404, resolve

from articles.models import ArticleVersion
from landscape.models import Company, Person

from .models import Kind

API_ROOT = "/api/v1"


@dataclass(frozen=True)
class Record:
    kind: str
    object_id: int


def record_key(record: Record) -> str | None:
    """Return the record's address in the API now (its path), or None when it has none readers may use."""
    if record.kind == Kind.ARTICLE:
        slug = (
            ArticleVersion.objects.live().filter(article_id=record.object_id).values_list("slug", flat=True)
        )
        slug = slug.first()
        return f"{API_ROOT}/articles/{slug}" if slug else None
    if record.kind in (Kind.COMPANY, Kind.PERSON):
        model = Company if record.kind == Kind.COMPANY else Person
        slug = model.objects.filter(pk=record.object_id).values_list("slug", flat=True).first()
        section = "companies" if record.kind == Kind.COMPANY else "people"
        return f"{API_ROOT}/{section}/{slug}" if slug else None
    section = "quotes" if record.kind == Kind.QUOTE else "figures"
    return f"{API_ROOT}/{section}/{record.object_id}"


class InternalRequest(HttpRequest):
    """A GET of the API as an anonymous client at `origin` sees it; never counted by the rate limit."""

    internal = True

    def __init__(self, path: str, origin: str):
        super().__init__()
        parts = urlsplit(origin)
        self.method = "GET"
        self.path = self.path_info = path
        self.GET = QueryDict()
        self.META.update(
            {
                "REQUEST_METHOD": "GET",
                "QUERY_STRING": "",
                "HTTP_HOST": parts.netloc,
                "SERVER_NAME": parts.hostname or "localhost",
                "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
                "wsgi.url_scheme": parts.scheme or "http",
                "REMOTE_ADDR": "127.0.0.1",
            }
        )
        self._scheme = parts.scheme or "http"

    @property
    def scheme(self) -> str:
        return self._scheme


def public_document(path: str, origin: str) -> dict | None:
    """Return what the API answers for `path` as JSON, or None when it answers anything but 200."""
    request = InternalRequest(path, origin)
    try:
        match = resolve(path)
    except Resolver404:
        return None
    request.resolver_match = match
    response = match.func(request, *match.args, **match.kwargs)
    if response.status_code != 200:
        return None
    return json.loads(response.content)


def default_origin() -> str:
    """The site's public origin, for what is built outside a request (webhook deliveries)."""
    return settings.PUBLIC_ORIGIN.rstrip("/")
