"""Where an image is used: every record that refers to it, found through the model's reverse relations.

The library knows nothing of the apps that place images: a relation any app declares to `Image` (an
article's lead image, a paragraph's picture, a company's logo) shows up here on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from .models import Image, Rendition

_PARENT_DEPTH = 3  # how far up a record's foreign keys to look for one the admin edits


@dataclass(frozen=True)
class Usage:
    """One record that refers to an image, and the admin page to change it on (if there is one)."""

    relation: str  # such as "Lead image of articles"
    record: models.Model
    label: str
    admin_url: str


def usage_relations() -> list:
    """Return the reverse relations through which records refer to an image (renditions are its own)."""
    return [
        relation
        for relation in Image._meta.related_objects
        if relation.related_model is not Rendition and not relation.hidden
    ]


def unused_condition() -> Q:
    """Return the condition, on images, of being referred to by no record at all."""
    condition = Q()
    for relation in usage_relations():
        condition &= Q(**{f"{relation.field.related_query_name()}__isnull": True})
    return condition


def _describe(relation) -> str:
    model = relation.related_model._meta
    return f"{str(relation.field.verbose_name).capitalize()} of {model.verbose_name_plural}"


def _admin_page(record: models.Model, site: admin.AdminSite) -> tuple[models.Model, str]:
    """Return the record, or the nearest one above it by foreign key, that the admin edits, and its URL."""
    current = record
    for _ in range(_PARENT_DEPTH + 1):
        opts = current._meta
        if site.is_registered(type(current)):
            try:
                url = reverse(
                    f"{site.name}:{opts.app_label}_{opts.model_name}_change", args=[quote(current.pk)]
                )
            except NoReverseMatch:
                url = ""
            return current, url
        parent = next(
            (
                getattr(current, field.name)
                for field in opts.concrete_fields
                if field.many_to_one and field.related_model is not Image and getattr(current, field.attname)
            ),
            None,
        )
        if parent is None:
            break
        current = parent
    return record, ""


def image_usages(image: Image, *, site: admin.AdminSite | None = None, limit: int = 50) -> list[Usage]:
    """Return the records that use image, each with the admin page to change it (or its parent) on."""
    site = site or admin.site
    usages = []
    for relation in usage_relations():
        records = relation.related_model._default_manager.filter(**{relation.field.name: image})
        for record in records.order_by("pk")[:limit]:
            shown, url = _admin_page(record, site)
            label = str(record) if shown is record else f"{shown} ({record._meta.verbose_name} {record})"
            usages.append(Usage(relation=_describe(relation), record=record, label=label, admin_url=url))
    return usages
