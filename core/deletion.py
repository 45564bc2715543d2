"""Deletion in the admin: refuse it while other records refer to the object, else record it for recovery.

Two kinds of relation, decided per foreign key in the models (and listed in the README):

- What belongs to an object goes with it (CASCADE): an article's sections, paragraphs and annotations and
  the quotes, figures and suggested mentions cut from its paragraphs (an editor's decided mention moves
  to another paragraph or waits for review instead: `landscape/mentions.py`); a company's aliases and
  products; a person's aliases and affiliations. Before the delete, `deletion_record` saves all of it in
  one revision of its own, so "Recover deleted …" brings the object back with everything deleted with it.
- What refers to an object from elsewhere stops its deletion (PROTECT): the quotes, figures, mentions and
  affiliations that name a company, person or product. The delete page (single or bulk) lists them,
  grouped by the field that refers, with a link to exactly those records and what to do about them.
"""

from __future__ import annotations

from collections import defaultdict

import reversion
from django.contrib import messages
from django.contrib.admin.utils import NestedObjects, quote
from django.db import models, router, transaction
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from reversion.models import Version

from .versioning import existing_objects, object_key, recorded_revision, version_key

_REFUSING = (models.PROTECT, models.RESTRICT)


def _collect(objs) -> NestedObjects:
    """Return what deleting objs would take and what refuses it, as the admin's delete page sees it."""
    objs = list(objs)
    collector = NestedObjects(using=router.db_for_write(type(objs[0])))
    collector.collect(objs)
    return collector


def _counted(instances: list[models.Model]) -> str:
    by_model: dict[type[models.Model], int] = defaultdict(int)
    for obj in instances:
        by_model[type(obj)] += 1
    return ", ".join(
        f"{n} {model._meta.verbose_name if n == 1 else model._meta.verbose_name_plural}"
        for model, n in by_model.items()
    )


def deletion_record(*, obj: models.Model, user) -> list[models.Model]:
    """Record obj and every versioned row its deletion takes in one revision; return what it recorded."""
    collector = _collect([obj])
    doomed = [
        instance
        for model, instances in collector.model_objs.items()
        if reversion.is_registered(model)
        for instance in sorted(instances, key=lambda instance: instance.pk)
    ]
    if not doomed:
        return []
    others = [instance for instance in doomed if instance != obj]
    comment = f"Deleted {obj._meta.verbose_name} “{obj}”"
    if others:
        comment += f" with {_counted(others)}"
    comment += "; recorded so that it can be recovered with all of them"
    # Of its own: a delete in the admin runs inside a revision that closes only once the rows are gone.
    with recorded_revision(user, comment, of_its_own=True):
        for instance in doomed:
            reversion.add_to_revision(instance)
    return doomed


def deleted_with(version: Version, scope: list[Version]) -> list[Version]:
    """Return the versions of scope's revision deleted with it: rows gone now that point into the scope.

    A row counts when one of its foreign keys points at a version in the scope, directly or through
    other such rows (a quote through its paragraph and section to the article), as the delete cascaded.
    """
    keys = {version_key(v) for v in scope}
    candidates = [v for v in version.revision.version_set.all() if version_key(v) not in keys]
    existing = existing_objects({version_key(v) for v in candidates})
    gone = [v for v in candidates if version_key(v) not in existing]
    found, grew = [], True
    while grew:
        grew = False
        for candidate in gone:
            if candidate in found:
                continue
            obj = candidate._object_version.object
            for field in obj._meta.concrete_fields:
                value = getattr(obj, field.attname) if field.many_to_one else None
                if value is not None and object_key(field.related_model, value) in keys:
                    found.append(candidate)
                    keys.add(version_key(candidate))
                    grew = True
                    break
    return found


