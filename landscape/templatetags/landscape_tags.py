"""Template helpers for landscape data on any page: 萬-numbers, country names and marked mentions."""

from collections.abc import Iterable
from decimal import Decimal

from django import template
from django.utils.safestring import SafeString

from core.rendering import Span, render_paragraph
from landscape.charts import format_zh_number

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


def _usable_spans(text: str, mentions: Iterable) -> list:
    """Keep the mentions that still cover their text, in order, dropping any that overlap."""
    spans, last_end = [], 0
    for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if mention.start >= last_end and mention.matches(text):
            spans.append(mention)
            last_end = mention.end
    return spans


@register.filter
def highlight_mentions(text: str, mentions) -> SafeString:
    """Escape paragraph text and mark the given mentions in it."""
    spans = [Span(mention.start, mention.end, "mark") for mention in _usable_spans(text, mentions or ())]
    return render_paragraph(text, spans)
