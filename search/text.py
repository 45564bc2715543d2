"""Turn text into search tokens and queries into search terms, and mark the matches in a snippet.

Pure Python: nothing here touches Django, so the tokeniser can be tested and fuzzed on plain strings.
Snippets are marked by the shared span renderer, `core.spans`.

Normalising maps every character on its own: compatibility forms to plain ones (full-width ＡＩ → AI),
Traditional to Simplified script (OpenCC t2s through the shared `core.variants.convert`), upper to
lower case. A character whose mapping would not be exactly one character is kept as it is, so the
normalised text is as long as the original: an offset in one is an offset in the other, and snippets are
cut and marked in the script the text was written in. Mapping characters one by one, instead of
converting whole phrases, makes a query agree with every piece of text it was copied from, whatever
stands around that piece.

Tokens: a run of CJK characters gives each character (unigrams) and each pair of neighbours (bigrams); a
run of other letters and digits gives one word. A one-character CJK query term looks for its unigram, a
longer one for all its bigrams, and a word for the words that start with it.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from unicodedata import normalize

from core.spans import Span, render_spans
from core.variants import HANS, convert

# Beyond these a query is cut: nobody searches a paragraph, and every token is one more index lookup.
MAX_QUERY_LENGTH = 100
MAX_QUERY_TOKENS = 32
# Longer words (hashes, pasted URLs) are cut at the same length in documents and queries alike.
MAX_WORD_LENGTH = 64

_CJK_CHARS = (
    "\u3005\u3007"  # 々 〇
    "\u3040-\u30ff"  # kana
    "\u3400-\u4dbf\u4e00-\u9fff"  # CJK unified ideographs and extension A
    "\uac00-\ud7af"  # hangul syllables
    "\uf900-\ufaff"  # compatibility ideographs
    "\U00020000-\U0003134f"  # extensions B to G
)
# Control characters and lone surrogates cannot reach the database as query parameters.
_UNSENDABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_RUNS = re.compile(rf"(?P<cjk>[{_CJK_CHARS}]+)|(?P<word>(?:(?![{_CJK_CHARS}])[^\W_])+)")


@lru_cache(maxsize=65536)
def _fold(char: str) -> str:
    if char.isascii():
        return char.lower()
    folded = normalize("NFKC", char)
    if len(folded) != 1:
        folded = char
    simplified = convert(folded, HANS)
    if len(simplified) == 1:
        folded = simplified
    lowered = folded.lower()
    return lowered if len(lowered) == 1 else folded


def normalise(text: str) -> str:
    """Return `text` folded to one script and case, character by character, at the same length."""
    return "".join(map(_fold, text))


def _runs(normalised: str):
    """Yield (is_cjk, start, end) for each run of CJK characters or of other letters and digits."""
    for match in _RUNS.finditer(normalised):
        yield match.lastgroup == "cjk", match.start(), match.end()


def document_tokens(text: str) -> str:
    """Return the space-separated, de-duplicated tokens that index `text`."""
    normalised = normalise(text)
    tokens: dict[str, None] = {}
    for is_cjk, start, end in _runs(normalised):
        run = normalised[start:end]
        if is_cjk:
            tokens.update(dict.fromkeys(run))
            tokens.update(dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1)))
        else:
            tokens[run[:MAX_WORD_LENGTH]] = None
    return " ".join(tokens)


@dataclass(frozen=True, slots=True)
class Term:
    """One run of a query: CJK characters, or a word matched as a prefix."""

    text: str
    is_cjk: bool

    def tokens(self) -> tuple[tuple[str, bool], ...]:
        """Return the (token, is_prefix) pairs a document must hold to match this term."""
        if not self.is_cjk:
            return ((self.text[:MAX_WORD_LENGTH], True),)
        if len(self.text) == 1:
            return ((self.text, False),)
        return tuple((self.text[i : i + 2], False) for i in range(len(self.text) - 1))


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query as the index sees it: normalised terms, the whole phrase, and whether it was cut."""

    raw: str
    phrase: str
    terms: tuple[Term, ...]
    tokens: tuple[tuple[str, bool], ...]
    truncated: bool

    def __bool__(self) -> bool:
        return bool(self.tokens)

    def fts5(self) -> str:
        """Return an SQLite FTS5 MATCH expression: every token quoted, so no query text is syntax."""

        def quote(token: str) -> str:
            return '"' + token.replace('"', '""') + '"'

        return " AND ".join(quote(token) + ("*" if prefix else "") for token, prefix in self.tokens)

    def tsquery(self) -> str:
        """Return PostgreSQL tsquery text: every lexeme quoted, so no query text is an operator."""

        def quote(token: str) -> str:
            return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"

        return " & ".join(quote(token) + (":*" if prefix else "") for token, prefix in self.tokens)


def parse_query(raw: str) -> ParsedQuery:
    """Split a reader's query into terms and the tokens each one needs."""
    raw = _UNSENDABLE.sub(" ", raw).strip()
    truncated = len(raw) > MAX_QUERY_LENGTH
    raw = raw[:MAX_QUERY_LENGTH]
    normalised = normalise(raw)
    terms = tuple(
        dict.fromkeys(Term(normalised[start:end], is_cjk) for is_cjk, start, end in _runs(normalised))
    )
    tokens = tuple(dict.fromkeys(pair for term in terms for pair in term.tokens()))
    if len(tokens) > MAX_QUERY_TOKENS:
        tokens, truncated = tokens[:MAX_QUERY_TOKENS], True
    return ParsedQuery(
        raw=raw,
        phrase=" ".join(normalised.split()),
        terms=terms,
        tokens=tokens,
        truncated=truncated,
    )


def _occurrences(haystack: str, needle: str):
    start = haystack.find(needle)
    while start != -1:
        yield start, start + len(needle)
        start = haystack.find(needle, start + len(needle))


def match_spans(text: str, query: ParsedQuery) -> list[tuple[int, int]]:
    """Return the sorted, merged (start, end) spans of `text` that the query's terms match."""
    normalised = normalise(text)
    words = [(start, end) for is_cjk, start, end in _runs(normalised) if not is_cjk]
    spans = []
    for term in query.terms:
        if term.is_cjk:
            found = list(_occurrences(normalised, term.text))
            if not found:
                # The bigrams matched apart from each other: mark each of them where it stands.
                for bigram, _ in term.tokens():
                    found += _occurrences(normalised, bigram)
            spans += found
        else:
            prefix = term.text[:MAX_WORD_LENGTH]
            spans += [(start, end) for start, end in words if normalised.startswith(prefix, start)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True, slots=True)
class Snippet:
    html: str
    text: str


def snippet(text: str, query: ParsedQuery, *, width: int = 120) -> Snippet:
    """Cut a window of `text` around its first match; the HTML is escaped, with <mark> on each match."""
    spans = match_spans(text, query)
    begin, end = 0, len(text)
    if len(text) > width:
        first = spans[0][0] if spans else 0
        begin = max(0, first - width // 4)
        end = min(len(text), begin + width)
        begin = max(0, end - width)
    before = "…" if begin > 0 else ""
    after = "…" if end < len(text) else ""
    # Matches cut by the window are marked as far as they show; the renderer drops those outside it.
    marks = [Span(max(start, begin) - begin, min(stop, end) - begin, "mark") for start, stop in spans]
    marked = render_spans(text[begin:end], marks)
    return Snippet(html=before + marked + after, text=before + text[begin:end] + after)
