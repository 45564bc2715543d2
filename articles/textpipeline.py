"""Turn a scraped, damaged article into clean, structured text.

This module imports nothing from Django: it takes a string and returns frozen data, so it can be tested
and fuzzed alone. ``parse_article`` is the entry point; ``clean_text`` is the line cleaner on its own, for
text an editor types; ``decode_raw_article`` validates uploaded bytes.

What the reprint sites did to the text, and how each damage is undone by rule:

* **Inline pinyin readings.** A tone-marked syllable in ASCII parentheses glued to a Han character
  (``業(yè)``), or inside a Latin word (``A(yù)I``), is removed. A syllable must carry a tone mark: bare
  ``(a)`` or ``(de)`` may be a real enumeration or abbreviation, and the sites only printed toned readings.
  Real parentheses stay (their own readings removed).
* **Flattened punctuation.** Full-width marks became ASCII and were often stacked behind a stray comma.
  A run of marks (``,,`` ``,`` ``,。`` ``,;`` ``,?`` ``,、``) next to Chinese text becomes one full-width
  mark: commas are dropped when another mark follows, otherwise the run is one ``，``. A stack between
  Chinese and Latin text loses the spaces around it (``分離 ,,IDM`` is ``分離，IDM``). Marks between
  Latin letters, digits and inside URLs stay ASCII (``1.5%``, ``GPT-3.5``, ``http://``, ``10:30``,
  ``NT$29,900``), and so does the mark closing a quoted Latin sentence (``“Are you ready?”``). ASCII
  parentheses around Chinese text become ``（）``.
* **HTML remnants.** Paragraph tags are stripped, including ``/p>`` whose ``<`` was eaten (see below).
* **Mojibake.** Some runs were encoded as GBK (code page 936) and decoded one byte late: the first byte
  of the run is lost and shown as ``?``, every following pair of bytes is read across two characters,
  pairs that land in the user-defined area decode to private-use characters that were then dropped (two
  bytes lost each), the shifted ``！`` (``A3 A1``) was flattened to ``!``, and the run stops where a single
  byte realigns the decoder: an ASCII trail byte (``說`` is ``D5 66``, so ``f`` survives), ``€`` (``80``),
  or a lone byte shown as ``?``. ``從“一百模”升級至了“二百模”。`` thus became
  ``從“一百?!鄙壷亮恕岸倌!?。``. Each run is detected, its bytes are rebuilt with the lost ones as
  unknowns, and the most probable reading is searched with a character bigram model built from the
  article itself and a word model of Chinese (jieba's dictionary frequencies), with a few rules (script,
  numerals, typesetting); each character whose byte was lost is then chosen by how the run reads as
  words in its context, quotation marks balanced. Every run yields a warning of kind ``mojibake`` whose
  proposal is that best reading; a run that shows a dropped pair is proposed only when every guessed
  character is backed by evidence, and has ``None`` otherwise (the best guess is kept in ``guess``).

  Runs the rules above do not catch are found by reading them one byte earlier: a ``?`` glued to text
  opens a candidate, and it is a run when its earlier reading scores far better under a character and
  word model of Chinese (``articles.mojibake``), when one or two characters sit between two glued
  ``?`` and form no word, or when the repaired run splits into far likelier words with its context than
  the stretch as it stands (``谧食中`` for ``资持续``). A run whose last character's trail byte is an
  ASCII letter swallowed the first letter of the Latin word after it; the proposal gives it back. Each
  warning carries ``partial`` (what the bytes prove, ``□`` for each character they cannot) and
  ``alternatives`` (other readings, best first).

  Policy: a mojibake repair is **proposed, never applied**: the damaged run stays verbatim in the text
  (and is shielded from the other cleaners, so its ``?`` never becomes ``？``) so that the editor sees
  what came in and the warning's annotation anchors to it. Two exceptions are applied, each with a
  warning that records the original: the fixed tail ``?!?/p>`` (``。”</p>`` or ``。」</p>`` read one
  byte late, the ``<`` swallowed by the lone byte), closed with the quotation mark that balances the one
  the paragraph opened (in the middle of a line it also ends the paragraph the scrape joined to the
  next); and UTF-8 text read as GBK (``妯″瀷`` for ``模型``), whose bytes all survive. No text is ever
  dropped silently.
* **Script.** Simplified characters left in a Traditional article by a careless converter (``依賴于``,
  ``而后``) are reported in ``script_warnings`` with OpenCC's Traditional form, never converted: some are
  right (云 in 云知聲). Characters Traditional also writes (里, 台) count only inside a word.
* **Structure.** Credit lines on top (``原文來源:``, ``圖片來源:``) become metadata; short standalone lines
  that do not end a sentence become section headings; a whole-line ``(圖源:…)`` is a caption; the footer
  holds the disclaimer (with the publisher's name and the reprint URL) and the notice. A short line that
  asks or exclaims (``?`` ``！``) before body text is a heading too.

Cleaning is idempotent: parsing the rendered result of a parse changes nothing.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import pairwise

import opencc

from .mojibake import PUNCTUATION_SHARE, chinese_model, earlier_reading, shift_evidence, utf8_read_as_gbk

# --- Character classes ----------------------------------------------------------------------------------

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{_HAN}]")
# Chinese punctuation and quotes that make their neighbours "Chinese context".
_CJK_PUNCT = "，。、；：？！“”‘’《》〈〉「」『』（）【】—…·"
_CJK_CONTEXT_RE = re.compile(f"[{_HAN}{_CJK_PUNCT}\u3000-\u303f\uff00-\uffef]")

_TONED_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_LETTERS = f"a-zü{_TONED_VOWELS}"
_UNTONE = str.maketrans(
    _TONED_VOWELS, "aaaaeeeeiiiioooouuuuüüüünnnm"
)  # each toned letter maps to its bare form
_SYLLABLE_RE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|üan|ai|ei|ao|ou|an|en|er|ia|ie|iu|in|ua|uo|ui|"
    r"un|üe|ue|ün|ve|a|o|e|i|u|ü|v|ng|n|m)"
)
_READING_RE = re.compile(
    rf"(?:(?<=[{_HAN}])|(?<=[A-Za-z])(?=\([{_PINYIN_LETTERS}]+\)[A-Za-z]))\(([{_PINYIN_LETTERS}]{{1,6}})\)"
)

_HTML_TAG_RE = re.compile(
    r"</?(?:p|br|div|span|strong|em|b|i|u|a|img|section|article|figure|figcaption|blockquote|h[1-6])"
    r"(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_EATEN_TAG_RE = re.compile(r"(?<=\?)/p>\s*$")  # the lone byte of a mojibake tail swallowed the '<'
_MOJIBAKE_TAIL_RE = re.compile(r"\?!\?(?=(?:</p>|/p>)\s*$)")
_MIDLINE_TAIL_RE = re.compile(r"(?<=\?!\?/p>)(?=\s*\S)")

_MARKS = ",;:?!，。、；：？！"
_MARK_STACK_RE = re.compile(f"[{re.escape(_MARKS)}]+")
_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_PAREN_RE = re.compile(r"\(([^()]*)\)")
_CJK_CHARS = f"{_HAN}{_CJK_PUNCT}"
_SPACED_STACK_RE = re.compile(
    rf"(?<=[{_CJK_CHARS}]) ?([,;:?!]+) ?(?=[A-Za-z0-9])|(?<=[A-Za-z0-9]) ?([,;:?!]+) ?(?=[{_CJK_CHARS}])"
)

_HEADING_MAX_CHARS = 40
_SENTENCE_ENDS = "。；…：，,.;:"
_OPENING_QUOTES = '“「『‘"”'


# --- Result types ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestWarning:
    """A problem an editor must look at, anchored to a span of a cleaned paragraph."""

    kind: str
    section: int
    paragraph: int
    excerpt: str
    proposal: str | None
    start: int
    end: int
    message: str = ""
    original: str | None = None
    applied: bool = False
    guess: str | None = None
    # What the surviving bytes prove, □ for each character they cannot; then other readings, best first.
    partial: str | None = None
    alternatives: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "section": self.section,
            "paragraph": self.paragraph,
            "excerpt": self.excerpt,
            "proposal": self.proposal,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "original": self.original,
            "applied": self.applied,
            "guess": self.guess,
            "partial": self.partial,
            "alternatives": list(self.alternatives),
        }


@dataclass(frozen=True)
class ParagraphResult:
    kind: str  # "text" or "caption"
    text: str


@dataclass(frozen=True)
class SectionResult:
    heading: str | None
    paragraphs: tuple[ParagraphResult, ...]


@dataclass(frozen=True)
class IngestResult:
    original_source: str | None
    image_credit: str | None
    publisher: str | None
    reprint_url: str | None
    sections: tuple[SectionResult, ...]
    disclaimer: str | None
    notice: str | None
    warnings: tuple[IngestWarning, ...]
    author: str | None = None
    language: str = "zh-Hant"
    # Characters of the other script left by a careless converter: proposals only, never applied.
    script_warnings: tuple[IngestWarning, ...] = ()

    def to_dict(self) -> dict:
        """Return the JSON-ready ingest report."""
        return {
            "original_source": self.original_source,
            "image_credit": self.image_credit,
            "author": self.author,
            "language": self.language,
            "publisher": self.publisher,
            "reprint_url": self.reprint_url,
            "sections": [
                {
                    "heading": section.heading,
                    "paragraphs": [{"kind": p.kind, "text": p.text} for p in section.paragraphs],
                }
                for section in self.sections
            ],
            "disclaimer": self.disclaimer,
            "notice": self.notice,
            "warnings": [warning.to_dict() for warning in self.warnings],
            "script_warnings": [warning.to_dict() for warning in self.script_warnings],
        }


class IngestInputError(ValueError):
    """Raw input that cannot be ingested; the message is one line, fit to show an editor."""


# --- Input validation -----------------------------------------------------------------------------------

_ALLOWED_CONTROLS = {"\n", "\r", "\t", "\f"}


def decode_raw_article(data: bytes, max_bytes: int) -> str:
    """Return uploaded bytes as text, or raise IngestInputError saying why they cannot be ingested."""
    if len(data) > max_bytes:
        raise IngestInputError(f"The file is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")
    if not data.strip():
        raise IngestInputError("The file is empty.")
    if b"\x00" in data:
        raise IngestInputError("The file is binary (it contains NUL bytes), not text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestInputError(f"The file is not UTF-8 text (bad byte at offset {error.start}).") from None
    controls = {ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS}
    if controls:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in sorted(controls)[:3])
        raise IngestInputError(f"The file is binary (it contains control characters {codes}), not text.")
    return text


# --- Line cleaning --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """A mojibake run found in a line: its span and what the repair search made of it."""

    start: int
    end: int
    proposal: str | None
    guess: str | None
    applied: bool = False
    original: str | None = None
    kind: str = "shifted"  # "shifted" (GBK one byte late), "tail" or "utf8" (UTF-8 read as GBK)
    partial: str | None = None
    alternatives: tuple[str, ...] = ()


@dataclass
class _CleanLine:
    text: str
    runs: list[_Run] = field(default_factory=list)


def clean_text(text: str) -> str:
    """Return text with readings, HTML remnants and flattened punctuation undone, line by line."""
    model = _LanguageModel.from_text(text)
    return "\n".join(_clean_line(line, model).text for line in text.splitlines())


def _clean_line(line: str, model: _LanguageModel) -> _CleanLine:
    line, tail = _repair_tail(unicodedata.normalize("NFC", line))
    line = _remove_readings(_strip_html(line))
    # Whitespace settles before any offset is taken.
    line = re.sub(r"[ \t]{2,}", " ", line).strip(" \t\u3000\ufeff")
    runs = _shielded(line, model)
    pieces: list[str] = []
    cleaned_runs: list[_Run] = []
    cursor = 0
    for run in runs:
        pieces.append(_normalise_plain(line[cursor : run.start], line[:cursor], line[run.start :]))
        start = sum(map(len, pieces))
        # A UTF-8-as-GBK stretch is replaced by what its bytes prove; a shifted run stays as it came.
        pieces.append(run.proposal if run.applied and run.proposal else line[run.start : run.end])
        cleaned_runs.append(_shift_run(run, start, len(pieces[-1])))
        cursor = run.end
    pieces.append(_normalise_plain(line[cursor:], line[:cursor], ""))
    text = "".join(pieces)
    if tail:
        # The tail sits at the end of the line, where no cleaner moves it.
        at = text.rfind(tail)
        cleaned_runs.append(
            _Run(at, at + len(tail), None, None, applied=True, original="?!?/p>", kind="tail")
        )
    return _CleanLine(text, sorted(cleaned_runs, key=lambda run: run.start))


def _shielded(line: str, model: _LanguageModel) -> list[_Run]:
    """Return the stretches no cleaner may touch: UTF-8 read as GBK, then runs of shifted bytes."""
    repairs = [
        _Run(start, end, original, original, applied=True, original=line[start:end], kind="utf8")
        for start, end, original in utf8_read_as_gbk(line)
    ]
    runs = [
        run
        for run in _find_runs(line, model)
        if all(run.end <= r.start or run.start >= r.end for r in repairs)
    ]
    return sorted(repairs + runs, key=lambda run: run.start)


def _shift_run(run: _Run, start: int, length: int) -> _Run:
    return replace(run, start=start, end=start + length)


def _repair_tail(line: str) -> tuple[str, str | None]:
    """Replace the fixed mojibake tail of a closing quote before an eaten ``</p>``; return the closing.

    ``。”`` and ``。」`` (and ``。』``) garble to the same bytes, so the closing is the one that balances the
    quotation the line opened.
    """
    match = _MOJIBAKE_TAIL_RE.search(line)
    if not match:
        return line, None
    closing = "。" + _closing_quote(line[: match.start()])
    return line[: match.start()] + closing + line[match.end() :], closing


_QUOTE_PAIRS = {"“": "”", "「": "」", "『": "』"}


def _closing_quote(text: str) -> str:
    """Return the closing quotation mark that balances the last quotation left open in a text."""
    open_quotes: list[str] = []
    for ch in text:
        if ch in _QUOTE_PAIRS:
            open_quotes.append(ch)
        elif ch in _QUOTE_PAIRS.values() and open_quotes and _QUOTE_PAIRS[open_quotes[-1]] == ch:
            open_quotes.pop()
    return _QUOTE_PAIRS[open_quotes[-1]] if open_quotes else "”"


def _strip_html(line: str) -> str:
    previous = None
    while previous != line:  # repeat so that tags split by other tags cannot survive one pass
        previous = line
        line = _EATEN_TAG_RE.sub("", _HTML_TAG_RE.sub("", line))
        line = re.sub(r"(?<=[”。！？」』])/p>\s*$", "", line)
    return line


def _remove_readings(text: str) -> str:
    return _READING_RE.sub(lambda m: "" if _is_reading(m.group(1)) else m.group(0), text)


def _is_reading(syllable: str) -> bool:
    """Tell whether a parenthesised word is a tone-marked pinyin syllable."""
    if not any(ch in _TONED_VOWELS for ch in syllable):
        return False
    return _SYLLABLE_RE.fullmatch(syllable.translate(_UNTONE)) is not None


def _normalise_plain(segment: str, before: str, after: str) -> str:
    """Restore full-width punctuation in a segment, looking at its neighbours across the edges."""
    if not segment:
        return segment
    chinese_line = bool(_HAN_RE.search(before + segment + after))
    # A stack between Chinese and Latin text loses the spaces around it ("分離 ,,IDM").
    edged = _SPACED_STACK_RE.sub(r"\1\2", before[-1:] + segment + after[:1])
    segment = edged[len(before[-1:]) : len(edged) - len(after[:1])]
    padded = before[-1:] + segment + after[:2]
    offset = len(before[-1:])
    out: list[str] = []
    cursor = offset
    for match in _MARK_STACK_RE.finditer(padded, offset, offset + len(segment)):
        out.append(padded[cursor : match.start()])
        out.append(
            _normalise_stack(
                match.group(),
                padded[match.start() - 1 : match.start()],
                padded[match.end() :],
                chinese_line,
                before + padded[offset : match.start()],
            )
        )
        cursor = match.end()
    out.append(padded[cursor : offset + len(segment)])
    return _PAREN_RE.sub(_normalise_parens, "".join(out))


def _normalise_stack(stack: str, left: str, after: str, chinese_line: bool, preceding: str = "") -> str:
    right = after[:1]
    if stack == ":" and after.startswith("//"):
        return stack
    if stack in ("?", "!") and left.isascii() and left.isalpha() and right in '”’"':
        # A mark closing a quoted Latin sentence ("Are you ready?”) belongs to the Latin text.
        opening = max(preceding.rfind("“"), preceding.rfind("‘"), preceding.rfind('"'))
        if opening != -1 and not _HAN_RE.search(preceding[opening:]):
            return stack
    chinese = (
        any(ch not in ",;:?!" for ch in stack)  # a full-width mark in the stack
        or bool(left and _CJK_CONTEXT_RE.match(left))
        or bool(right and _CJK_CONTEXT_RE.match(right))
        # A mark ending a Chinese line after a Latin word ("用過ChatGPT?") still ends a Chinese sentence.
        or (not right and chinese_line)
    )
    if not chinese:
        return stack
    marks = [_FULL_WIDTH.get(ch, ch) for ch in stack]
    kept = [mark for mark in marks if mark != "，"]
    # A comma stacked before another mark is an artifact of the flattening; commas alone are one comma.
    return "".join(kept) or "，"


def _normalise_parens(match: re.Match) -> str:
    inner = match.group(1)
    if _HAN_RE.search(inner):
        return f"（{inner}）"
    return match.group(0)


# --- Mojibake ---------------------------------------------------------------------------------------------

# '?' is the lone first byte; a reading may follow whose '(' that byte swallowed; then the shifted
# double-byte characters; then the single byte that realigned the decoder.
_RUN_RE = re.compile(
    rf"(?P<commas>,*)\?(?P<debris>[{_PINYIN_LETTERS}]+\))?"
    r"(?P<body>(?:!|[^\x00-\x7f€?])+)"
    r"(?P<end>\?|[\x40-\x7e]|€)"
)
_ODD_SYMBOL_RE = re.compile("[\u3100-\u312f\u31a0-\u31bf\u2460-\u24ff\u2500-\u257f\u20ac\ue000-\uf8ff]")
# ASCII marks that are GBK trail bytes: one glued to Chinese realigned the decoder (興 is C5 64, 題 is EE7D).
_TRAIL_MARKS = "@[\\]^_`{|}~"
# How much better per character the earlier reading of a stretch must score to be taken for shifted bytes.
_SHIFT_EVIDENCE = 0.5
_NUMERALS = "一二三四五六七八九十兩两幾几數数"
_NUMERAL_UNITS = "十百千萬万億亿"

# Code page 936 user-defined areas: a pair in them decoded to a private-use character that was dropped.
_PUA_AREAS: tuple[tuple[range, range], ...] = (
    (range(0xAA, 0xB0), range(0xA1, 0xFF)),
    (range(0xF8, 0xFF), range(0xA1, 0xFF)),
    (range(0xA1, 0xA8), range(0x40, 0xA1)),
)


def _find_runs(line: str, model: _LanguageModel) -> list[_Run]:
    runs: list[_Run] = []
    position = 0
    while match := _RUN_RE.search(line, position):
        run = _run_from_match(match, line, model)
        if run is None:
            # A rejected candidate must not swallow a '?' that may open the next run.
            position = match.start() + len(match.group("commas")) + 1
            continue
        runs.append(run)
        position = match.end()
    return runs


def _run_from_match(match: re.Match, line: str, model: _LanguageModel) -> _Run | None:
    body, end = match.group("body"), match.group("end")
    oddness = _oddness(body, match.group("debris"), model)
    if end == "€":
        oddness += 2
    elif end.isalpha() and not re.match(r"[A-Za-z0-9]", line[match.end() : match.end() + 1]):
        oddness += 1  # a lone Latin letter glued to Chinese is a trail byte that realigned the decoder
    run_end = match.end()
    eaten = _eaten_letter(body, end)
    if eaten:
        # The letter after the body begins a Latin word: the run swallowed the word's first letter as
        # the trail byte of its last character, and ends before the letter that follows.
        run_end -= 1
        end = ""
    before, after = line[: match.start("commas")], line[run_end:]
    evident = oddness >= 2 or _reads_better_earlier(body, end, line[: match.start()], after)
    if not evident and not _may_open_a_run(line[: match.start()]):
        return None
    repair = _repair_run(body, end, before, after, model)
    if repair is None:
        return None
    if not evident and not _reads_better_in_context(repair[1], line[match.start() : run_end], before, after):
        return None
    proposal, guess, partial, alternatives = repair
    start = match.start("commas")
    if guess[:1] not in "。？！；、":
        # Only a stop or pause mark explains a flattened comma stacked before the run.
        start += len(match.group("commas"))
    return _Run(start, run_end, proposal, guess, partial=partial, alternatives=alternatives)


def _eaten_letter(body: str, end: str) -> bool:
    """Tell whether a run's last character swallowed an ASCII letter as its trail byte.

    A character read across two original ones has the first one's trail byte as its lead; when its own
    trail byte is ASCII, that byte cannot be a lead, so it is the first letter of the Latin word that
    follows the run, and the letter after the body is that word's second.
    """
    if not (end.isascii() and end.isalnum()):
        return False
    encoded = _char_bytes(body[-1])
    return (
        encoded is not None and len(encoded) == 2 and chr(encoded[1]).isascii() and chr(encoded[1]).isalpha()
    )


def _reads_better_earlier(body: str, end: str, before: str, after: str) -> bool:
    """Tell whether a stretch between a lone ``?`` and its end reads far better one byte earlier.

    A ``?`` glued to Chinese on the left opens the stretch; the earlier reading is scored against the
    stretch as it stands with a character and word model of Chinese (``articles.mojibake``).
    """
    if before and not (_CJK_CONTEXT_RE.match(before[-1]) or before[-1].isalnum()):
        return False  # a run opens a line or follows text; a ? after a space or mark is punctuation
    if shift_evidence(body) > _SHIFT_EVIDENCE:
        return True
    # Too short to score: a ``?`` glued to Chinese on both sides of one or two characters that form no
    # word is strong evidence on its own, when the bytes read back at all.
    glued_after = bool(after) and bool(
        _CJK_CONTEXT_RE.match(after[0]) or after[0].isalnum() or after[0] in ",;:"
    )
    return (
        len(body) <= 2
        and (end in ("?", "") or end in _TRAIL_MARKS)
        and glued_after
        and all(_HAN_RE.match(ch) for ch in body)
        and (len(body) == 1 or not _in_lexicon(body))
        and earlier_reading(body) is not None
    )


# How much more probable (log) a stretch with its context must read repaired than as it stands.
_CONTEXT_EVIDENCE = 6.0


def _may_open_a_run(before: str) -> bool:
    """Tell whether a ``?`` may be a run's lost byte: it opens the line or is glued to text or a mark."""
    return not before or bool(_CJK_CONTEXT_RE.match(before[-1]) or before[-1].isalnum() or before[-1] in "?!")


