"""Render a paragraph's text with marked-up spans, in either script, optionally with pinyin over it.

Annotations and mentions are spans of the stored (source-script) text. Spans may nest or cross; a
crossing span is closed and reopened around the other so that the HTML stays well formed, and every
piece of a span carries the same attributes.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    tag: str
    attrs: tuple[tuple[str, str], ...] = field(default=())

    def open_tag(self) -> str:
        attrs = format_html_join("", ' {}="{}"', self.attrs)
        return f"<{self.tag}{attrs}>"

    def close_tag(self) -> str:
        return f"</{self.tag}>"


def _boundaries(length: int, spans: Sequence[Span], offsets=()) -> list[int]:
    points = {0, length, *offsets}
    for span in spans:
        points.update((span.start, span.end))
    return sorted(point for point in points if 0 <= point <= length)


def _nesting_order(span: Span) -> tuple[int, int]:
    # Outer spans (earlier start, later end) open first, so that nested spans stay nested.
    return (span.start, -span.end)


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


def _render_text(shown: str, readings: Sequence[str] | None) -> str:
    if readings is None:
        return escape(shown)
    parts = []
    for char, reading in zip(shown, readings, strict=True):
        if reading:
            parts.append(f"<ruby>{escape(char)}<rt>{escape(reading)}</rt></ruby>")
        else:
            parts.append(escape(char))
    return "".join(parts)


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
    spans = [span for span in spans if 0 <= span.start < span.end <= len(text)]
    inserts: dict[int, list[str]] = {}
    for offset, html_marker in markers:
        inserts.setdefault(min(max(offset, 0), len(text)), []).append(html_marker)
    shown = convert(text) if convert else text
    if len(shown) != len(text):
        # A phrase conversion changed the length: convert piece by piece so offsets still hold.
        shown = None
    readings = _readings(text) if pinyin else None

    html: list[str] = []
    stack: list[Span] = []
    points = _boundaries(len(text), spans, inserts)
    for start, end in pairwise(points):
        wanted = sorted((s for s in spans if s.start <= start and s.end >= end), key=_nesting_order)
        keep = 0
        while keep < len(stack) and keep < len(wanted) and stack[keep] == wanted[keep]:
            keep += 1
        for span in reversed(stack[keep:]):
            html.append(span.close_tag())
        html.extend(inserts.get(start, ()))
        for span in wanted[keep:]:
            html.append(span.open_tag())
        stack = wanted
        piece = shown[start:end] if shown is not None else convert(text[start:end])
        piece_readings = readings[start:end] if readings and len(piece) == end - start else None
        html.append(_render_text(piece, piece_readings))
    for span in reversed(stack):
        html.append(span.close_tag())
    if text:
        html.extend(inserts.get(len(text), ()))
    return mark_safe("".join(html))
