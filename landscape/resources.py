"""Import and export of the landscape (companies, people, products, quotes, figures) by natural keys.

Companies and people carry their aliases in one column, separated by "|". Quotes and figures name their
source paragraph by its anchor; a company, person or product by its slug.
"""

from __future__ import annotations

from import_export import fields

from articles.models import Paragraph
from exchange.resources import NaturalKeyWidget, StrictResource

from .models import Alias, Company, Figure, Person, Product, Quote

ALIAS_SEPARATOR = "|"


def _fk(attribute: str, model, key: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=attribute, widget=NaturalKeyWidget(model, field=key))


class AliasesField(fields.Field):
    """An entity's aliases as one "|"-separated column, in the export, the preview and the skip check.

    The column is never set on the instance: `AliasesMixin.after_save_instance` makes the database match
    it once the entity is saved.
    """

    def __init__(self):
        super().__init__(column_name="aliases")

    def get_value(self, instance):
        if instance is None or instance.pk is None:
            return ""
        return ALIAS_SEPARATOR.join(sorted(alias.name for alias in instance.aliases.all()))


class AliasesMixin:
    """Export an entity's aliases as one column and make the database match it on import."""

    entity_field = ""

    @staticmethod
    def wanted_aliases(row) -> list[str] | None:
        if "aliases" not in row:
            return None  # a file without the column leaves the aliases alone
        names = (name.strip() for name in str(row["aliases"] or "").split(ALIAS_SEPARATOR))
        return sorted({name for name in names if name})

    def import_row(self, row, instance_loader, **kwargs):
        self._row_aliases = self.wanted_aliases(row)
        return super().import_row(row, instance_loader, **kwargs)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A row whose only change is its aliases is a change, not a row to skip."""
        wanted = self.wanted_aliases(row)
        if wanted is not None and original is not None and original.pk is not None:
            current = self.fields["aliases"].get_value(original)
            if ALIAS_SEPARATOR.join(wanted) != current:
                return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        names = getattr(self, "_row_aliases", None) or []
        taken = Alias.objects.filter(name__in=names)
        if instance.pk:
            taken = taken.exclude(**{self.entity_field: instance})
        clashes = [
            f"“{alias.name}” already names {alias.entity}"
            for alias in taken.select_related("company", "person")
        ]
        if clashes:
            errors["aliases"] = ["; ".join(clashes) + "."]
        super().validate_instance(instance, errors, validate_unique)

    def after_save_instance(self, instance, row, **kwargs):
        names = self.wanted_aliases(row)
        if names is None:
            return
        current = {alias.name: alias for alias in instance.aliases.all()}
        for name, alias in current.items():
            if name not in names:
                alias.delete()
        for name in names:
            if name not in current:
                Alias.objects.create(name=name, **{self.entity_field: instance})
        # Forget the prefetched aliases, so the preview shows the ones the row gives.
        getattr(instance, "_prefetched_objects_cache", {}).pop("aliases", None)


class CompanyResource(AliasesMixin, StrictResource):
    entity_field = "company"
    aliases = AliasesField()

    class Meta(StrictResource.Meta):
        model = Company
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "name_zh",
            "name_en",
            "layer",
            "country",
            "founded",
            "website",
            "summary",
            "published",
            "aliases",
        ]
        export_order = fields

    def get_queryset(self):
        return Company.objects.prefetch_related("aliases").order_by("slug")


class PersonResource(AliasesMixin, StrictResource):
    entity_field = "person"
    aliases = AliasesField()

    class Meta(StrictResource.Meta):
        model = Person
        import_id_fields = ["slug"]
        fields = ["slug", "name_zh", "name_en", "bio", "published", "aliases"]
        export_order = fields

    def get_queryset(self):
        return Person.objects.prefetch_related("aliases").order_by("slug")


class ProductResource(StrictResource):
    company = _fk("company", Company, "slug")

    class Meta(StrictResource.Meta):
        model = Product
        import_id_fields = ["slug"]
        fields = ["slug", "name", "company", "kind", "summary"]
        export_order = fields

    def get_queryset(self):
        return Product.objects.select_related("company").order_by("slug")


class QuoteResource(StrictResource):
    paragraph = _fk("paragraph", Paragraph, "anchor")
    speaker = _fk("speaker", Person, "slug")
    company = _fk("company", Company, "slug")

    class Meta(StrictResource.Meta):
        model = Quote
        import_id_fields = ["paragraph", "text"]
        fields = [
            "paragraph",
            "text",
            "speaker",
            "speaker_description",
            "speaker_role",
            "occasion",
            "company",
            "featured",
        ]
        export_order = fields

    def get_queryset(self):
        return Quote.objects.select_related("paragraph", "speaker", "company").order_by(
            "paragraph__anchor", "text"
        )


class FigureResource(StrictResource):
    paragraph = _fk("paragraph", Paragraph, "anchor")
    company = _fk("company", Company, "slug")
    product = _fk("product", Product, "slug")

    class Meta(StrictResource.Meta):
        model = Figure
        import_id_fields = ["paragraph", "label"]
        fields = [
            "paragraph",
            "label",
            "value",
            "unit",
            "as_of",
            "company",
            "product",
            "chart_group",
            "chart_label",
        ]
        export_order = fields

    def get_queryset(self):
        return Figure.objects.select_related("paragraph", "company", "product").order_by(
            "paragraph__anchor", "label"
        )


RESOURCES = {
    "companies": CompanyResource,
    "people": PersonResource,
    "products": ProductResource,
    "quotes": QuoteResource,
    "figures": FigureResource,
}