def _reads_better_in_context(repaired: str, damaged: str, before: str, after: str) -> bool:
    """Tell whether a candidate run reads as far better Chinese repaired than as it stands, in context.

    Both readings are split into words of the lexicon with the text around them: a run of common
    characters (``谧食中`` for ``资持续``) reads as no words, while its repair joins its neighbours'.
    The ``?`` of the stretch as it stands is read as the question mark it would otherwise become.
    """
    head, tail = before[-_CONTEXT:], after[:_CONTEXT]
    words = chinese_model()
    as_is = damaged.replace("?", "？").replace("!", "！")
    gain = words.segmentation(head + repaired + tail) - words.segmentation(head + as_is + tail)
    return gain > _CONTEXT_EVIDENCE


def _oddness(body: str, debris: str | None, model: _LanguageModel) -> int:
    """Count the signs that a stretch of text is shifted bytes rather than Chinese."""
    score = 2 if debris else 0
    if body.startswith("!"):
        score += 1
    for ch in body:
        if _ODD_SYMBOL_RE.match(ch) or not (_HAN_RE.match(ch) or ch in _CJK_PUNCT or ch == "!"):
            score += 2
        elif _HAN_RE.match(ch) and not model.is_plausible(ch):
            score += 1
    return score


def _char_bytes(ch: str) -> bytes | None:
    if ch == "!":
        return b"\xa3\xa1"  # the full-width exclamation mark the site flattened
    if ch == "€":
        return b"\x80"
    try:
        return ch.encode("gbk")
    except UnicodeEncodeError:
        return None


