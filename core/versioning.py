"""Record revisions with django-reversion, and restore one object's version without side effects.

Each app registers its versioned models with django-reversion's `follow=` in its own versioning module,
when the app is ready: what a revision holds (an article with its sections and their paragraphs, a company
with its aliases and products) is declared there, once. The admin registers nothing (see
`RestoringVersionAdmin.reversion_register`), so no import order decides what a revision holds.

A revision holds more than the object whose history an editor opened: a paragraph's version sits in a
revision with its whole article. django-reversion's restore reverts the whole revision, so restoring a
paragraph rewrote every section and put back the article's status of that day. `RestoringVersionAdmin`,
the base of every history in the admin, reverts only the chosen object and what its registered follows
hold, and never the fields declared with `keep_on_restore`: whether, when and where something is public.
What a restore must be followed by (annotations re-attached to restored text) is declared by the app
that needs it, with `after_restore`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

import reversion
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import Collector
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from reversion.admin import VersionAdmin
from reversion.errors import RevertError
from reversion.models import Version
from reversion.revisions import _follow_relations_recursive, _get_options, _stack
from reversion.utils import mute_signals

# Per model: the fields a restore leaves as they are, and the values an object recovered after its
# deletion takes for some of them instead of its version's.
KEPT_ON_RESTORE: dict[type[models.Model], tuple[str, ...]] = {}
RECOVERED_AS: dict[type[models.Model], dict] = {}

# Set on the request while a version is being restored or recovered (see `restoring`).
RESTORE_ATTR = "_version_restore"

# What runs after every restore with the objects it brought back, returning warnings for the editor.
_FOLLOW_UPS: list[Callable[[list[models.Model]], Iterable[str]]] = []


def keep_on_restore(
    model: type[models.Model], fields: list[str], *, recovered_as: dict | None = None
) -> None:
    """Declare fields no restore changes; a recovered object takes recovered_as for those named there."""
    for name in [*fields, *(recovered_as or {})]:
        model._meta.get_field(name)  # a typo must fail at start-up, not silently keep nothing
    KEPT_ON_RESTORE[model] = tuple(fields)
    RECOVERED_AS[model] = dict(recovered_as or {})


def after_restore(follow_up: Callable[[list[models.Model]], Iterable[str]]) -> None:
    """Run follow_up with the objects every restore brings back; it returns warnings for the editor."""
    if follow_up not in _FOLLOW_UPS:
        _FOLLOW_UPS.append(follow_up)


# --- django-reversion internals ----------------------------------------------------------------------------
# django-reversion has no public API for these three; they are used here and nowhere else.


def _registered_follows(model: type[models.Model]) -> tuple[str, ...]:
    """Return the relations the model's registration follows."""
    return _get_options(model).follow


def _followed_objects(obj: models.Model) -> set[models.Model]:
    """Return obj with every object its registered follows reach now, recursively."""
    return _follow_relations_recursive(obj)


@contextmanager
def _outside_open_revisions():
    """Hide the open revisions inside, so that a revision opened there is saved when it closes."""
    token = _stack.set([])
    try:
        yield
    finally:
        _stack.reset(token)


@contextmanager
def recorded_revision(user, comment: str, *, of_its_own: bool = False):
    """Record the changes made inside as one revision by user (None for a command).

    Inside an open revision the changes join it, unless of_its_own. A revision saves only the rows that
    still exist when it closes, so what is recorded just before its deletion needs a revision of its own.
    """
    with _outside_open_revisions() if of_its_own else nullcontext(), reversion.create_revision():
        if user is not None and getattr(user, "is_authenticated", False):
            reversion.set_user(user)
        reversion.set_comment(comment)
        yield


# --- Restoring one object ---------------------------------------------------------------------------------


class RestoreRefused(Exception):
    """A restore that would have changed what it must keep; everything it did is undone."""


def object_key(model: type[models.Model], pk) -> tuple[type[models.Model], str]:
    """Return what identifies the row of model with pk, whichever proxy or version names it."""
    return (model._meta.concrete_model, str(pk))


def version_key(version: Version) -> tuple[type[models.Model], str]:
    """Return what identifies the row the version is a version of."""
    return object_key(version._model, version.object_id)


