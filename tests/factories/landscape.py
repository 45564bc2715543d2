"""Companies, people and what the articles say of them, for tests; each factory returns saved objects."""

import itertools

from articles.models import Paragraph
from landscape.models import Alias, Company, Figure, Mention, Person, Quote

_numbers = itertools.count(1)


def make_company(name_zh: str | None = None, name_en: str | None = None, *, aliases=(), **fields) -> Company:
    """Create a published start-up; one given no name gets made-up names in both scripts."""
    n = next(_numbers)
    if name_en is None:
        name_en = "" if name_zh else f"Test Company {n}"
    defaults = {
        "slug": f"test-company-{n}",
        "layer": Company.Layer.STARTUP,
        "country": "CN",
        "published": True,
    }
    company = Company.objects.create(
        name_zh=name_zh or f"測試公司{n}", name_en=name_en, **{**defaults, **fields}
    )
    for name in aliases:
        make_alias(name, company=company)
    return company


def make_person(name_zh: str | None = None, name_en: str | None = None, *, aliases=(), **fields) -> Person:
    """Create a published person; one given no name gets made-up names in both scripts."""
    n = next(_numbers)
    if name_en is None:
        name_en = "" if name_zh else f"Test Person {n}"
    defaults = {"slug": f"test-person-{n}", "published": True}
    person = Person.objects.create(name_zh=name_zh or f"測試人{n}", name_en=name_en, **{**defaults, **fields})
    for name in aliases:
        make_alias(name, person=person)
    return person


def make_alias(name: str, *, company: Company | None = None, person: Person | None = None) -> Alias:
    return Alias.objects.create(name=name, company=company, person=person)


def make_quote(
    paragraph: Paragraph, text: str | None = None, speaker: Person | None = None, **fields
) -> Quote:
    """Create a quote of the paragraph, its first words unless `text` says; describe an unnamed speaker."""
    if speaker is None:
        fields.setdefault("speaker_description", "不少創業者")
    return Quote.objects.create(
        paragraph=paragraph, text=paragraph.text[:6] if text is None else text, speaker=speaker, **fields
    )


def make_figure(paragraph: Paragraph, **fields) -> Figure:
    n = next(_numbers)
    defaults = {"label": f"數字{n}", "value": n * 1000, "unit": "個"}
    return Figure.objects.create(paragraph=paragraph, **{**defaults, **fields})


def make_mention(paragraph: Paragraph, start: int, end: int, **fields) -> Mention:
    """Create a confirmed mention of the paragraph's text from `start` to `end`."""
    fields.setdefault("status", Mention.Status.CONFIRMED)
    return Mention.objects.create(
        paragraph=paragraph, start=start, end=end, text=paragraph.text[start:end], **fields
    )
