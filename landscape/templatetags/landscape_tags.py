"""Template helpers for landscape data on any page: charts, 萬-numbers and linked mentions."""

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from landscape.charts import format_zh_number, render_bar_chart
from landscape.models import public_or_none
from landscape.selectors import charts_for_paragraphs

register = template.Library()


@register.filter
def zh_number(value) -> str:
    """Write a number with 萬/億 (470000 → 47萬); anything that is not a number is left as it is."""
    try:
        return format_zh_number(value)
    except (ArithmeticError, TypeError, ValueError):
        return value


# Country codes as the reader says them; an unlisted code is shown as it is.
COUNTRY_NAMES = {
    "CN": "中國",
    "HK": "中國香港",
    "TW": "台灣",
    "US": "美國",
    "JP": "日本",
    "KR": "韓國",
    "SG": "新加坡",
    "GB": "英國",
    "FR": "法國",
    "DE": "德國",
    "CA": "加拿大",
    "IL": "以色列",
}


@register.filter
def country_name(code: str) -> str:
    """Name an ISO 3166-1 alpha-2 country code in Chinese: CN → 中國."""
    return COUNTRY_NAMES.get((code or "").upper(), code)


@register.filter
def plain_number(value) -> str:
    """Write a decimal without exponent or trailing zeros: 470000.0000 → 470000."""
    try:
        return f"{Decimal(str(value)).normalize():f}"
    except (ArithmeticError, ValueError):
        return value


@register.simple_tag
def bar_chart(figures, title: str = "") -> SafeString:
    """Render figures as an inline SVG horizontal bar chart."""
    return render_bar_chart(list(figures), title=title)


def _usable_spans(text: str, mentions: Iterable) -> list:
    """Keep the mentions that still cover their text, in order, dropping any that overlap."""
    spans, last_end = [], 0
    for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if mention.start >= last_end and mention.matches(text):
            spans.append(mention)
            last_end = mention.end
    return spans


def _wrap_spans(text: str, mentions: Iterable, wrap) -> SafeString:
    pieces, cursor = [], 0
    for mention in _usable_spans(text, mentions):
        pieces.append(escape(text[cursor : mention.start]))
        pieces.append(wrap(mention))
        cursor = mention.end
    pieces.append(escape(text[cursor:]))
    return mark_safe("".join(pieces))  # every piece of text was escaped above or by format_html


@register.filter
def link_mentions(text: str, mentions) -> SafeString:
    """Escape paragraph text and link each mention of a published entity to that entity's page."""

    def wrap(mention):
        entity = public_or_none(mention.entity)
        if entity is None:
            return escape(mention.text)
        kind = entity._meta.model_name
        return format_html(
            '<a class="mention mention-{}" href="{}">{}</a>', kind, entity.get_absolute_url(), mention.text
        )

    return _wrap_spans(text, mentions or (), wrap)


@register.filter
def highlight_mentions(text: str, mentions) -> SafeString:
    """Escape paragraph text and mark the given mentions in it."""
    return _wrap_spans(text, mentions or (), lambda mention: format_html("<mark>{}</mark>", mention.text))


@register.simple_tag
def paragraph_text(paragraph, mentions_by_paragraph: Mapping | None = None) -> SafeString:
    """Render a paragraph's text with its public mentions linked, from mentions_by_paragraph()'s map."""
    mentions = (mentions_by_paragraph or {}).get(paragraph.pk, ())
    return link_mentions(paragraph.text, mentions)


@register.simple_tag
def paragraph_chart(paragraph, charts: Mapping | None = None) -> SafeString:
    """Render the chart that belongs after this paragraph, from charts_for_paragraphs()'s map."""
    return (charts or {}).get(paragraph.anchor, "")


@register.simple_tag
def article_charts(article) -> dict:
    """Return charts_for_paragraphs() for an article whose sections and paragraphs are prefetched."""
    return charts_for_paragraphs(p for section in article.sections.all() for p in section.paragraphs.all())