@cache
def _decode_pair(lead: int, trail: int) -> str | None:
    try:
        ch = bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return None
    return ch if len(ch) == 1 else None


def _repair_run(
    body: str, end: str, before: str, after: str, model: _LanguageModel
) -> tuple[str | None, str, str, tuple[str, ...]] | None:
    """Rebuild a run's bytes one byte earlier: (proposal or None, best guess, □-marked reading, others).

    ``end`` is the byte that realigned the decoder (``?`` for a lone byte), or empty when the last
    character swallowed the ASCII letter that follows the run.
    """
    body_bytes: list[int] = []
    for ch in body:
        encoded = _char_bytes(ch)
        if encoded is None or len(encoded) != 2:
            return None
        body_bytes.extend(encoded)
    if end:
        last = None if end == "?" else (_char_bytes(end) or b"?")[0]
        stream: list[int | None] = [None, *body_bytes, last]
        eaten = ""
    else:
        # The last trail byte is an ASCII letter the run swallowed: the original has it after the run.
        stream = [None, *body_bytes]
        eaten = chr(body_bytes[-1])
    best = _search(stream, before[-1:] or None, after[:1] or None, model)
    if best is None:
        return None
    chars, support, dropped, alternatives = best
    if not any(dropped):
        chars, alternatives = _rerank(chars, stream, before, after + eaten, model)
    guess = "".join(chars) + eaten
    proven = [
        ok and (ch in _REPAIRABLE_PUNCT or model.is_plausible(ch))
        for ch, ok in zip(chars, support, strict=True)
    ]
    partial = "".join(ch if ok else _UNKNOWN for ch, ok in zip(chars, proven, strict=True)) + eaten
    # A byte lost at either end of a run leaves one character to choose among a hundred: the reading
    # that scores best in context is proposed. A dropped pair leaves two, and whether a pair was dropped
    # at all is a guess: the reading is proposed then only when every guessed character has evidence.
    proposal = guess if all(proven) or not any(dropped) else None
    return proposal, guess, partial, tuple(alt + eaten for alt in alternatives)


