"""Find names in text: leftmost, longest, non-overlapping, with token boundaries for Latin names.

A pure module: it knows nothing of Django, so it can be tested on plain strings.
"""

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

_LATIN_WORD_CHAR = "A-Za-z0-9"


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    text: str
    key: Hashable


def _pattern_for(term: str) -> str:
    # Chinese has no spaces, so a Chinese name matches anywhere; a Latin edge must not touch a Latin
    # letter or digit, so "AI" is not found in "AI1.0" nor "Pi" in "Pinyin", and "360" not in "3600".
    body = re.escape(term)
    if re.match(f"[{_LATIN_WORD_CHAR}]", term):
        body = f"(?<![{_LATIN_WORD_CHAR}])" + body
    if re.search(f"[{_LATIN_WORD_CHAR}]$", term):
        body += f"(?![{_LATIN_WORD_CHAR}])"
    return body


class NameMatcher:
    """Match a fixed set of names, each leading to a key (an entity), in any number of texts."""

    def __init__(self, names: Mapping[str, Hashable]):
        self._keys = {name: key for name, key in names.items() if name}
        # Longest first: Python's alternation takes the first alternative that matches at a position,
        # so ordering by length makes 字節跳動 win over 字節 where both start.
        ordered = sorted(self._keys, key=lambda name: (-len(name), name))
        self._regex = re.compile("|".join(_pattern_for(name) for name in ordered)) if ordered else None

    def find(self, text: str, *, avoid: Iterable[tuple[int, int]] = ()) -> list[Match]:
        """Return the matches in `text`, skipping any that overlap a span in `avoid`."""
        if self._regex is None:
            return []
        taken = sorted(avoid)
        found = []
        for m in self._regex.finditer(text):
            start, end = m.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            found.append(Match(start, end, m.group(), self._keys[m.group()]))
        return found


def unambiguous_names(pairs: Iterable[tuple[str, Hashable]]) -> tuple[dict[str, Hashable], set[str]]:
    """Map each name to its key, leaving out names that lead to more than one key."""
    keys: dict[str, set[Hashable]] = {}
    for name, key in pairs:
        name = name.strip()
        if name:
            keys.setdefault(name, set()).add(key)
    names = {name: next(iter(ks)) for name, ks in keys.items() if len(ks) == 1}
    return names, {name for name, ks in keys.items() if len(ks) > 1}