class RecoverableDeletionMixin:
    """Admin deletion that names what refuses it, and records what it takes so it can be recovered.

    Put it before `RestoringVersionAdmin` in the bases: a recovery then restores the object with every
    row recorded as deleted with it (`restore_versions`), and says so on its form (`restore_scope_note`).
    """

    delete_confirmation_template = "admin/recoverable_delete_confirmation.html"
    delete_selected_confirmation_template = "admin/recoverable_delete_selected_confirmation.html"

    def delete_model(self, request, obj):
        with transaction.atomic(using=router.db_for_write(type(obj))):
            deletion_record(obj=obj, user=request.user)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # One record per object, so that recovering one brings back only what was deleted with it.
        with transaction.atomic(using=router.db_for_write(queryset.model)):
            for obj in queryset.order_by("pk"):
                self.delete_model(request, obj)
        self.message_user(request, self._recover_hint(), messages.INFO)

    def response_delete(self, request, obj_display, obj_id):
        response = super().response_delete(request, obj_display, obj_id)
        self.message_user(request, self._recover_hint(), messages.INFO)
        return response

    def _recover_hint(self) -> str:
        opts = self.model._meta
        return (
            f"Recover deleted {opts.verbose_name_plural} (on the {opts.verbose_name_plural} list) brings a "
            f"deleted {opts.verbose_name} back with everything that was deleted with it."
        )

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            protected = self.deletion_blockers(objs, request)
        return to_delete, model_count, perms_needed, protected

    def deletion_blockers(self, objs, request) -> list:
        """Return what refuses the deletion, grouped by the field that refers, with how to resolve it.

        The list nests as the admin's delete pages render it: a line per group, then its records.
        """
        collector = _collect(objs)
        doomed = {
            object_key(model, instance.pk): instance
            for model, instances in collector.model_objs.items()
            for instance in instances
        }
        groups: dict[tuple[type[models.Model], models.Field], list[models.Model]] = defaultdict(list)
        targets: dict[tuple[type[models.Model], models.Field], set] = defaultdict(set)
        for blocker in sorted(collector.protected, key=lambda obj: (obj._meta.label, obj.pk)):
            for field in blocker._meta.concrete_fields:
                if not (field.many_to_one and field.remote_field.on_delete in _REFUSING):
                    continue
                target = doomed.get(object_key(field.related_model, getattr(blocker, field.attname)))
                if target is not None:
                    groups[(type(blocker), field)].append(blocker)
                    targets[(type(blocker), field)].add(target)
        listing = []
        for (model, field), blockers in groups.items():
            named = sorted(targets[(model, field)], key=lambda obj: obj.pk)
            listing.append(self._blocker_line(request, model, field, blockers, named))
            listing.append([self._blocker_item(request, blocker) for blocker in blockers])
        return listing

    def _blocker_line(self, request, model, field, blockers, targets):
        opts, target_opts = model._meta, field.related_model._meta
        plural = opts.verbose_name if len(blockers) == 1 else opts.verbose_name_plural
        if len(targets) == 1:
            target = f"the {target_opts.verbose_name} “{targets[0]}”"
        else:
            target = f"{len(targets)} of the {target_opts.verbose_name_plural} being deleted"
        line = format_html(
            "{} {} still {} to {} as {} {}: give {} another {} or delete {} first, then delete again.",
            len(blockers),
            plural,
            "refers" if len(blockers) == 1 else "refer",
            target,
            "its" if len(blockers) == 1 else "their",
            field.verbose_name,
            "it" if len(blockers) == 1 else "each",
            field.verbose_name,
            "it" if len(blockers) == 1 else "them",
        )
        admin = self.admin_site.get_model_admin(model) if self.admin_site.is_registered(model) else None
        if admin is None or not admin.has_view_or_change_permission(request):
            return line
        try:
            changelist = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            return line
        pks = ",".join(str(target.pk) for target in targets)
        return format_html(
            '{} <a href="{}?{}__id__in={}">Show these {}</a>.',
            line,
            changelist,
            field.name,
            pks,
            opts.verbose_name_plural,
        )

    def _blocker_item(self, request, blocker):
        opts = blocker._meta
        label = capfirst(opts.verbose_name)
        if self.admin_site.is_registered(type(blocker)):
            try:
                url = reverse(
                    f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                    args=[quote(blocker.pk)],
                )
            except NoReverseMatch:
                pass
            else:
                return format_html('{}: <a href="{}">{}</a>', label, url, blocker)
        return format_html("{}: {}", label, blocker)

    # Recovery: the deleted object comes back with what was deleted with it.

    def _recovering(self, version: Version) -> bool:
        return not self.model._default_manager.filter(pk=version.object_id).exists()

    def restore_versions(self, request, version):
        versions = super().restore_versions(request, version)
        if not self._recovering(version):
            return versions
        return versions + deleted_with(version, versions)

    def restore_scope_note(self, request, restore):
        followed = {version_key(v) for v in super().restore_versions(request, restore.version)}
        extra = [v for v in restore.versions if version_key(v) not in followed]
        if not extra:
            return super().restore_scope_note(request, restore)
        counts = _counted([v._object_version.object for v in extra])
        return (
            f"Saving brings back this {self.model._meta.verbose_name} with everything that was deleted "
            f"with it ({counts}); nothing else changes."
        )


class RecordedDeletionInlineMixin:
    """An inline whose "Delete" box records the row with what goes with it, as the delete page does."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        user = request.user

        class RecordedDeletionFormSet(formset):
            def delete_existing(self, obj, commit=True):
                if commit:
                    deletion_record(obj=obj, user=user)
                super().delete_existing(obj, commit=commit)

        return RecordedDeletionFormSet