_BIGRAM_WEIGHT = 2.0  # how much the bigram model counts against the word model when a run is reranked
_CONTEXT = 4  # characters of text on each side a reading is scored with
_MOST_RERANK_CANDIDATES = 48  # readings of a lost character the reranking starts from
_MOST_RERANKED = 12  # readings per lost character that are scored as words in context


def _rerank(
    chars: list[str], stream: Sequence[int | None], before: str, after: str, model: _LanguageModel
) -> tuple[list[str], list[str]]:
    """Choose the characters whose byte was lost by how well the run reads as words in its context.

    The bigram search keeps one reading per last character; the word model of Chinese (a segmentation
    with jieba's frequencies) tells ``民众接受`` from ``民在接受`` where two characters cannot.
    """
    slots = [i for i in range(len(chars)) if stream[2 * i] is None or stream[2 * i + 1] is None]
    if not slots:
        return chars, []
    left, right = before[-1:] or None, after[:1] or None
    choices: list[list[str]] = []
    for i in slots:
        previous = chars[i - 1] if i else left
        following = chars[i + 1] if i + 1 < len(chars) else right
        found = _slot_candidates(stream[2 * i], stream[2 * i + 1], model, _MOST_RERANK_CANDIDATES)

        def local(ch: str, previous=previous, following=following) -> float:
            score = model.transition(previous, ch)
            return score + (model.transition(ch, following) if following else 0.0)

        choices.append(sorted(found, key=local, reverse=True)[:_MOST_RERANKED] or [chars[i]])
    words = chinese_model()
    head, tail = before[-_CONTEXT:], after[:_CONTEXT]

    def score(reading: list[str]) -> float:
        text = "".join(reading)
        context = [left, *reading, right]
        bigrams = sum(model.transition(a, b) for a, b in pairwise(context) if b is not None)
        value = words.segmentation(head + text + tail) + _BIGRAM_WEIGHT * bigrams
        return value - _UNBALANCED_QUOTE * _unbalanced_quotes(before + text)

    # Each lost character is chosen with the others fixed at their best: the two ends of a run share
    # no word unless the run is short, and then the second pass sees the first one's choice.
    reading = list(chars)
    scored: dict[str, float] = {}
    for i, options in zip(slots, choices, strict=True):
        best = None
        for ch in options:
            trial = list(reading)
            trial[i] = ch
            value = score(trial)
            scored["".join(trial)] = value
            if best is None or value > best[0]:
                best = (value, ch)
        reading[i] = best[1]
    final = "".join(reading)
    others = sorted((text for text in scored if text != final), key=scored.__getitem__, reverse=True)
    return reading, others[: _ALTERNATIVES - 1]


