"""Render a paragraph's text with marked-up spans, in either script, optionally with pinyin over it.

The pages' face of `core.spans`, the one span renderer: it adds pinyin readings and marks the result
safe for templates. Annotations and mentions are spans of the stored (source-script) text.
"""

from collections.abc import Callable, Sequence
from functools import lru_cache

from django.utils.safestring import SafeString, mark_safe

from core.spans import Span, render_spans


@lru_cache(maxsize=4096)
def _readings(text: str) -> tuple[str, ...]:
    """Return one tone-marked reading per character ('' where there is none), chosen by phrase."""
    from pypinyin import Style, pinyin

    from core.variants import convert

    # pypinyin's phrase dictionary is in Simplified script; one-to-one conversion keeps positions.
    simplified = convert(text, "zh-hans")
    if len(simplified) != len(text):
        simplified = text
    readings = pinyin(simplified, style=Style.TONE, errors=lambda chunk: [""] * len(chunk))
    flat = tuple(reading[0] if reading else "" for reading in readings)
    return flat if len(flat) == len(text) else ("",) * len(text)


def render_paragraph(
    text: str,
    spans: Sequence[Span] = (),
    *,
    markers: Sequence[tuple[int, str]] = (),
    convert: Callable[[str], str] | None = None,
    pinyin: bool = False,
) -> SafeString:
    """Return the paragraph as safe HTML with its spans, converted by `convert`, with pinyin if asked.

    `markers` are (offset, safe HTML) pairs inserted at an offset, after the spans that end there.
    """
    readings = _readings(text) if pinyin else None
    return mark_safe(render_spans(text, spans, markers=markers, convert=convert, readings=readings))
