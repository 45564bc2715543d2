"""Editors register webhook endpoints and read every delivery's attempts; the feed itself is read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core.ratelimit import parse_rate

from .keys import api_key_create, api_key_revoke
from .models import (
    EVENT_TYPES,
    ApiKey,
    ChangeEvent,
    DeliveryAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    new_secret,
)
from .webhooks import address_check


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=[(event, event) for event in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to receive every event.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        address_check(url)  # a ValidationError names the refused address
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "description", "active", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["signing_secret", "created_at", "created_by"]
    actions = ["roll_secret"]

    @admin.display(description="signing secret")
    def signing_secret(self, obj):
        if not obj.pk:
            return "Made when you save; shown once then."
        return f"{obj.secret[:10]}…  (roll it to see a new one)"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            messages.warning(
                request,
                f"The signing secret of {obj.url} is {obj.secret} — copy it now: it is not shown again.",
            )

    @admin.action(description="Roll the signing secret (shown once)", permissions=["change"])
    def roll_secret(self, request, queryset):
        for endpoint in queryset:
            endpoint.secret = new_secret()
            endpoint.save(update_fields=["secret"])
            messages.warning(request, f"The new signing secret of {endpoint.url} is {endpoint.secret}.")


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ["number", "at", "status_code", "error", "duration_ms"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "status", "attempts", "next_attempt_at", "created_at"]
    list_filter = ["status", "endpoint"]
    list_select_related = ["event", "endpoint"]
    fields = readonly_fields = ["event", "endpoint", "status", "attempts", "next_attempt_at", "created_at"]
    inlines = [DeliveryAttemptInline]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Read-only: only the retry action changes a delivery, under the change permission.
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description="Try again now", permissions=["change"])
    def retry_now(self, request, queryset):
        from .tasks import deliver_webhook

        again = 0
        for delivery in queryset.exclude(status=WebhookDelivery.Status.DELIVERED):
            delivery.status = WebhookDelivery.Status.PENDING
            delivery.next_attempt_at = timezone.now()
            delivery.save(update_fields=["status", "next_attempt_at"])
            deliver_webhook.enqueue(delivery.pk)
            again += 1
        messages.success(request, f"{again} deliveries will be tried again.")


@admin.register(ChangeEvent)
class ChangeEventAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "action", "key", "occurred_at"]
    list_filter = ["kind", "action"]
    fields = readonly_fields = ["kind", "object_id", "action", "key", "occurred_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name", "rate_limit"]

    def clean_rate_limit(self):
        value = self.cleaned_data["rate_limit"].strip()
        if value:
            try:
                parse_rate(value)
            except ImproperlyConfigured:
                raise forms.ValidationError("Write the allowance like 1000/minute or 50000/day.") from None
        return value


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "key_start", "rate_limit", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["key_start", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.display(description="key")
    def key_start(self, obj):
        return f"bm_{obj.prefix}_…" if obj.prefix else "Made when you save; shown once then."

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        row, key = api_key_create(name=obj.name, user=request.user, rate_limit=obj.rate_limit)
        obj.pk, obj.prefix, obj.key_hash = row.pk, row.prefix, row.key_hash
        messages.warning(
            request, f"The API key for {row.name} is {key} — copy it now: it is not shown again."
        )

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key)
        messages.success(request, f"{queryset.count()} keys revoked; requests with them now get a 401.")

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the record of who had a key stays