_UNBALANCED_QUOTE = 6.0  # log-probability a reading loses for each quotation mark that balances nothing


def _unbalanced_quotes(text: str) -> int:
    """Count the closing marks that close nothing and the opening marks opened twice over."""
    wrong = 0
    for opening, closing in _QUOTE_PAIRS.items():
        depth = 0
        for ch in text:
            if ch == opening:
                wrong += depth > 0
                depth += 1
            elif ch == closing:
                wrong += depth == 0
                depth = max(0, depth - 1)
    return wrong


def _slot_candidates(lead: int | None, trail: int | None, model: _LanguageModel, most: int = 0) -> list[str]:
    leads = range(0x81, 0xFF) if lead is None else (lead,)
    trails = range(0x40, 0xFF) if trail is None else (trail,)
    found = []
    for a in leads:
        for b in trails:
            ch = _decode_pair(a, b)
            if ch and model.is_acceptable(ch):
                found.append(ch)
    return _likeliest(found, model, most)


def _likeliest(found: list[str], model: _LanguageModel, most: int = 0) -> list[str]:
    """Keep the likeliest readings of a character with a lost byte, the article's own ones first.

    A lost byte leaves a hundred readings; the rare ones never win, and keeping them all makes the
    search quadratic in them.
    """
    most = most or _MOST_CANDIDATES
    if len(found) <= most:
        return found
    return sorted(found, key=lambda ch: (ch not in model.counts, -model.unigram(ch)))[:most]


def _gap_candidates(lead: int, trail: int, model: _LanguageModel) -> list[tuple[str, str]]:
    """Return character pairs that fit around a dropped private-use pair between two known bytes."""
    pairs = []
    for first_bytes, second_bytes in _PUA_AREAS:
        firsts = [ch for t in first_bytes if (ch := _decode_pair(lead, t)) and model.is_acceptable(ch)]
        seconds = [ch for t in second_bytes if (ch := _decode_pair(t, trail)) and model.is_acceptable(ch)]
        pairs.extend(
            (a, b)
            for a in _likeliest(firsts, model, _MOST_GAP_CANDIDATES)
            for b in _likeliest(seconds, model, _MOST_GAP_CANDIDATES)
        )
    return pairs


# Score, characters, which ones were guessed, which ones stand around a dropped pair.
_Path = tuple[float, tuple[str, ...], tuple[bool, ...], tuple[bool, ...]]


def _search(
    stream: Sequence[int | None], left: str | None, right: str | None, model: _LanguageModel
) -> tuple[list[str], list[bool], list[bool], list[str]] | None:
    """Find the most probable characters for a realigned byte stream, allowing dropped pairs (Viterbi)."""
    states: dict[str | None, _Path] = {left: (0.0, (), (), ())}
    for position in range(0, len(stream) - 1, 2):
        lead, trail = stream[position], stream[position + 1]
        guessed = lead is None or trail is None
        options: list[tuple[tuple[str, ...], tuple[bool, ...]]] = [
            ((ch,), (guessed,)) for ch in _slot_candidates(lead, trail, model)
        ]
        if position and lead is not None and trail is not None:
            options += [((a, b), (True, True)) for a, b in _gap_candidates(lead, trail, model)]
        best_into: dict[str, tuple[float, str | None]] = {}
        for first in {chars[0] for chars, _flags in options}:
            best_into[first] = max(
                ((path[0] + model.transition(prev, first), prev) for prev, path in states.items()),
                key=lambda item: item[0],
            )
        next_states: dict[str | None, _Path] = {}
        for chars, flags in options:
            score, prev = best_into[chars[0]]
            if len(chars) == 2:
                score += model.transition(chars[0], chars[1]) - model.gap_cost
            if chars[-1] not in next_states or next_states[chars[-1]][0] < score:
                _score, prev_chars, prev_flags, prev_gaps = states[prev]
                gaps = (len(chars) == 2,) * len(chars)
                next_states[chars[-1]] = (score, prev_chars + chars, prev_flags + flags, prev_gaps + gaps)
        if not next_states:
            return None
        states = next_states
    ranked = sorted(
        states.values(),
        key=lambda path: path[0] + (model.transition(path[1][-1], right) if right else 0.0),
        reverse=True,
    )
    _score, chars, flags, gaps = ranked[0]
    context = [left, *chars, right]
    support = [
        not was_guessed or model.is_supported(context[i], chars[i], context[i + 2])
        for i, was_guessed in enumerate(flags)
    ]
    alternatives = ["".join(path[1]) for path in ranked[1:_ALTERNATIVES]]
    return list(chars), support, list(gaps), alternatives


