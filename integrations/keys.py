"""API keys: a client names itself with `Authorization: Bearer bm_…` (or `X-API-Key: bm_…`).

A valid key sets `request.api_client` (`core.ratelimit.ApiClient`), which the rate limit counts on the
key's own, larger allowance, and the log names the client. A key that is unknown, mistyped or revoked is
a 401 problem, never a silent fall-back to the anonymous allowance. Keys are made in the admin, shown
once, and stored only as a SHA-256 hash; they never open anything that is not public.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from core.apitools import problem_response
from core.ratelimit import ApiClient, parse_rate

from .models import ApiKey

logger = logging.getLogger(__name__)

KEY_PREFIX = "bm_"
# How often a key's last use is written: at most once a minute per key, not on every request.
LAST_USED_RESOLUTION = 60


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_create(*, name: str, user=None, rate_limit: str = "") -> tuple[ApiKey, str]:
    """Make a key; return the row and the key itself, which is never stored and cannot be shown again."""
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey.objects.create(
        name=name, prefix=prefix, key_hash=key_hash(key), rate_limit=rate_limit, created_by=user
    )
    return row, key


def api_key_revoke(key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])


def presented_key(request: HttpRequest) -> str | None:
    authorization = request.headers.get("Authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return request.headers.get("X-API-Key", "").strip() or None


def key_lookup(key: str) -> ApiKey | None:
    """Return the active key row this key proves, or None."""
    parts = key.split("_")
    if len(parts) < 3 or f"{parts[0]}_" != KEY_PREFIX:
        return None
    row = ApiKey.objects.filter(prefix=parts[1], revoked_at__isnull=True).first()
    if row is None or not hmac.compare_digest(row.key_hash, key_hash(key)):
        return None
    return row


class ApiKeyMiddleware:
    """Name the API client a request's key proves, or refuse a key that proves nothing (401)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not request.path.startswith(settings.API_PATH_PREFIX):
            return self.get_response(request)
        key = presented_key(request)
        if key is None:
            return self.get_response(request)
        row = key_lookup(key)
        if row is None:
            response = problem_response(
                request,
                401,
                "The API key is not valid: it is mistyped or was revoked. Leave it out to use the API "
                "anonymously, or ask the newsroom for a new one.",
            )
            response["WWW-Authenticate"] = 'Bearer realm="baimo"'
            return response
        request.api_client = ApiClient(
            name=row.prefix, rate=parse_rate(row.rate_limit or settings.API_KEY_RATE_LIMIT)
        )
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
        response = self.get_response(request)
        logger.info(
            "API %s %s %s by key %s (%s)",
            request.method,
            request.path,
            response.status_code,
            row.prefix,
            row.name,
        )
        return response
