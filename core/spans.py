"""Render text as HTML with marked-up spans: the one span renderer every surface uses.

Pure Python: nothing here touches Django, so search snippets can use it as well as the pages. Spans are
offsets into the text. They may nest or cross; a crossing span is closed and reopened around the other
so that the HTML stays well formed, and every piece of a span carries the same attributes. Text is
escaped; an attribute value that is already HTML (it has `__html__`, like Django's safe strings) is kept.
"""

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise


def _escape_attribute(value) -> str:
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    tag: str
    attrs: tuple[tuple[str, str], ...] = field(default=())

    def open_tag(self) -> str:
        attrs = "".join(
            f' {_escape_attribute(name)}="{_escape_attribute(value)}"' for name, value in self.attrs
        )
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


def _render_text(shown: str, readings: Sequence[str] | None) -> str:
    if readings is None:
        return html.escape(shown)
    parts = []
    for char, reading in zip(shown, readings, strict=True):
        if reading:
            parts.append(f"<ruby>{html.escape(char)}<rt>{html.escape(reading)}</rt></ruby>")
        else:
            parts.append(html.escape(char))
    return "".join(parts)


def render_spans(
    text: str,
    spans: Sequence[Span] = (),
    *,
    markers: Sequence[tuple[int, str]] = (),
    convert: Callable[[str], str] | None = None,
    readings: Sequence[str] | None = None,
) -> str:
    """Return `text` as HTML with its spans, converted by `convert`, with ruby where `readings` say.

    `markers` are (offset, HTML) pairs inserted at an offset, after the spans that end there.
    `readings` hold one reading per character of `text` ('' for none), shown over it as ruby.
    """
    spans = [span for span in spans if 0 <= span.start < span.end <= len(text)]
    inserts: dict[int, list[str]] = {}
    for offset, html_marker in markers:
        inserts.setdefault(min(max(offset, 0), len(text)), []).append(html_marker)
    shown = convert(text) if convert else text
    if len(shown) != len(text):
        # A phrase conversion changed the length: convert piece by piece so offsets still hold.
        shown = None

    out: list[str] = []
    stack: list[Span] = []
    for start, end in pairwise(_boundaries(len(text), spans, inserts)):
        wanted = sorted((s for s in spans if s.start <= start and s.end >= end), key=_nesting_order)
        keep = 0
        while keep < len(stack) and keep < len(wanted) and stack[keep] == wanted[keep]:
            keep += 1
        for span in reversed(stack[keep:]):
            out.append(span.close_tag())
        out.extend(inserts.get(start, ()))
        for span in wanted[keep:]:
            out.append(span.open_tag())
        stack = wanted
        piece = shown[start:end] if shown is not None else convert(text[start:end])
        piece_readings = readings[start:end] if readings and len(piece) == end - start else None
        out.append(_render_text(piece, piece_readings))
    for span in reversed(stack):
        out.append(span.close_tag())
    if text:
        out.extend(inserts.get(len(text), ()))
    return "".join(out)