class _LanguageModel:
    """A small character bigram model of the article, backed by a lexicon and rules of Chinese."""

    gap_cost = 4.0

    def __init__(self, counts: Counter, bigrams: Counter, traditional: bool):
        self.counts = counts
        self.bigrams = bigrams
        self.traditional = traditional
        self.total = max(sum(counts.values()), 1)
        self.followers: Counter = Counter()
        for (a, _b), n in bigrams.items():
            self.followers[a] += n
        self._acceptable: dict[str, bool] = {}
        self._transitions: dict[tuple[str | None, str], float] = {}
        self._unigrams: dict[str, float] = {}

    @classmethod
    def from_text(cls, text: str) -> _LanguageModel:
        """Build the model from text with readings removed and suspicious stretches left out."""
        text = _remove_readings(text)
        # Count clean text only: drop what may be mojibake, then restore punctuation as the cleaner does.
        text = "\n".join(_normalise_plain(line, "", "") for line in _RUN_RE.sub("\n", text).splitlines())
        counts: Counter = Counter(ch for ch in text if _CJK_CONTEXT_RE.match(ch))
        bigrams: Counter = Counter(
            (a, b) for a, b in pairwise(text) if _CJK_CONTEXT_RE.match(a) and _CJK_CONTEXT_RE.match(b)
        )
        converters = _converters()
        simplified_only = sum(1 for ch in counts if converters["s2t"].convert(ch) != ch)
        traditional_only = sum(1 for ch in counts if converters["t2s"].convert(ch) != ch)
        return cls(counts, bigrams, traditional=traditional_only >= simplified_only)

    def is_acceptable(self, ch: str) -> bool:
        """Tell whether a character could stand in clean text of this article's script."""
        if ch not in self._acceptable:
            self._acceptable[ch] = self._check_acceptable(ch)
        return self._acceptable[ch]

    def _check_acceptable(self, ch: str) -> bool:
        if ch in _REPAIRABLE_PUNCT:
            return True
        if not _HAN_RE.match(ch):
            return False
        if ch in self.counts:
            return True
        # A character of the other script appears only when the site left it unconverted.
        converter = _converters()["s2t" if self.traditional else "t2s"]
        return converter.convert(ch) == ch

    def is_plausible(self, ch: str) -> bool:
        """Tell whether a Han character is common enough to be expected in news text."""
        return self.is_acceptable(ch) and (self.counts[ch] > 1 or _common_level(ch) == 1)

    def unigram(self, ch: str) -> float:
        """Return P(ch): the article's own counts, smoothed towards the frequencies of Chinese at large."""
        value = self._unigrams.get(ch)
        if value is None:
            value = self._unigrams[ch] = self._unigram(ch)
        return value

    def _unigram(self, ch: str) -> float:
        if not _HAN_RE.match(ch):
            general = PUNCTUATION_SHARE.get(ch, 0.0001)
        else:
            general = (1 - _PUNCTUATION_TOTAL) * chinese_model().frequency(ch)
            if not general:
                general = 1e-8
        return (self.counts[ch] + _ARTICLE_PRIOR * general) / (self.total + _ARTICLE_PRIOR)

    def transition(self, prev: str | None, ch: str) -> float:
        """Return log P(ch | prev), interpolating article bigrams with a word model of Chinese.

        The word model continues ``prev``'s word with the lexicon's frequency of the pair, or ends the word
        and starts anew with the character's own frequency.
        """
        key = (prev, ch)
        if key not in self._transitions:
            unigram = self.unigram(ch)
            if prev is None:
                probability = unigram
            else:
                inside, ends = chinese_model().within_word(prev, ch)
                probability = inside + ends * unigram
                if prev in _NUMERALS and ch in _NUMERAL_UNITS:
                    probability += 0.05
                probability += _TYPOGRAPHY.get(key, 0.0)
                if prev in _PAUSES and ch in _PAUSES:
                    probability *= 0.01  # typeset Chinese never puts two stops or pauses together
                if self.followers[prev]:
                    article = self.bigrams[key] / self.followers[prev]
                    probability = 0.4 * article + 0.6 * probability
            self._transitions[key] = math.log(max(probability, 1e-12))
        return self._transitions[key]

    def is_supported(self, prev: str | None, ch: str, following: str | None) -> bool:
        """Tell whether a guessed character has evidence beyond its frequency."""
        for a, b in ((prev, ch), (ch, following)):
            if a is None or b is None:
                continue
            if (
                self.bigrams[(a, b)]
                or _in_lexicon(a + b)
                or (a in _NUMERALS and b in _NUMERAL_UNITS)
                or (a, b) in _TYPOGRAPHY
            ):
                return True
        return False


_REPAIRABLE_PUNCT = "，。、；：？！“”‘’《》「」"
_PAUSES = "，。、；：？！"
_PUNCTUATION_TOTAL = sum(PUNCTUATION_SHARE.values())
# How many characters of text at large the article's own counts are worth when they are smoothed.
_ARTICLE_PRIOR = 400
_UNKNOWN = "□"  # a character whose bytes were lost
_MOST_CANDIDATES = 24  # readings kept for a character with a lost byte
_MOST_GAP_CANDIDATES = 12  # readings kept for each character around a dropped pair
_ALTERNATIVES = 4  # the best reading and up to three others
# How Chinese typesetting joins marks: a quotation closes after the sentence's own stop mark.
_TYPOGRAPHY: dict[tuple[str | None, str], float] = {
    ("。", "”"): 0.01,
    ("！", "”"): 0.01,
    ("？", "”"): 0.01,
    ("。", "」"): 0.01,
    ("！", "」"): 0.01,
    ("？", "」"): 0.01,
    ("”", "。"): 0.01,
    ("”", "，"): 0.01,
}


