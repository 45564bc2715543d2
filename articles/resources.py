"""Import and export of annotations, with the strict resource every import shares (exchange.resources)."""

from import_export import fields

from exchange.resources import NaturalKeyWidget, StrictResource

from .models import Annotation, Article, Paragraph


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
            elif not instance.quote_at_offsets(paragraph.text):
                errors["exact"] = [
                    f"Paragraph {paragraph.anchor} holds “{covered}” at {instance.start}–{instance.end}, "
                    f"not “{instance.exact}”."
                ]
        elif paragraph is None and not instance.orphaned and instance.exact:
            errors["paragraph"] = ["An annotation on a span needs its paragraph (or orphaned = 1)."]
        super().validate_instance(instance, errors, validate_unique)
