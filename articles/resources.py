"""Import and export (django-import-export) shared by the admin: formats, strict resources, permissions.

Every resource here names related rows by natural keys (slugs, paragraph anchors), never by database
ids, so that a file exported from one database imports into another. Imports are all or nothing: a dry
run shows every row and every error with its row number first, and a file with any invalid row changes
nothing.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist, ValidationError
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from .models import Annotation, Article, Paragraph


class CSVWithBOM(base_formats.CSV):
    """UTF-8 CSV starting with a byte-order mark, so spreadsheet programs read the Chinese correctly."""

    def export_data(self, dataset, **kwargs):
        return "\ufeff" + super().export_data(dataset, **kwargs)


EXCHANGE_FORMATS = [CSVWithBOM, base_formats.XLSX, base_formats.JSON]


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A related row named by its natural key (slug, anchor); an unknown key is an error that names it."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"No {self.model._meta.verbose_name} has the {self.field} “{value}”.") from None


def _name_the_choices(instance, errors: dict) -> dict:
    """Add the allowed values to the error of a field with choices: Django's message leaves them out."""
    for name, messages in errors.items():
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.concrete:
            continue
        choices = list(field.flatchoices) if field.choices else []
        if choices and getattr(instance, field.attname) not in {value for value, _ in choices}:
            allowed = ", ".join(f"{value} ({label})" for value, label in choices)
            messages[-1] = f"{messages[-1]} Use one of: {allowed}."
    return errors


class StrictResource(resources.ModelResource):
    """A resource whose import validates every row like a form and rolls back on any error."""

    class Meta:
        abstract = True
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            raise ValidationError(_name_the_choices(instance, error.message_dict)) from None


class ExchangeAdminMixin(ImportExportMixin):
    """Import (add and change permission needed) and export (view permission) in CSV, XLSX and JSON."""

    formats = EXCHANGE_FORMATS
    from_encoding = "utf-8-sig"  # reads CSV with or without the byte-order mark
    to_encoding = "utf-8"

    def has_import_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}") and request.user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # Even on the confirmed import, one invalid row undoes the whole file.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs


class AnnotationResource(StrictResource):
    uid = fields.Field(attribute="uid", column_name="uid")
    article = fields.Field(
        attribute="article", column_name="article", widget=NaturalKeyWidget(Article, field="slug")
    )
    paragraph = fields.Field(
        attribute="paragraph",
        column_name="paragraph",
        widget=NaturalKeyWidget(Paragraph, field="anchor"),
    )

    class Meta(StrictResource.Meta):
        model = Annotation
        import_id_fields = ["uid"]
        fields = [
            "uid",
            "article",
            "paragraph",
            "kind",
            "visibility",
            "status",
            "body",
            "exact",
            "prefix",
            "suffix",
            "start",
            "end",
            "orphaned",
        ]
        export_order = fields

    def get_queryset(self):
        return Annotation.objects.select_related("article", "paragraph").order_by("article__slug", "uid")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Refuse a row whose paragraph is in another article or no longer holds the quote."""
        errors = dict(import_validation_errors or {})
        paragraph = instance.paragraph if instance.paragraph_id else None
        if paragraph is not None and "paragraph" not in errors:
            covered = paragraph.text[instance.start : instance.end]
            if instance.article_id and paragraph.section.article_id != instance.article_id:
                errors["paragraph"] = [f"Paragraph {paragraph.anchor} is not part of “{instance.article}”."]
            elif instance.end > len(paragraph.text) or covered != instance.exact:
                errors["exact"] = [
                    f"Paragraph {paragraph.anchor} holds “{covered}” at {instance.start}–{instance.end}, "
                    f"not “{instance.exact}”."
                ]
        elif paragraph is None and not instance.orphaned and instance.exact:
            errors["paragraph"] = ["An annotation on a span needs its paragraph (or orphaned = 1)."]
        super().validate_instance(instance, errors, validate_unique)