@cache
def _converters() -> dict[str, opencc.OpenCC]:
    return {
        "t2s": opencc.OpenCC("t2s"),
        "s2t": opencc.OpenCC("s2t"),
        "t2tw": opencc.OpenCC("t2tw"),
        "t2hk": opencc.OpenCC("t2hk"),
    }


@cache
def _word_share(ch: str) -> float:
    """Return a character's share of lexicon words relative to a typical first-level character."""
    model = chinese_model()
    return min(4.0, max(0.05, math.exp(model.char(ch) - _TYPICAL_CHAR_LOGP)))


_TYPICAL_CHAR_LOGP = math.log(1 / 3000)


@cache
def _common_level(ch: str) -> int:
    """Return 1 for the most common characters, 2 for less common ones, 3 for the rest (GB 2312)."""
    simplified = _converters()["t2s"].convert(ch)
    try:
        encoded = simplified.encode("gb2312")
    except UnicodeEncodeError:
        return 3
    if len(encoded) != 2:
        return 3
    return 1 if encoded[0] < 0xD8 else 2


@cache
def _lexicon_bigrams() -> frozenset[str]:
    """Return the two-character words and word parts of a Chinese lexicon, in simplified script."""
    from pypinyin.phrases_dict import phrases_dict  # imported late: it is large and only repairs need it

    return frozenset(word[i : i + 2] for word in phrases_dict for i in range(len(word) - 1))


@cache
def _in_lexicon(pair: str) -> bool:
    return "".join(map(_simplified, pair)) in _lexicon_bigrams()


@cache
def _simplified(ch: str) -> str:
    return _converters()["t2s"].convert(ch)


@cache
def _lexicon_follower_counts() -> Counter:
    return Counter(pair[0] for pair in _lexicon_bigrams())


@cache
def _lexicon_followers(ch: str) -> int:
    return max(_lexicon_follower_counts()[_simplified(ch)], 1)


# --- Structure --------------------------------------------------------------------------------------------

_CREDIT_FIELDS = {
    "原文來源": "original_source",
    "原文来源": "original_source",
    "文章來源": "original_source",
    "文章来源": "original_source",
    "來源": "original_source",
    "来源": "original_source",
    "圖片來源": "image_credit",
    "图片来源": "image_credit",
    "作者": "author",
}
_CREDIT_RE = re.compile(rf"^({'|'.join(_CREDIT_FIELDS)})\s*[:：]\s*(.+)$")
_DISCLAIMER_RE = re.compile(r"^(免責聲明|免责声明|版權聲明|版权声明)\s*[:：]")
_NOTICE_RE = re.compile(r"^(溫馨提示|温馨提示|風險提示|风险提示)\s*[:：]")
_CAPTION_RE = re.compile(r"^[（(]\s*(圖源|图源|圖片|图片|來源|来源|攝影|摄影|圖|图)\s*[:：|｜].*[）)]$")
_PUBLISHER_RE = re.compile(r"不代表\s*(.{2,20}?)\s*(?:贊同|赞同|的?立場|的?立场|觀點|观点)")
_URL_RE = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+")


def parse_article(raw: str) -> IngestResult:
    """Parse a raw scraped article into metadata, sections, paragraphs and warnings."""
    model = _LanguageModel.from_text(raw)
    raw_lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # A tail before an eaten </p> in the middle of a line ends a paragraph the scrape joined to the next.
    raw_lines = [part for line in raw_lines for part in _MIDLINE_TAIL_RE.split(line)]
    lines = [_clean_line(line, model) for line in raw_lines]
    lines = [line for line in lines if line.text]
    meta: dict[str, str | None] = dict.fromkeys(("original_source", "image_credit", "author"))

    body_start = 0
    for line in lines:
        credit = _CREDIT_RE.match(line.text)
        if not credit or meta[_CREDIT_FIELDS[credit.group(1)]] is not None:
            break
        meta[_CREDIT_FIELDS[credit.group(1)]] = credit.group(2).strip()
        body_start += 1

    body, disclaimer, notice = _split_footer(lines[body_start:])
    sections, warnings = _build_sections(body)
    publisher = reprint_url = None
    if disclaimer:
        publisher_match = _PUBLISHER_RE.search(disclaimer)
        publisher = publisher_match.group(1) if publisher_match else None
        url_match = _URL_RE.search(disclaimer)
        reprint_url = url_match.group().rstrip(".,;:!?") if url_match else None
    return IngestResult(
        original_source=meta["original_source"],
        image_credit=meta["image_credit"],
        publisher=publisher,
        reprint_url=reprint_url,
        sections=sections,
        disclaimer=disclaimer,
        notice=notice,
        warnings=tuple(warnings),
        script_warnings=tuple(_script_warnings(sections, warnings, model)) if model.traditional else (),
        author=meta["author"],
        language="zh-Hant" if model.traditional else "zh-Hans",
    )


def _split_footer(lines: list[_CleanLine]) -> tuple[list[_CleanLine], str | None, str | None]:
    disclaimer = notice = None
    end = len(lines)
    for index in range(len(lines) - 1, max(len(lines) - 4, -1), -1):
        text = lines[index].text
        if disclaimer is None and _DISCLAIMER_RE.match(text):
            disclaimer, end = text, index
        elif notice is None and _NOTICE_RE.match(text):
            notice, end = text, index
        else:
            break
    return lines[:end], disclaimer, notice


def _is_heading(line: _CleanLine, has_next: bool) -> bool:
    text = line.text
    return (
        has_next
        and not line.runs
        and len(text) <= _HEADING_MAX_CHARS
        and text[-1] not in _SENTENCE_ENDS
        and text[0] not in _OPENING_QUOTES
        and text[-1] not in "”」』’"
        and "。" not in text
        and not _CAPTION_RE.match(text)
    )


def _build_sections(lines: list[_CleanLine]) -> tuple[tuple[SectionResult, ...], list[IngestWarning]]:
    sections: list[tuple[str | None, list[ParagraphResult]]] = [(None, [])]
    warnings: list[IngestWarning] = []
    for index, line in enumerate(lines):
        if _is_heading(line, has_next=index + 1 < len(lines)):
            if sections == [(None, [])]:
                sections = [(line.text, [])]  # the article opens with a heading: no untitled section
            else:
                sections.append((line.text, []))
            continue
        kind = "caption" if _CAPTION_RE.match(line.text) else "text"
        paragraphs = sections[-1][1]
        paragraphs.append(ParagraphResult(kind, line.text))
        warnings.extend(_line_warnings(line, len(sections) - 1, len(paragraphs) - 1))
    if sections == [(None, [])]:
        return (), warnings
    return tuple(SectionResult(heading, tuple(paras)) for heading, paras in sections), warnings


