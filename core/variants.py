"""Convert Chinese text between Simplified and Traditional script with OpenCC.

The one conversion service of the project: the API and the website both call it, so a reader sees the
same characters whichever door they come through. Pure Python: it imports nothing from Django.

Offsets. OpenCC's standard `s2t` and `t2s` dictionaries map every phrase to a phrase of the same number
of characters, so converting a paragraph keeps every annotation and mention offset valid; the tests check
this on the dictionaries shipped with the package. Should a future dictionary break that rule,
`convert_spans` notices the length change and converts piece by piece between the span boundaries, so the
offsets it returns always point at the same words in the converted text.
"""

import re
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import pairwise

from opencc import OpenCC

HANS = "zh-hans"
HANT = "zh-hant"

# The standard dictionaries, not the regional ones (s2tw, s2hk, tw2sp…): those swap vocabulary
# (軟件 → 軟體) as well as script, which is more than a script toggle should do.
_CONFIGS = {HANS: "t2s", HANT: "s2t"}
VARIANTS = tuple(_CONFIGS)

# Lone surrogates cannot be encoded for the C library; they are passed through untouched.
_SURROGATES = re.compile(r"[\ud800-\udfff]+")


@cache
def _converter(config: str) -> OpenCC:
    return OpenCC(config)


def _check(variant: str) -> str:
    try:
        return _CONFIGS[variant]
    except KeyError:
        expected = ", ".join(VARIANTS)
        raise ValueError(f"Unknown script variant {variant!r}; expected one of {expected}") from None


def convert(text: str, variant: str | None) -> str:
    """Return `text` in the script `variant` names; no variant returns it unchanged."""
    if not variant or not text:
        return text
    converter = _converter(_check(variant))
    if not _SURROGATES.search(text):
        return converter.convert(text)
    pieces = _SURROGATES.split(text)
    runs = _SURROGATES.findall(text)
    out = [converter.convert(pieces[0])]
    for run, piece in zip(runs, pieces[1:], strict=True):
        out.extend((run, converter.convert(piece)))
    return "".join(out)


def convert_spans(
    text: str, spans: Iterable[tuple[int, int]], variant: str | None
) -> tuple[str, list[tuple[int, int]]]:
    """Convert `text` and return it with `spans` (start, end offsets) mapped onto the converted text."""
    spans = [(start, end) for start, end in spans]
    converted = convert(text, variant)
    if len(converted) == len(text):
        return converted, spans
    return _convert_between(text, spans, variant)


def _convert_between(
    text: str, spans: Sequence[tuple[int, int]], variant: str | None
) -> tuple[str, list[tuple[int, int]]]:
    # Cutting at every boundary keeps a phrase from straddling one, at the cost of a rare phrase match.
    def clamp(offset: int) -> int:
        return min(max(offset, 0), len(text))

    cuts = sorted({0, len(text), *(clamp(offset) for span in spans for offset in span)})
    moved = {0: 0}
    pieces = []
    for left, right in pairwise(cuts):
        pieces.append(convert(text[left:right], variant))
        moved[right] = moved[left] + len(pieces[-1])
    return "".join(pieces), [(moved[clamp(start)], moved[clamp(end)]) for start, end in spans]
