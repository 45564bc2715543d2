"""Edit conflicts: a change form saved against a newer version of its object is refused, not applied.

A change form carries what the object and its inline rows held when it was opened (signed, in a hidden
field). On save, under a row lock, that is compared with what the database holds now; if someone else
saved in between, the form comes back with their changes listed and this editor's typing kept, and the
fresh state it now carries lets a second save keep this editor's version on purpose.

Who has a change form open is kept in the cache (a soft lock, as Wagtail shows it): another editor opening
the same object is told, and can take over, which tells the first one in turn. It only informs; the
refused save above is what keeps work from being lost.
"""

from __future__ import annotations

from django.contrib.admin.utils import label_for_field, quote
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms.models import _get_foreign_key
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone

from core.versioning import restoring

FIELD = "_opened_state"
_SALT = "core.conflicts"
_SHOWN = 60  # characters of a changed value quoted in the message
# How long an opened change form counts as someone editing, unless they open or save it again.
EDITING_SECONDS = 20 * 60


def _value(obj: models.Model, field: models.Field) -> str:
    value = field.value_from_object(obj)
    if isinstance(field, models.ManyToManyField):
        return ",".join(sorted(str(item.pk) for item in value))
    return "" if value is None else str(value)


def _editable_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]
        if field.editable and not field.primary_key and not getattr(field, "auto_now", False)
    ]


def _row(obj: models.Model) -> dict[str, str]:
    return {field.name: _value(obj, field) for field in _editable_fields(type(obj))}


def _label(obj: models.Model) -> str:
    # Paragraphs and sections are known by their anchors; anything else by its name.
    return str(getattr(obj, "anchor", "") or obj)


class EditConflictMixin:
    """For a ModelAdmin: refuse a change form saved after someone else changed the object or its inlines."""

    def opened_state(self, request, obj: models.Model) -> dict:
        """Return what an editor sees of obj: its editable fields and those of each inline's rows."""
        state = {"object": _row(obj), "inlines": {}}
        for inline in self.get_inline_instances(request, obj):
            fk = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name)
            rows = inline.get_queryset(request).filter(**{fk.name: obj}).order_by("pk")
            state["inlines"][inline.model._meta.label] = {
                str(row.pk): {"label": _label(row), "fields": _row(row)} for row in rows
            }
        return state

    def _checks_conflicts(self, request, obj) -> bool:
        # A restore's form shows the version being brought back, not what the database holds.
        return obj is not None and obj.pk is not None and restoring(request) is None

    # Who is editing: a soft lock kept in the cache.

    def _editing_key(self, obj) -> str:
        return f"editing:{self.model._meta.label_lower}:{obj.pk}"

    def _editing(self, request, obj) -> dict | None:
        """Return who else has obj open for editing, and record this editor when nobody else has."""
        key = self._editing_key(obj)
        holder = cache.get(key)
        if holder and holder["user"] != request.user.pk:
            return holder
        self._hold(request, obj)
        return None

    def _hold(self, request, obj) -> None:
        holder = {"user": request.user.pk, "name": request.user.get_username(), "since": timezone.now()}
        cache.set(self._editing_key(obj), holder, EDITING_SECONDS)

    def get_urls(self):
        opts = self.model._meta
        take_over = self.admin_site.admin_view(self.take_over_view)
        name = f"{opts.app_label}_{opts.model_name}_take_over"
        return [path("<path:object_id>/take-over/", take_over, name=name), *super().get_urls()]

    def take_over_view(self, request, object_id):
        """Make this editor the one editing; the other sees it the next time they open the form."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        self._hold(request, obj)
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
        )

    def response_change(self, request, obj):
        holder = cache.get(self._editing_key(obj))
        if holder and holder["user"] == request.user.pk:
            cache.delete(self._editing_key(obj))  # saved: nobody is editing it any more
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if self._checks_conflicts(request, obj):
            holder = self._editing(request, obj)
            if holder is not None:
                opts = self.model._meta
                context["editing_notice"] = (
                    f"{holder['name']} opened this {opts.verbose_name} for editing at "
                    f"{timezone.localtime(holder['since']):%H:%M} and may still be changing it. If you both "
                    "save, the second save is refused and shows what the first one changed."
                )
                context["take_over_url"] = reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_take_over", args=[quote(obj.pk)]
                )
            context["opened_state_field"] = FIELD
            # From the database: after a refused save, obj holds what this editor typed.
            state = self.opened_state(request, type(obj)._default_manager.get(pk=obj.pk))
            context["opened_state"] = signing.dumps(state, salt=_SALT, compress=True)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if not self._checks_conflicts(request, obj):
            return form_class
        admin = self

        class ConflictCheckingForm(form_class):
            def clean(self):
                cleaned = super().clean()
                admin.refuse_conflicting_save(request, self.instance, self.data.get(FIELD))
                return cleaned

        ConflictCheckingForm.__name__ = form_class.__name__
        return ConflictCheckingForm

    def refuse_conflicting_save(
        self, request, obj: models.Model, token: str | None, *, in_form: bool = True
    ) -> None:
        """Raise a ValidationError listing what changed since the form was opened, if anything did."""
        if not token:
            return  # a form the admin did not render (a script, a test client): nothing to compare
        try:
            opened = signing.loads(token, salt=_SALT)
        except signing.BadSignature as error:
            raise ValidationError(
                "This form's record of when it was opened is damaged; reload the page."
            ) from error
        objects = type(obj)._default_manager
        if transaction.get_connection().in_atomic_block:
            # Lock the row so that two saves of one object cannot both pass this check.
            objects = objects.select_for_update()
        current = self.opened_state(request, objects.get(pk=obj.pk))
        changes = self._changes(opened, current)
        if not changes:
            return
        noun = self.model._meta.verbose_name
        if in_form:
            first = (
                f"Someone else saved this {noun} after you opened it. Your changes are still in the form "
                "below and nothing was saved. What they changed:"
            )
            last = "Save again to keep your version over theirs, or copy what you need and reload."
        else:
            first = f"someone else saved this {noun} after you opened it. What they changed:"
            last = "Look at it as it is now, then try again."
        raise ValidationError([first, *changes, last])

    def _changes(self, opened: dict, current: dict) -> list[str]:
        changes = [
            self._changed_field(self.model, name, before, current["object"].get(name, ""))
            for name, before in opened["object"].items()
            if current["object"].get(name, "") != before
        ]
        for label, rows in current["inlines"].items():
            before_rows = opened["inlines"].get(label, {})
            model = self._inline_model(label)
            noun = model._meta.verbose_name if model else "row"
            for pk, row in rows.items():
                if pk not in before_rows:
                    changes.append(f"added {noun} {row['label']}")
                    continue
                before = before_rows[pk]["fields"]
                for name, value in row["fields"].items():
                    if before.get(name, "") != value:
                        change = self._changed_field(model, name, before.get(name, ""), value)
                        changes.append(f"{noun} {row['label']}: {change}")
            changes += [f"deleted {noun} {row['label']}" for pk, row in before_rows.items() if pk not in rows]
        return changes

    def _inline_model(self, label: str):
        for inline in self.inlines:
            if inline.model._meta.label == label:
                return inline.model
        return None

    @staticmethod
    def _changed_field(model, name: str, before: str, after: str) -> str:
        def quoted(value: str) -> str:
            return f"“{value[:_SHOWN]}…”" if len(value) > _SHOWN else f"“{value}”"

        label = label_for_field(name, model) if model else name
        return f"{label}: {quoted(before)} → {quoted(after)}"