def _followed_versions(version: Version) -> list[Version]:
    """Return the version with the versions of its revision its registered follows reach, parents first."""
    by_model: dict[type[models.Model], list[Version]] = defaultdict(list)
    for other in version.revision.version_set.all():
        by_model[other._model].append(other)
    scope, seen, index = [version], {version_key(version)}, 0
    while index < len(scope):
        parent = scope[index]
        index += 1
        model = parent._model
        for name in _registered_follows(model):
            try:
                relation = model._meta.get_field(name)
            except FieldDoesNotExist:
                relation = None
            if relation is None or not (relation.one_to_many and relation.auto_created):
                raise ImproperlyConfigured(
                    f"{model.__name__} follows {name!r} in its history: a restore can only scope "
                    "follows that are reverse foreign keys."
                )
            attname = relation.field.attname
            for child in by_model[relation.related_model]:
                if version_key(child) in seen:
                    continue
                if str(getattr(child._object_version.object, attname)) == parent.object_id:
                    seen.add(version_key(child))
                    scope.append(child)
    return scope


def existing_objects(keys) -> dict[tuple[type[models.Model], str], models.Model]:
    """Return the objects that exist now among keys, one query per model."""
    wanted: dict[type[models.Model], list[str]] = defaultdict(list)
    for model, pk in keys:
        wanted[model].append(pk)
    found = {}
    for model, pks in wanted.items():
        for obj in model._default_manager.filter(pk__in=pks):
            found[object_key(model, obj.pk)] = obj
    return found


def _kept(model: type[models.Model], source) -> dict:
    return {name: getattr(source, model._meta.get_field(name).attname) for name in KEPT_ON_RESTORE[model]}


@dataclass
class Restore:
    """One restore or recovery: the versions it reverts and the values it must leave as they are."""

    version: Version
    recovering: bool
    versions: list[Version]
    # Kept fields of every object restored, and of every other object of the revision (checked after).
    kept: dict[tuple[type[models.Model], str], dict] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    # Whether the chosen object does not exist now: it comes back with RECOVERED_AS among its kept values.
    recreated: bool = False
    saved: bool = False
    # (level, message) pairs told to the editor once the restore is committed.
    notices: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def plan(cls, version: Version, *, recovering: bool, versions: list[Version] | None = None) -> Restore:
        """Prepare to revert the version with what its follows hold (or the versions given)."""
        restore = cls(version, recovering, versions or _followed_versions(version))
        restored = restore.keys
        guarded = {version_key(v) for v in version.revision.version_set.all() if v._model in KEPT_ON_RESTORE}
        current = existing_objects(restored | guarded)
        restore.recreated = version_key(version) not in current
        for key, obj in current.items():
            if key[0] in KEPT_ON_RESTORE:
                restore.kept[key] = _kept(key[0], obj)
        for v in restore.versions:
            key = version_key(v)
            if key not in restore.kept and v._model in KEPT_ON_RESTORE:
                # Recovered: its version's values, except what a recovered object always starts with.
                restore.kept[key] = {**_kept(v._model, v._object_version.object), **RECOVERED_AS[v._model]}
        return restore

    @property
    def keys(self) -> set[tuple[type[models.Model], str]]:
        return {version_key(v) for v in self.versions}

    def keep(self, obj: models.Model) -> None:
        """Put the kept values back on an object about to be saved by the restore form."""
        if obj.pk is None:
            return
        for name, value in self.kept.get(object_key(type(obj), obj.pk), {}).items():
            setattr(obj, type(obj)._meta.get_field(name).attname, value)

    def revert(self) -> None:
        """Revert the scoped versions, keeping the kept fields, and delete what their follows added since."""
        self._refuse_missing_references()
        current = existing_objects(self.keys)
        reachable = set()
        for obj in current.values():
            reachable |= _followed_objects(obj)
        added = [obj for obj in reachable if object_key(type(obj), obj.pk) not in self.keys]
        if added:
            collector = Collector(using=self.version.db)
            collector.collect(added)
            # Name everything an editor wrote that goes with them (cascades included), so none goes unsaid.
            doomed = [obj for instances in collector.data.values() for obj in instances]
            doomed += [obj for queryset in collector.fast_deletes for obj in queryset]
            self.removed = [
                f"{obj._meta.verbose_name} “{obj}”" for obj in doomed if reversion.is_registered(type(obj))
            ]
            collector.delete()
        for version in self.versions:
            restored = version._object_version
            self.keep(restored.object)
            try:
                with transaction.atomic(using=version.db):
                    restored.save(using=version.db)
            except IntegrityError as error:
                raise RevertError(
                    f"“{version.object_repr}” could not be restored: another "
                    f"{version._model._meta.verbose_name} now holds one of its unique values "
                    "(such as its anchor or name); change that one first."
                ) from error

    def _refuse_missing_references(self) -> None:
        """Refuse, in words, a version pointing at a row that no longer exists and is not restored with it."""
        keys, pointers = self.keys, []
        for version in self.versions:
            obj = version._object_version.object
            for model_field in obj._meta.concrete_fields:
                if model_field.is_relation and getattr(obj, model_field.attname) is not None:
                    target = object_key(model_field.related_model, getattr(obj, model_field.attname))
                    if target not in keys:
                        pointers.append((version, model_field, target))
        existing = existing_objects({target for *_, target in pointers})
        for version, model_field, target in pointers:
            if target not in existing:
                raise RevertError(
                    f"“{version.object_repr}” cannot be restored: its {model_field.verbose_name} "
                    f"(#{target[1]}) no longer exists. Recover that "
                    f"{model_field.related_model._meta.verbose_name} first."
                )

    def check(self) -> None:
        """Refuse the restore if any kept value changed after all."""
        current = existing_objects(self.kept)
        for key, values in self.kept.items():
            if key in current and _kept(key[0], current[key]) != values:
                raise RestoreRefused(
                    f"The restore was undone: it would have changed the {', '.join(values)} of "
                    f"{key[0]._meta.verbose_name} “{current[key]}”, which a restore never changes."
                )

    def restored_objects(self) -> list[models.Model]:
        return list(existing_objects(self.keys).values())


