"""Damage clean articles the ways scraped reprints are damaged, and record what ingest must give back.

Every kind the seed shows and every class of issue 13 is placed at random (one `random.Random` per
article and seed, so a case is reproducible from its name):

* inline pinyin readings after Han characters (``業(yè)``);
* flattened punctuation: ``，`` as ``,`` or ``,,``, ``。`` as ``,。``, ``；`` as ``,;``, ``？`` as ``,?`` or
  ``?``, ``：`` as ``:``, ``、`` as ``,、``, ``！`` as ``!``; next to Latin text with spaces (``分離 ,,IDM``);
* ``</p>`` remnants at line ends;
* tails: ``。”`` / ``。」`` before an eaten ``</p>`` garbled to ``?!?/p>``, at the end of a line or in the
  middle of one (two paragraphs joined by the scrape);
* mojibake runs: GBK bytes decoded one byte late (the lost lead byte shown as ``?``, pairs read across
  characters, user-defined pairs dropped, ``！`` flattened to ``!``), realigned by a lone byte shown as
  ``?`` or by an ASCII letter eaten as the last trail byte;
* UTF-8 bytes read as GBK (``妯″瀷`` for ``模型``);
* Simplified characters left in a Traditional article (``依賴于``);
* headings ending in ``!`` or ``?``.

Variants: ``damaged`` (all of the above), ``undamaged`` (the clean text as it is) and ``legit`` (clean
text with ASCII that is meant to be there: URLs, e-mail addresses, versions, decimals, times, ratios,
prices, phone numbers, parenthesised Latin, a Latin question in Chinese quotes), damaged or not.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import opencc
from pypinyin import Style, pinyin

CORPUS = Path(__file__).resolve().parent / "corpus"
TONED = set("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ")

# ASCII that is meant to be there, as a Traditional sentence (converted for Simplified articles), and the
# exact part of it that must survive.
LEGIT_ASCII = [
    ("詳情見https://example.com/news?id=42&lang=zh，歡迎查閱。", "https://example.com/news?id=42&lang=zh"),
    ("聯絡信箱為press@example.com，歡迎來信。", "press@example.com"),
    ("該公司的客服採用GPT-3.5模型。", "GPT-3.5"),
    ("成本因此下降了1.5%。", "1.5%"),
    ("發布會定於上午10:30開始。", "10:30"),
    ("新機的螢幕比例為16:9。", "16:9"),
    ("這款筆電的售價為NT$29,900。", "NT$29,900"),
    ("客服電話為02-2345-6789。", "02-2345-6789"),
    ("大型語言模型(Large Language Model)正快速發展。", "(Large Language Model)"),
    ("海報上寫著“Are you ready?”幾個大字。", "“Are you ready?”"),
]


@dataclass
class Span:
    """A damaged stretch of an expected paragraph: where it is and what it stood for."""

    kind: str  # "mojibake", "utf8-gbk" or "script"
    start: int
    end: int
    damaged: str
    original: str
    lossless: bool = True  # every byte of the original survived


@dataclass
class Paragraph:
    text: str  # what ingest must return (mojibake runs kept verbatim)
    spans: list[Span] = field(default_factory=list)
    legit: list[str] = field(default_factory=list)
    tail: str | None = None  # the closing the garbled tail must become


@dataclass
class Case:
    name: str
    variant: str
    script: str
    raw: str
    blocks: list[tuple[str, object]]  # ("heading", str) or ("paragraph", Paragraph)

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [block for kind, block in self.blocks if kind == "paragraph"]

    @property
    def headings(self) -> list[str]:
        return [block for kind, block in self.blocks if kind == "heading"]


@cache
def converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


SPLITS = ("dev", "held-out")


def load_corpus(split: str | None = None) -> list[dict]:
    """Return the corpus's articles, or those of one split (``dev`` or ``held-out``)."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    articles = []
    for entry in manifest["articles"]:
        if split is not None and entry["split"] != split:
            continue
        lines = (CORPUS / entry["file"]).read_text(encoding="utf-8").splitlines()
        blocks = [
            ("heading", line[2:]) if line.startswith("# ") else ("paragraph", line) for line in lines if line
        ]
        articles.append({**entry, "blocks": blocks})
    return articles


# --- GBK read one byte late ---------------------------------------------------------------------------


def _gbk(ch: str) -> bytes | None:
    try:
        return ch.encode("gbk")
    except UnicodeEncodeError:
        return None


def _pair(lead: int, trail: int) -> str | None:
    if trail < 0x40 or trail == 0x7F or trail == 0xFF:
        return None
    try:
        ch = bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return None
    return ch if len(ch) == 1 else None


