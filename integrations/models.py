"""What integrators follow: the change feed's events and the webhooks that deliver them.

A `ChangeEvent` says that one public record (an article, company, person, quote or figure) was published,
updated or unpublished. Events are numbered in the order their transactions commit (`integrations.changes`),
so a reader of the feed who asks for the events after the last one it saw never skips or repeats one. A
`FeedState` remembers, per record, what the feed last announced, which decides the next event's action.

A `WebhookEndpoint` is an address an editor registered with the events it wants and the secret its
deliveries are signed with; each event it wants becomes a `WebhookDelivery`, tried by the worker until it
succeeds or its attempts run out, every try logged as a `DeliveryAttempt`.
"""

import secrets

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    ARTICLE = "article", "Article"
    COMPANY = "company", "Company"
    PERSON = "person", "Person"
    QUOTE = "quote", "Quote"
    FIGURE = "figure", "Figure"


class Action(models.TextChoices):
    PUBLISHED = "published", "Published"
    UPDATED = "updated", "Updated"
    UNPUBLISHED = "unpublished", "Unpublished"


EVENT_TYPES = [f"{kind}.{action}" for kind in Kind.values for action in Action.values]


class ChangeEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=16, choices=Kind)
    object_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=16, choices=Action)
    key = models.CharField(max_length=200, help_text="The record's address in the API when it happened.")
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "object_id", "-id"], name="change_event_record_idx")]

    def __str__(self):
        return f"#{self.pk} {self.type} {self.key}"

    @property
    def type(self) -> str:
        return f"{self.kind}.{self.action}"


class FeedState(models.Model):
    """What the feed last said of one record: public (with a digest of its document) or not."""

    kind = models.CharField(max_length=16, choices=Kind)
    object_id = models.PositiveBigIntegerField()
    public = models.BooleanField()
    key = models.CharField(max_length=200)
    digest = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="feed_state_unique_record")]

    def __str__(self):
        return f"{self.kind} {self.object_id}: {'public' if self.public else 'gone'}"


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=500, help_text="Where events are POSTed: https://… in production.")
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(
        default=list, help_text="The event types it receives, e.g. article.published; empty: every one."
    )
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["url"]

    def __str__(self):
        return self.url

    def wants(self, event_type: str) -> bool:
        return self.active and (not self.events or event_type in self.events)


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (no attempts left)"
        SUPERSEDED = "superseded", "Superseded (the record is no longer public)"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(ChangeEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"{self.event} → {self.endpoint}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self):
        return f"attempt {self.number}: {self.status_code or self.error}"


class ApiKey(models.Model):
    """A key an integrator sends to be counted on a larger allowance; stored only as a hash.

    The key is `bm_<prefix>_<secret>`: the prefix finds the row, the SHA-256 of the whole key proves it.
    It grants nothing else: the API stays read-only and public.
    """

    name = models.CharField(
        max_length=100, help_text="Who uses it: shown in logs, e.g. 'newsroom dashboard'."
    )
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    rate_limit = models.CharField(
        max_length=32,
        blank=True,
        help_text="Requests per window, e.g. 1000/minute; blank: API_KEY_RATE_LIMIT.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} (bm_{self.prefix}_…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
