"""Factory functions for landscape test data; each returns saved objects."""

import itertools

from articles.models import Paragraph
from landscape.models import Alias, Company, Figure, Mention, Person, Quote

_counter = itertools.count(1)


def make_company(*, aliases=(), **fields) -> Company:
    n = next(_counter)
    defaults = {
        "name_zh": f"測試公司{n}",
        "name_en": f"Test Company {n}",
        "slug": f"test-company-{n}",
        "layer": Company.Layer.STARTUP,
        "country": "CN",
        "published": True,
    }
    company = Company.objects.create(**{**defaults, **fields})
    for name in aliases:
        Alias.objects.create(name=name, company=company)
    return company


def make_person(*, aliases=(), **fields) -> Person:
    n = next(_counter)
    defaults = {
        "name_zh": f"測試人{n}",
        "name_en": f"Test Person {n}",
        "slug": f"test-person-{n}",
        "published": True,
    }
    person = Person.objects.create(**{**defaults, **fields})
    for name in aliases:
        Alias.objects.create(name=name, person=person)
    return person


def first_paragraph(article) -> Paragraph:
    return (
        Paragraph.objects.filter(section__article=article).order_by("section__position", "position").first()
    )


def set_text(paragraph: Paragraph, text: str) -> Paragraph:
    paragraph.text = text
    paragraph.save(update_fields=["text"])
    return paragraph


def make_quote(*, paragraph: Paragraph, speaker=None, **fields) -> Quote:
    text = fields.pop("text", paragraph.text[:6])
    if speaker is None and "speaker_description" not in fields:
        fields["speaker_description"] = "不少創業者"
    return Quote.objects.create(paragraph=paragraph, text=text, speaker=speaker, **fields)


def make_figure(*, paragraph: Paragraph, **fields) -> Figure:
    n = next(_counter)
    defaults = {"label": f"數字{n}", "value": n * 1000, "unit": "個"}
    return Figure.objects.create(paragraph=paragraph, **{**defaults, **fields})


def make_mention(*, paragraph: Paragraph, start: int, end: int, **fields) -> Mention:
    fields.setdefault("status", Mention.Status.CONFIRMED)
    return Mention.objects.create(
        paragraph=paragraph, start=start, end=end, text=paragraph.text[start:end], **fields
    )
