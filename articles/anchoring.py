"""Anchor a span of text the way W3C Web Annotation selectors do, and find it again after edits.

A span is kept both as a TextQuoteSelector (the exact quote with up to 32 characters of prefix and
suffix) and as a TextPositionSelector (start and end, counted in Unicode code points, which is how
Python indexes a str). This module is pure: it imports nothing from Django.

Re-anchoring after the text changed tries, in order:

1. the stored position, if the text there still equals the quote;
2. the exact quote elsewhere, preferring the occurrence whose prefix and suffix still match, then the
   one nearest the old position;
3. an approximate match. Candidate spans come from windows that share the quote's characters, from
   aligning the quote with difflib around each window, and from the place between the old prefix and
   suffix. Each candidate is scored on quote similarity (difflib ratio), prefix and suffix similarity
   and distance from the old position. The best candidate is accepted when its quote similarity is at
   least QUOTE_THRESHOLD, or when both its prefix and suffix are at least CONTEXT_THRESHOLD similar
   (the quote itself was rewritten in place, e.g. a mojibake run repaired by an editor);
4. otherwise None: the annotation is orphaned.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

CONTEXT_LENGTH = 32

# A rewritten quote is still "the same span" when at least 60% of it survives (difflib ratio).
QUOTE_THRESHOLD = 0.6
# With less of the quote left, both neighbours must still be there, nearly unchanged.
CONTEXT_THRESHOLD = 0.8
# Context shorter than this says too little to place a rewritten quote on its own.
MIN_CONTEXT_FOR_REWRITE = 4
# How many of the best-matching windows are refined with difflib; more costs time, not accuracy.
MAX_WINDOWS = 6

WEIGHT_QUOTE = 0.6
WEIGHT_PREFIX = 0.15
WEIGHT_SUFFIX = 0.15
WEIGHT_DISTANCE = 0.1


@dataclass(frozen=True, slots=True)
class Selector:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


def make_selector(text: str, start: int, end: int) -> Selector:
    """Return the selector for text[start:end], with up to CONTEXT_LENGTH characters either side."""
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"The span {start}–{end} is outside a text of {len(text)} characters.")
    return Selector(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_LENGTH) : start],
        suffix=text[end : end + CONTEXT_LENGTH],
        start=start,
        end=end,
    )


def reanchor(selector: Selector, new_text: str) -> Selector | None:
    """Find the selector's span in new_text, or return None when it cannot be placed."""
    exact = selector.exact
    if not exact:
        # An empty quote marks the paragraph as a whole: it survives any edit.
        position = min(selector.start, len(new_text))
        return make_selector(new_text, position, position)

    if new_text[selector.start : selector.end] == exact:
        return make_selector(new_text, selector.start, selector.start + len(exact))

    occurrences = _find_all(new_text, exact)
    if occurrences:
        best = max(
            occurrences,
            key=lambda at: (
                context_agreement(selector, new_text, at, at + len(exact)),
                -abs(at - selector.start),
            ),
        )
        return make_selector(new_text, best, best + len(exact))

    return _approximate(selector, new_text)


def _find_all(text: str, needle: str) -> list[int]:
    found = []
    at = text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def context_agreement(selector: Selector, text: str, start: int, end: int) -> int:
    """Count how many characters of the selector's prefix and suffix still touch text[start:end]."""
    before = text[max(0, start - len(selector.prefix)) : start]
    after = text[end : end + len(selector.suffix)]
    agreed = 0
    for old, new in zip(reversed(selector.prefix), reversed(before), strict=False):
        if old != new:
            break
        agreed += 1
    for old, new in zip(selector.suffix, after, strict=False):
        if old != new:
            break
        agreed += 1
    return agreed


def _ratio(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True, slots=True)
class _Scored:
    score: float
    quote: float
    prefix: float
    suffix: float
    start: int
    end: int