def garble(text: str, start: int, length: int, rng: random.Random) -> tuple[str, int, bool] | None:
    """Return (damaged run, end in text, lossless) for the run starting at text[start], or None."""
    encoded: list[int] = []
    boundaries: dict[int, int] = {}
    for index in range(start, len(text)):
        boundaries[len(encoded)] = index
        data = _gbk(text[index])
        if data is None:
            break
        encoded.extend(data)
    boundaries[len(encoded)] = min(len(text), start + len(boundaries) - 1)
    if len(_gbk(text[start]) or b"") != 2:
        return None
    out = ["?"]  # the lead byte of the first character is lost
    lossless = True
    i = 1
    target = start + length
    while i < len(encoded):
        here = boundaries.get(i)
        if here is not None:
            break  # realigned at a character boundary by a lone byte or an eaten ASCII trail
        byte = encoded[i]
        if byte < 0x80:
            out.append(chr(byte))
            i += 1
            continue
        next_boundary = boundaries.get(i + 1)
        if next_boundary is not None and next_boundary >= target:
            # One byte is left of the last character: a lone byte, or the lead of an eaten ASCII trail.
            follower = encoded[i + 1] if i + 1 < len(encoded) else None
            if follower is not None and 0x40 <= follower <= 0x7E and rng.random() < 0.5:
                ch = _pair(byte, follower)
                if ch and not ("\ue000" <= ch <= "\uf8ff"):
                    out.append(ch)
                    i += 2
                    break
            out.append("?")  # the last character's trail byte is lost, as always at the end of a run
            i += 1
            break
        if i + 1 >= len(encoded):
            out.append("?")
            lossless = False
            i += 1
            break
        ch = _pair(byte, encoded[i + 1])
        if ch is None:
            out.append("?")
            lossless = False
            i += 1
            continue
        if "\ue000" <= ch <= "\uf8ff":
            lossless = False  # a user-defined character: dropped with its two bytes
        else:
            out.append("!" if ch == "！" else ch)
        i += 2
    end = boundaries.get(i)
    if end is None or end <= start + 1:
        return None
    run = "".join(out)
    if run.count("?") < 1 or len(run) < 2:
        return None
    return run, end, lossless


def utf8_as_gbk(original: str) -> str | None:
    """Return UTF-8 bytes read as GBK, or None when they do not read back cleanly."""
    data = original.encode("utf-8")
    try:
        text = data.decode("gbk")
    except UnicodeDecodeError:
        return None
    if any("\ue000" <= ch <= "\uf8ff" or ord(ch) < 0x80 for ch in text):
        return None
    return text


# --- The generator --------------------------------------------------------------------------------------

_FLAT = {
    "，": [",", ",,"],
    "。": [",。"],
    "；": [",;"],
    "？": [",?", "?"],
    "：": [":"],
    "、": [",、"],
    "！": ["!"],
}
_SPACED_COMMAS = [" ,,", ", ", " , "]
_HAN = range(0x4E00, 0xA000)


def _is_han(ch: str) -> bool:
    return ord(ch) in _HAN


def _reading(ch: str) -> str | None:
    syllable = pinyin(ch, style=Style.TONE, heteronym=False)[0][0]
    if not any(letter in TONED for letter in syllable) or not syllable.isalpha():
        return None
    return f"({syllable})"


def _insert_legit(paragraphs: list[str], script: str, rng: random.Random) -> list[tuple[int, str]]:
    """Append legit-ASCII sentences to random paragraphs; return (paragraph, kept part) pairs."""
    inserted = []
    for sentence, kept in rng.sample(LEGIT_ASCII, k=4):
        if script == "zh-Hans":
            sentence, kept = converter("t2s").convert(sentence), converter("t2s").convert(kept)
        index = rng.randrange(len(paragraphs))
        paragraphs[index] += sentence
        inserted.append((index, kept))
    return inserted


def _protected(text: str, kept: list[str]) -> set[int]:
    positions: set[int] = set()
    for part in kept:
        at = text.find(part)
        while at != -1:
            positions.update(range(at, at + len(part)))
            at = text.find(part, at + 1)
    return positions