def _script_warnings(
    sections: Sequence[SectionResult], warnings: Sequence[IngestWarning], model: _LanguageModel
) -> list[IngestWarning]:
    """Flag Simplified characters left in a Traditional article, with OpenCC's Traditional reading.

    A character counts when it is Simplified only: converting it changes it, and neither Taiwan's nor
    Hong Kong's standard writes it that way (台, 着 stay). Nothing is applied: some are right (云 in 云知聲).
    """
    found = []
    for s, section in enumerate(sections):
        for p, paragraph in enumerate(section.paragraphs):
            text = paragraph.text
            # Characters inside a damaged run are bytes, not script: that warning covers them.
            damaged = {
                i for w in warnings if (w.section, w.paragraph) == (s, p) for i in range(w.start, w.end)
            }
            converted = _converters()["s2t"].convert(text)
            if len(converted) != len(text):
                continue  # a conversion that changes lengths cannot be anchored character by character
            positions = [
                i
                for i, (ch, new) in enumerate(zip(text, converted, strict=True))
                if ch != new and i not in damaged and _simplified_only(ch) and _left_by_a_converter(text, i)
            ]
            for start, end in _groups(positions):
                proposal = "".join(_traditional_form(text[i], converted[i], model) for i in range(start, end))
                found.append(
                    IngestWarning(
                        kind="script",
                        section=s,
                        paragraph=p,
                        excerpt=text[start:end],
                        proposal=proposal,
                        start=start,
                        end=end,
                        message=(
                            f"Simplified “{text[start:end]}” in a Traditional article; "
                            f"Traditional: “{proposal}”. "
                            "Replace it unless the Simplified form is meant (a name, a quotation)."
                        ),
                    )
                )
    return found


@cache
def _simplified_only(ch: str) -> bool:
    if not _HAN_RE.match(ch):
        return False
    converters = _converters()
    traditional = converters["s2t"].convert(ch)
    if traditional == ch:
        return False
    return ch not in (converters["t2tw"].convert(traditional), converters["t2hk"].convert(traditional))


def _left_by_a_converter(text: str, i: int) -> bool:
    """Tell whether a Simplified character is a converter's leftover rather than a Traditional one.

    Characters outside Big5 are never Traditional. Those inside it (于 后 并 云 里…) are Traditional too
    in some words and names, so they count only inside a word of the lexicon (依賴于, 而后, 并存) and
    never in a transliterated foreign name.
    """
    if _in_transliterated_name(text, i):
        return False
    try:
        text[i].encode("big5")
    except UnicodeEncodeError:
        return True
    words = chinese_model()
    return (i > 0 and words.is_word_pair(text[i - 1], text[i])) or (
        i + 1 < len(text) and words.is_word_pair(text[i], text[i + 1])
    )


def _in_transliterated_name(text: str, i: int) -> bool:
    """Tell whether a character is part of a foreign name written with ``·`` (瓦列里·福金)."""
    start = end = i
    while start > 0 and _HAN_RE.match(text[start - 1]):
        start -= 1
    while end < len(text) and _HAN_RE.match(text[end]):
        end += 1
    return text[start - 1 : start] in ("·", "‧") or text[end : end + 1] in ("·", "‧")


def _traditional_form(simplified: str, converted: str, model: _LanguageModel) -> str:
    """Return the Traditional form of a character in the variant this article uses most."""
    converters = _converters()
    forms = {converted, converters["t2tw"].convert(converted), converters["t2hk"].convert(converted)}
    return max(sorted(forms), key=lambda form: (model.counts[form], form == converted))


def _groups(positions: list[int]) -> list[tuple[int, int]]:
    groups: list[tuple[int, int]] = []
    for i in positions:
        if groups and groups[-1][1] == i:
            groups[-1] = (groups[-1][0], i + 1)
        else:
            groups.append((i, i + 1))
    return groups


def _line_warnings(line: _CleanLine, section: int, paragraph: int) -> list[IngestWarning]:
    found = []
    for run in line.runs:
        excerpt = line.text[run.start : run.end]
        if run.kind == "utf8":
            message = (
                f"Repaired automatically: “{run.original}” is UTF-8 text read as GBK; its bytes read "
                f"“{excerpt}”. Check it against the original article."
            )
        elif run.applied:
            message = (
                f"Repaired automatically: “{run.original}” is “{excerpt}” decoded one byte late before a "
                "closing </p>. Check the sentence ends as the author wrote it."
            )
        elif run.proposal and run.partial and _UNKNOWN in run.partial:
            others = "、".join(f"“{alternative}”" for alternative in run.alternatives)
            message = (
                f"Mojibake: “{excerpt}” is GBK text decoded one byte late; the bytes that survived prove "
                f"“{run.partial}” (□ is a character whose byte was lost) and “{run.proposal}” reads best"
                + (f" (other readings: {others})" if others else "")
                + ". Replace it after checking against the original article."
            )
        elif run.proposal:
            message = (
                f"Mojibake: “{excerpt}” is GBK text decoded one byte late; the bytes that survived read "
                f"“{run.proposal}”. Replace it after checking against the original article."
            )
        else:
            message = (
                f"Mojibake: “{excerpt}” is GBK text decoded one byte late and bytes were lost, so it cannot "
                f"be repaired with confidence (best guess: “{run.guess}”). Restore it from the original."
            )
        found.append(
            IngestWarning(
                kind="mojibake",
                section=section,
                paragraph=paragraph,
                excerpt=excerpt,
                proposal=run.proposal,
                start=run.start,
                end=run.end,
                message=message,
                original=run.original or excerpt,
                applied=run.applied,
                guess=run.guess,
                partial=run.partial,
                alternatives=run.alternatives,
            )
        )
    if line.text.startswith("”"):
        found.append(
            IngestWarning(
                kind="stray-quote",
                section=section,
                paragraph=paragraph,
                excerpt="”",
                proposal="“",
                start=0,
                end=1,
                message="The paragraph starts with a closing quotation mark; it probably opens a quote.",
            )
        )
    return found


# --- Rendering --------------------------------------------------------------------------------------------


def render_article(result: IngestResult) -> str:
    """Render a parse result back to raw-article lines, so that parsing it again changes nothing."""
    lines = []
    if result.original_source:
        lines.append(f"原文來源：{result.original_source}")
    if result.image_credit:
        lines.append(f"圖片來源：{result.image_credit}")
    if result.author:
        lines.append(f"作者：{result.author}")
    for section in result.sections:
        if section.heading:
            lines.append(section.heading)
        lines.extend(paragraph.text for paragraph in section.paragraphs)
    lines.extend(text for text in (result.disclaimer, result.notice) if text)
    return "\n".join(lines) + "\n"
