"""Factory functions for landscape and annotation test data; each returns saved objects."""

import itertools
from decimal import Decimal

from articles.models import Annotation, Article, Paragraph
from landscape.models import Alias, Company, Figure, Mention, Person, Quote

_counter = itertools.count(1)


def make_company(*, published: bool = True, layer: str = Company.Layer.STARTUP, **fields) -> Company:
    n = next(_counter)
    fields.setdefault("name_zh", f"測試公司{n}")
    fields.setdefault("name_en", f"Test Company {n}")
    fields.setdefault("slug", f"test-company-{n}")
    fields.setdefault("country", "CN")
    return Company.objects.create(published=published, layer=layer, **fields)


def make_person(*, published: bool = True, **fields) -> Person:
    n = next(_counter)
    fields.setdefault("name_zh", f"測試人物{n}")
    fields.setdefault("name_en", f"Test Person {n}")
    fields.setdefault("slug", f"test-person-{n}")
    return Person.objects.create(published=published, **fields)


def make_alias(name: str, *, company: Company | None = None, person: Person | None = None) -> Alias:
    return Alias.objects.create(name=name, company=company, person=person)


def make_quote(paragraph: Paragraph, *, speaker: Person | None = None, **fields) -> Quote:
    n = next(_counter)
    fields.setdefault("text", f"測試引語{n}")
    if speaker is None:
        fields.setdefault("speaker_description", "一位業內人士")
    return Quote.objects.create(paragraph=paragraph, speaker=speaker, **fields)


def make_figure(paragraph: Paragraph, **fields) -> Figure:
    n = next(_counter)
    fields.setdefault("label", f"測試數字{n}")
    fields.setdefault("value", Decimal(n))
    fields.setdefault("unit", "個")
    return Figure.objects.create(paragraph=paragraph, **fields)


def make_mention(paragraph: Paragraph, start: int, end: int, **entity) -> Mention:
    return Mention.objects.create(
        paragraph=paragraph,
        start=start,
        end=end,
        text=paragraph.text[start:end],
        status=Mention.Status.CONFIRMED,
        **entity,
    )


def make_annotation(
    paragraph: Paragraph, start: int, end: int, *, visibility: str = Annotation.Visibility.PUBLIC, **fields
) -> Annotation:
    text = paragraph.text
    fields.setdefault("body", f"測試註釋{next(_counter)}")
    return Annotation.objects.create(
        article=paragraph.section.article,
        paragraph=paragraph,
        visibility=visibility,
        exact=text[start:end],
        prefix=text[max(0, start - 32) : start],
        suffix=text[end : end + 32],
        start=start,
        end=end,
        **fields,
    )


def first_paragraph(article: Article) -> Paragraph:
    return (
        Paragraph.objects.filter(section__article=article).order_by("section__position", "position").first()
    )