def _score(selector: Selector, text: str, start: int, end: int) -> _Scored:
    quote = _ratio(selector.exact, text[start:end])
    prefix = _ratio(selector.prefix, text[max(0, start - len(selector.prefix)) : start])
    suffix = _ratio(selector.suffix, text[end : end + len(selector.suffix)])
    distance = abs(start - selector.start) / max(len(text), len(selector.exact), 1)
    score = (
        WEIGHT_QUOTE * quote
        + WEIGHT_PREFIX * prefix
        + WEIGHT_SUFFIX * suffix
        + WEIGHT_DISTANCE * (1 - min(distance, 1.0))
    )
    return _Scored(score, quote, prefix, suffix, start, end)


def _acceptable(selector: Selector, candidate: _Scored) -> bool:
    if candidate.end <= candidate.start:
        return False
    if candidate.quote >= QUOTE_THRESHOLD:
        return True
    rewritten_in_place = (
        len(selector.prefix) >= MIN_CONTEXT_FOR_REWRITE
        and len(selector.suffix) >= MIN_CONTEXT_FOR_REWRITE
        and candidate.prefix >= CONTEXT_THRESHOLD
        and candidate.suffix >= CONTEXT_THRESHOLD
    )
    return rewritten_in_place


def _approximate(selector: Selector, text: str) -> Selector | None:
    spans = set()
    for window_start in _best_windows(selector.exact, text):
        span = _align(selector.exact, text, window_start)
        if span is not None:
            spans.add(span)
    spans.update(_between_context(selector, text))
    candidates = [_score(selector, text, start, end) for start, end in spans if end > start]
    candidates = [c for c in candidates if _acceptable(selector, c)]
    if not candidates:
        return None
    best = max(candidates, key=lambda c: (c.score, -abs(c.start - selector.start)))
    return make_selector(text, best.start, best.end)


def _best_windows(exact: str, text: str) -> list[int]:
    """Return the starts of the windows of len(exact) sharing the most characters with the quote."""
    size = len(exact)
    if not text:
        return []
    if size >= len(text):
        return [0]
    wanted = Counter(exact)
    have: Counter[str] = Counter()
    shared = 0
    scores = []
    # Slide a window across the text, keeping the multiset overlap with the quote up to date.
    for index, char in enumerate(text):
        if have[char] < wanted[char]:
            shared += 1
        have[char] += 1
        if index >= size:
            gone = text[index - size]
            have[gone] -= 1
            if have[gone] < wanted[gone]:
                shared -= 1
        if index >= size - 1:
            scores.append((shared, index - size + 1))
    floor = size * QUOTE_THRESHOLD / 2
    scores = [item for item in scores if item[0] >= floor]
    scores.sort(key=lambda item: -item[0])
    chosen: list[int] = []
    for _, start in scores:
        if all(abs(start - other) > size // 2 for other in chosen):
            chosen.append(start)
            if len(chosen) == MAX_WINDOWS:
                break
    return chosen


def _align(exact: str, text: str, window_start: int) -> tuple[int, int] | None:
    """Align the quote with the text around a window and return the span it covers there."""
    size = len(exact)
    pad = max(4, size // 2)
    offset = max(0, window_start - pad)
    region = text[offset : window_start + size + pad]
    blocks = [
        block
        for block in SequenceMatcher(None, region, exact, autojunk=False).get_matching_blocks()
        if block.size
    ]
    if not blocks:
        return None
    first, last = blocks[0], blocks[-1]
    # Unmatched characters at either end of the quote were probably replaced one for one.
    start = offset + max(0, first.a - first.b)
    tail = size - (last.b + last.size)
    end = offset + min(len(region), last.a + last.size + tail)
    return (start, end) if end > start else None


def _between_context(selector: Selector, text: str) -> list[tuple[int, int]]:
    """Return the spans lying between an occurrence of the old prefix and the next old suffix."""
    if len(selector.prefix) < MIN_CONTEXT_FOR_REWRITE or len(selector.suffix) < MIN_CONTEXT_FOR_REWRITE:
        return []
    longest = 2 * len(selector.exact) + CONTEXT_LENGTH
    spans = []
    for at in _find_all(text, selector.prefix):
        start = at + len(selector.prefix)
        end = text.find(selector.suffix, start)
        if end != -1 and end - start <= longest:
            spans.append((start, end))
    return spans