def _damage_paragraph(text: str, kept: list[str], script: str, rng: random.Random) -> tuple[str, Paragraph]:
    """Return (raw line, expected paragraph) for one clean paragraph."""
    protected = _protected(text, kept)
    chosen: list[tuple[int, int, str, Span | None]] = []  # (start, end, replacement, span)

    def free(start: int, end: int) -> bool:
        if any(i in protected for i in range(start - 1, end + 1)):
            return False
        return all(end <= s or start >= e for s, e, _r, _sp in chosen)

    # Mojibake runs.
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        for _attempt in range(8):
            start = rng.randrange(len(text))
            length = rng.randint(2, 8)
            if not free(start, start + length + 1):
                continue
            garbled = garble(text, start, length, rng)
            if garbled is None:
                continue
            run, end, lossless = garbled
            if not free(start, end) or "\n" in run:
                continue
            chosen.append((start, end, run, Span("mojibake", 0, 0, run, text[start:end], lossless)))
            break
    # UTF-8 read as GBK.
    if rng.random() < 0.15:
        for _attempt in range(8):
            start = rng.randrange(len(text))
            length = rng.randint(2, 4)
            piece = text[start : start + length]
            if len(piece) < 2 or not all(_is_han(ch) for ch in piece) or not free(start, start + length):
                continue
            read = utf8_as_gbk(piece)
            if read is None:
                continue
            chosen.append((start, start + length, read, Span("utf8-gbk", 0, 0, read, piece)))
            break
    # Simplified characters left in a Traditional article.
    if script == "zh-Hant" and rng.random() < 0.3:
        candidates = [
            i
            for i, ch in enumerate(text)
            if _is_han(ch) and converter("t2s").convert(ch) != ch and free(i, i + 1)
        ]
        if candidates:
            i = rng.choice(candidates)
            simple = converter("t2s").convert(text[i])
            chosen.append((i, i + 1, simple, Span("script", 0, 0, simple, text[i])))

    # Build the raw line and the expected text; other damage goes between the chosen spans.
    chosen.sort()
    raw: list[str] = []
    expected: list[str] = []
    spans: list[Span] = []
    cursor = 0
    for start, end, replacement, span in [*chosen, (len(text), len(text), "", None)]:
        plain = text[cursor:start]
        raw.append(_flatten(plain, text, cursor, protected, rng))
        expected.append(plain)
        if span is not None:
            at = sum(map(len, expected))
            raw.append(replacement)
            if span.kind == "utf8-gbk":
                expected.append(span.original)  # repaired in place: every byte survived
                span.start, span.end = at, at + len(span.original)
            else:
                expected.append(replacement)  # kept verbatim until an editor decides
                span.start, span.end = at, at + len(replacement)
            spans.append(span)
        cursor = end
    return "".join(raw), Paragraph("".join(expected), spans, list(kept))


def _flatten(plain: str, text: str, offset: int, protected: set[int], rng: random.Random) -> str:
    out = []
    for i, ch in enumerate(plain):
        position = offset + i
        if position in protected:
            out.append(ch)
            continue
        if ch in _FLAT and rng.random() < 0.45:
            before = text[position - 1 : position]
            after = text[position + 1 : position + 2]
            latin = (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum())
            if ch == "，" and latin and rng.random() < 0.6:
                out.append(rng.choice(_SPACED_COMMAS))
            else:
                out.append(rng.choice(_FLAT[ch]))
            continue
        out.append(ch)
        if _is_han(ch) and rng.random() < 0.06:
            reading = _reading(ch)
            if reading:
                out.append(reading)
    return "".join(out)


def make_case(article: dict, seed: int, variant: str) -> Case:
    """Return one case of an article: `damaged`, `undamaged` or `legit` (legit ASCII, then damaged)."""
    rng = random.Random(f"{article['file']}:{seed}:{variant}")
    script = article["script"]
    blocks = list(article["blocks"])
    texts = [text for kind, text in blocks if kind == "paragraph"]
    legit = _insert_legit(texts, script, rng) if variant in ("legit", "legit-undamaged") else []
    kept_by_paragraph: dict[int, list[str]] = {}
    for index, kept in legit:
        kept_by_paragraph.setdefault(index, []).append(kept)

    raw_lines: list[str] = []
    expected: list[tuple[str, object]] = []
    paragraph_index = 0
    pending_join = False
    for kind, text in blocks:
        if kind == "heading":
            pending_join = False
            heading = text
            if variant in ("damaged", "legit") and rng.random() < 0.4:
                heading = text + "！"  # a heading that exclaims
            expected.append(("heading", heading))
            raw_lines.append(_flatten_heading(heading, rng) if variant in ("damaged", "legit") else heading)
            continue
        text = texts[paragraph_index]
        kept = kept_by_paragraph.get(paragraph_index, [])
        paragraph_index += 1
        if variant in ("undamaged", "legit-undamaged"):
            raw_lines.append(text)
            expected.append(("paragraph", Paragraph(text, [], kept)))
            continue
        closing = None
        body = text
        if text.endswith(("。”", "。」")) and rng.random() < 0.7:
            closing = text[-2:]
            body = text[:-2]
        line, paragraph = _damage_paragraph(body, kept, script, rng)
        if closing:
            line += "?!?/p>"
            paragraph.text += closing
            paragraph.tail = closing
        elif rng.random() < 0.4:
            line += "</p>"
        if pending_join:
            raw_lines[-1] += line  # the scrape joined this paragraph onto the previous line
        else:
            raw_lines.append(line)
        pending_join = bool(closing) and rng.random() < 0.35
        expected.append(("paragraph", paragraph))
    name = f"{article['file'].removesuffix('.txt')}/{variant}/{seed}"
    return Case(name, variant, script, "\n".join(raw_lines) + "\n", expected)


def _flatten_heading(heading: str, rng: random.Random) -> str:
    out = []
    for ch in heading:
        if ch in "，？！" and rng.random() < 0.6:
            out.append({"，": ",,", "？": "?", "！": "!"}[ch])
        else:
            out.append(ch)
    return "".join(out)


def make_cases(seeds: range, split: str | None = None) -> list[Case]:
    cases = []
    for article in load_corpus(split):
        cases.append(make_case(article, 0, "undamaged"))
        cases.append(make_case(article, 0, "legit-undamaged"))
        for seed in seeds:
            cases.append(make_case(article, seed, "damaged"))
            cases.append(make_case(article, seed, "legit"))
    return cases