def restoring(request) -> Restore | None:
    """Return the restore this request is making, or None for an ordinary request."""
    return getattr(request, RESTORE_ATTR, None)


class _RollBack(Exception):
    def __init__(self, response):
        self.response = response


def _listed(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)


def _kept_labels(model: type[models.Model]) -> str:
    return _listed([str(model._meta.get_field(name).verbose_name) for name in KEPT_ON_RESTORE.get(model, ())])


def _described(model: type[models.Model], values: dict) -> str:
    """Describe kept values in words, such as `status “Draft”, publish at empty and slug “x”`."""
    parts = []
    for name, value in values.items():
        model_field = model._meta.get_field(name)
        label = model_field.verbose_name
        if value is None:
            parts.append(f"{label} empty")
        elif isinstance(value, bool):
            parts.append(f"{label} “{'yes' if value else 'no'}”")
        else:
            parts.append(f"{label} “{dict(model_field.flatchoices).get(value, value)}”")
    return _listed(parts)


class RestoringVersionAdmin(VersionAdmin):
    """A VersionAdmin whose restore and recover touch only the chosen object and never its kept fields."""

    def reversion_register(self, model, **options):
        """Register nothing: each app registers its models, with their follows, when it is ready.

        django-reversion's admin would register a model from its inlines when the admin is loaded, which
        is before the apps are ready; whichever came first would decide what a revision holds.
        """

    def restore_versions(self, request, version: Version) -> list[Version]:
        """Return the versions a restore of version reverts: it and what its follows hold."""
        return _followed_versions(version)

    def restore_scope_note(self, request, restore: Restore) -> str:
        """Say on the restore form what saving it brings back."""
        opts = self.model._meta
        follows = [
            str(opts.get_field(name).related_model._meta.verbose_name_plural)
            for name in _registered_follows(self.model)
        ]
        held = f" with the {' and '.join(follows)} its version holds" if follows else ""
        return f"Saving brings back only this {opts.verbose_name}{held}; nothing else changes."

    def restore_note(self, request, restore: Restore) -> str:
        """Say on the restore form what saving it will and will not change."""
        note = self.restore_scope_note(request, restore)
        if self.model not in KEPT_ON_RESTORE:
            return note
        if restore.recreated:
            kept = restore.kept[version_key(restore.version)]
            return f"{note} It comes back with {_described(self.model, kept)}."
        return f"{note} These stay as they are now: {_kept_labels(self.model)}."

    def _reversion_revisionform_view(self, request, version, template_name, extra_context=None):
        # Replaces django-reversion's view of the same name, which reverts the version's whole revision.
        if version._model is not self.model:
            raise Http404(f"That version is not a version of a {self.model._meta.verbose_name}.")
        opts = self.model._meta
        if request.method == "POST" and "_saveasnew" in request.POST:
            messages.error(request, "A version is restored over its object; it cannot be saved as a new one.")
            return redirect(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
        extra = dict(extra_context or {})
        recovering = bool(extra.get("recover"))
        # Looking at a version must not index, re-attach or otherwise react to its temporary revert.
        signals = (
            mute_signals(pre_save, post_save, pre_delete, post_delete, m2m_changed)
            if request.method == "GET"
            else nullcontext()
        )
        try:
            restore = Restore.plan(
                version, recovering=recovering, versions=self.restore_versions(request, version)
            )
            extra.setdefault("restore_note", self.restore_note(request, restore))
            setattr(request, RESTORE_ATTR, restore)
            with transaction.atomic(using=version.db), signals:
                restore.revert()
                with self.create_revision(request):
                    response = self.changeform_view(request, quote(version.object_id), request.path, extra)
                    if request.method == "POST" and response.status_code == 302:
                        if not restore.saved:
                            # Another button of the change form (an action) answered: it restores nothing.
                            raise RevertError("Only saving the form restores a version.")
                        restore.check()
                        self.restore_finished(request, restore)
                        saved = timezone.localtime(version.revision.date_created).strftime("%Y-%m-%d %H:%M")
                        done = "Recovered" if recovering else "Reverted"
                        reversion.set_comment(
                            f"{done} {opts.verbose_name} “{version.object_repr}” "
                            f"to its version saved on {saved}"
                        )
                    elif response.status_code == 200:
                        response.template_name = template_name
                        response.render()
                        raise _RollBack(response)
                    else:
                        raise RevertError(f"Could not load the version of “{version.object_repr}”.")
        except (RevertError, RestoreRefused, models.ProtectedError) as error:
            messages.error(request, _error_text(error))
            return redirect(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
        except _RollBack as rollback:
            return rollback.response
        finally:
            request.__dict__.pop(RESTORE_ATTR, None)
        if restore.removed:
            restore.notices.append(
                (
                    messages.WARNING,
                    f"Removed what was added after that version: {', '.join(restore.removed)}.",
                )
            )
        for level, text in restore.notices:
            self.message_user(request, text, level)
        return response

    def restore_finished(self, request, restore: Restore) -> None:
        """Run the follow-ups the apps declared with `after_restore`, and tell the editor what they warn."""
        objects = restore.restored_objects()
        for follow_up in _FOLLOW_UPS:
            restore.notices += [(messages.WARNING, warning) for warning in follow_up(objects)]

    def restore_message(self, request, obj, restore: Restore) -> str:
        """Return what the editor is told after a successful restore."""
        verb = "Recovered" if restore.recovering else "Restored"
        message = f"{verb} {obj._meta.verbose_name} “{obj}”."
        if type(obj) in KEPT_ON_RESTORE:
            message += f" Kept as they were: {_kept_labels(type(obj))}."
        return message

    # The restore form: kept fields are neither shown nor taken from the post, and saved as they were.

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        kept = set(KEPT_ON_RESTORE.get(self.model, ())) if restoring(request) else set()
        if not kept:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in kept]})
            for name, options in fieldsets
            if set(options["fields"]) - kept
        ]

    def get_prepopulated_fields(self, request, obj=None):
        prepopulated = super().get_prepopulated_fields(request, obj)
        kept = set(KEPT_ON_RESTORE.get(self.model, ())) if restoring(request) else set()
        return {name: sources for name, sources in prepopulated.items() if name not in kept}

    def save_model(self, request, obj, form, change):
        restore = restoring(request)
        if restore is not None:
            restore.keep(obj)
            restore.saved = True
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        restore = restoring(request)
        if restore is not None:
            for inline_form in formset.forms:
                restore.keep(inline_form.instance)
        super().save_formset(request, form, formset, change)

    def response_change(self, request, obj):
        restore = restoring(request)
        if restore is None:
            return super().response_change(request, obj)
        # Told once the restore is committed: its last check may still undo it.
        restore.notices.insert(0, (messages.SUCCESS, self.restore_message(request, obj, restore)))
        opts = obj._meta
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
        )


def _error_text(error: Exception) -> str:
    if isinstance(error, models.ProtectedError):
        names = ", ".join(f"{obj._meta.verbose_name} “{obj}”" for obj in list(error.protected_objects)[:5])
        return f"Nothing was restored: removing what was added since would delete records in use ({names})."
    return f"Nothing was restored. {error}"
