"""Webhooks: each event an endpoint wants, POSTed as signed JSON by the worker, retried with backoff.

    Baimo-Signature: t=1767225600,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>

as Stripe signs (Ghost signs the same way): a receiver recomputes the HMAC over the timestamp, a dot and
the raw body, compares in constant time, and refuses a timestamp older than it tolerates (replays).
`Baimo-Event-Id` and `Baimo-Event-Type` say which event it is; the same event is sent again, with the
same id, when an attempt fails. A delivery is tried once per task: a 2xx answer is success; anything
else, a timeout or a refused address is a failure, logged with its status, and tried again after the
next of `WEBHOOK_RETRY_DELAYS` (seconds) until they run out. Content is read when it is sent: an event
whose record is no longer public is not sent (`superseded`); its tombstone follows.

Addresses are checked against server-side request forgery: unless `WEBHOOKS_ALLOW_PRIVATE_ADDRESSES` is
on (development and tests), a URL whose host resolves to a loopback, private, link-local, multicast or
reserved address is refused when an editor saves it and again when it is sent, and the connection goes to
the address that was checked, so a name that changes its answer in between gains nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .changes import event_document
from .documents import default_origin
from .models import Action, ChangeEvent, DeliveryAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Baimo-Signature"
USER_AGENT = "Baimo-Webhooks/1"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the value of the signature header for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signature_valid(secret: str, header: str, body: bytes, *, tolerance: int = 300, now=None) -> bool:
    """Check a signature header as a receiver should: the HMAC, and a timestamp no older than `tolerance`."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


# --- Addresses ---------------------------------------------------------------------------------------------


def _allowed_private() -> bool:
    return settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES


def address_check(url: str) -> list[str]:
    """Return the addresses the URL's host resolves to, or raise ValidationError saying why it is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("A webhook address is an http:// or https:// URL with a host name.")
    if parts.username or parts.password:
        raise ValidationError("A webhook address may not carry a user name or password.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ValidationError(f"The host {parts.hostname} cannot be found ({error.strerror}).") from error
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not _allowed_private():
        for address in addresses:
            ip = ipaddress.ip_address(address)
            if not ip.is_global or ip.is_multicast:
                raise ValidationError(
                    f"The host {parts.hostname} resolves to {address}, a loopback, private or reserved "
                    "address: webhooks are only sent to public addresses."
                )
    return addresses


# --- Deliveries --------------------------------------------------------------------------------------------


def deliveries_create(event: ChangeEvent) -> list[WebhookDelivery]:
    """Make a delivery of the event for every endpoint that wants it; the worker sends each after commit."""
    from .tasks import deliver_webhook

    made = [
        WebhookDelivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=timezone.now())
        for endpoint in WebhookEndpoint.objects.filter(active=True)
        if endpoint.wants(event.type)
    ]
    for delivery in made:
        transaction.on_commit(lambda pk=delivery.pk: deliver_webhook.enqueue(pk))
    return made


def delivery_body(delivery: WebhookDelivery) -> bytes | None:
    """The JSON sent for a delivery now, or None when its record is no longer public (superseded)."""
    document = event_document(delivery.event, default_origin())
    if not document["current"]:
        return None
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def delivery_attempt(delivery_id: int) -> str:
    """Try a delivery once, log the attempt, and schedule the next when it failed; return its status."""
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return delivery.status if delivery else "gone"
    body = delivery_body(delivery)
    if body is None and delivery.event.action != Action.UNPUBLISHED:
        delivery.status = WebhookDelivery.Status.SUPERSEDED
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "next_attempt_at"])
        return delivery.status
    number = delivery.attempts + 1
    started = time.monotonic()
    status_code, error = _post(delivery, body)
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=number,
        status_code=status_code,
        error=error[:300],
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    delivery.attempts = number
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.DELIVERED, None
    else:
        delays = settings.WEBHOOK_RETRY_DELAYS
        if number > len(delays):
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
            logger.warning(
                "Webhook delivery %s to %s failed %s times", delivery.pk, delivery.endpoint, number
            )
        else:
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=delays[number - 1])
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    if delivery.status == WebhookDelivery.Status.PENDING:
        _schedule(delivery)
    return delivery.status


def _schedule(delivery: WebhookDelivery) -> None:
    from .tasks import deliver_webhook

    task = deliver_webhook
    if task.get_backend().supports_defer and delivery.next_attempt_at > timezone.now():
        task = task.using(run_after=delivery.next_attempt_at)
    transaction.on_commit(lambda: task.enqueue(delivery.pk))


def _post(delivery: WebhookDelivery, body: bytes) -> tuple[int | None, str]:
    """POST the body to the endpoint's checked address; return the status (or None) and any error."""
    url = delivery.endpoint.url
    parts = urlsplit(url)
    try:
        addresses = address_check(url)
    except ValidationError as error:
        return None, " ".join(error.messages)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature(delivery.endpoint.secret, timestamp, body),
        "Baimo-Event-Id": str(delivery.event_id),
        "Baimo-Event-Type": delivery.event.type,
        "Baimo-Delivery-Id": str(delivery.pk),
        "Host": parts.netloc,
    }
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = settings.WEBHOOK_TIMEOUT
    try:
        sock = socket.create_connection((addresses[0], port), timeout=timeout)
        if parts.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname)
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
        connection.sock = sock
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(65536)
            return response.status, "" if 200 <= response.status < 300 else f"answered {response.status}"
        finally:
            connection.close()
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"
