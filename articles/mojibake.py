"""Tell shifted GBK bytes from Chinese, and find UTF-8 text that was read as GBK.

Pure: imports nothing from Django. Two questions the ingest pipeline asks about a stretch of text:

* **Is this a run of GBK bytes decoded one byte late?** Such a run reads as characters that follow each
  other in no word, while the same bytes read one byte earlier give ordinary text. Both readings are
  scored with a character and word model of Chinese (``ChineseModel``: how often each character occurs,
  and which two-character sequences are words or parts of words), and the run is suspected when the
  earlier reading is much the more probable.
* **Is this UTF-8 read as GBK?** (``妯″瀷`` for ``模型``.) Re-encoding the stretch as GBK gives back the
  UTF-8 bytes exactly; when they decode to Chinese that the model prefers, the original is proven.

The lexicon is jieba's dictionary file (words and their corpus frequencies), read once per process on first
use; jieba's segmenter is never loaded.
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections import Counter
from functools import cache
from itertools import pairwise
from pathlib import Path

import opencc

_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# The marks a shifted run may read back to; anything else that decodes is rare in running text.
_PUNCT = "，。、；：？！“”‘’《》「」（）"
# How often each mark occurs among the characters of Chinese news text (about one in seven is a mark).
PUNCTUATION_SHARE = {
    "，": 0.055,
    "。": 0.028,
    "、": 0.01,
    "“": 0.006,
    "”": 0.006,
    "「": 0.003,
    "」": 0.003,
    "：": 0.004,
    "；": 0.002,
    "？": 0.002,
    "！": 0.001,
    "（": 0.002,
    "）": 0.002,
    "《": 0.002,
    "》": 0.002,
    "‘": 0.0005,
    "’": 0.0005,
}
_LONGEST_WORD = 6


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def _simplified(ch: str) -> str:
    return _t2s().convert(ch)


@cache
def _words() -> dict[str, int]:
    """Return jieba's dictionary: each word (in its own script, mostly simplified) and its frequency."""
    words: dict[str, int] = {}
    with _lexicon_path().open(encoding="utf-8") as lexicon:
        for entry in lexicon:
            word, frequency = entry.split(" ", 2)[:2]
            words[word] = int(frequency)
    return words


@cache
def _phrases() -> tuple[Counter, Counter]:
    """Return (how often each character occurs in running text, how often each pair occurs inside words).

    Both come from jieba's dictionary (349,000 words with their frequencies in a large corpus, MIT):
    a character's frequency is the sum of the frequencies of the words it is in, and a pair's the sum of
    the frequencies of the words it is part of.
    """
    counts: Counter = Counter()
    pairs: Counter = Counter()
    for word, weight in _words().items():
        for ch in word:
            counts[ch] += weight
        for i in range(len(word) - 1):
            pairs[word[i : i + 2]] += weight
    return counts, pairs


def _lexicon_path() -> Path:
    # The dictionary file alone: importing jieba would set up its segmenter, which is not needed here.
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("jieba is not installed; it ships the word list the mojibake checks use")
    return Path(spec.origin).parent / "dict.txt"


class ChineseModel:
    """A character and word model of Chinese: log-probabilities of characters and of adjacent pairs."""

    def __init__(self) -> None:
        self.counts, self.pairs = _phrases()
        self.total = sum(self.counts.values())
        self._char: dict[str, float] = {}
        self._word_total: float | None = None
        self._continued: Counter = Counter()
        for pair, weight in self.pairs.items():
            self._continued[pair[0]] += weight

    def char(self, ch: str) -> float:
        """Return the log-probability of a character in running text."""
        if ch not in self._char:
            if ch in _PUNCT:
                value = math.log(0.02)
            elif _HAN_RE.match(ch):
                simple = _simplified(ch)
                value = math.log((self.counts[simple] + 0.1) / self.total)
            else:
                value = math.log(1e-9)  # symbols, box drawing, kana, bopomofo: the marks of shifted bytes
            self._char[ch] = value
        return self._char[ch]

    def frequency(self, ch: str) -> float:
        """Return how often a Han character occurs among Han characters (0 for anything else)."""
        return self.counts.get(_simplified(ch), 0) / self.total if _HAN_RE.match(ch) else 0.0

    def within_word(self, a: str, b: str) -> tuple[float, float]:
        """Return (P(b follows a inside a word), P(a ends its word)), from the lexicon's frequencies."""
        simple = _simplified(a)
        seen = self.counts.get(simple, 0)
        if not seen:
            return 0.0, 1.0
        inside = self.pairs.get(simple + _simplified(b), 0) / seen
        return inside, max(0.0, 1.0 - self._continued.get(simple, 0) / seen)

    def segmentation(self, text: str) -> float:
        """Return the log-probability of the likeliest split of a stretch into words of the lexicon.

        A unigram word model, as jieba's segmenter uses: a character that is no word on its own costs what
        the rarest word does, a mark what its share of running text says.
        """
        words = _words()
        if self._word_total is None:
            self._word_total = math.log(sum(words.values()))
        floor = -self._word_total
        simple = "".join(map(_simplified, text))
        best = [0.0] + [-math.inf] * len(simple)
        for end in range(1, len(simple) + 1):
            ch = simple[end - 1]
            if ch in PUNCTUATION_SHARE or not _HAN_RE.match(ch):
                single = math.log(PUNCTUATION_SHARE.get(ch, 0.001))
            else:
                single = math.log(words.get(ch, 0) + 1) - self._word_total
            score = best[end - 1] + max(single, floor)
            for start in range(max(0, end - _LONGEST_WORD), end - 1):
                frequency = words.get(simple[start:end])
                if frequency:
                    score = max(score, best[start] + math.log(frequency) - self._word_total)
            best[end] = score
        return best[-1]

    def is_word_pair(self, a: str, b: str) -> bool:
        return _simplified(a) + _simplified(b) in self.pairs

    def score(self, text: str) -> float:
        """Return the log-probability of a stretch: characters, plus a bonus for each pair in a word."""
        total = sum(self.char(ch) for ch in text)
        total += sum(4.0 for a, b in pairwise(text) if self.is_word_pair(a, b))
        return total


@cache
def chinese_model() -> ChineseModel:
    return ChineseModel()


def _gbk(ch: str) -> bytes | None:
    if ch == "!":
        return b"\xa3\xa1"  # the flattened full-width exclamation mark
    try:
        data = ch.encode("gbk")
    except UnicodeEncodeError:
        return None
    return data if len(data) == 2 else None


@cache
def decode_pair(lead: int, trail: int) -> str | None:
    """Return the character two GBK bytes stand for, or None."""
    try:
        ch = bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return None
    return ch if len(ch) == 1 and not ("\ue000" <= ch <= "\uf8ff") else None


def earlier_reading(body: str) -> str | None:
    """Return the characters a shifted body proves when read one byte earlier (its inner pairs)."""
    stream: list[int] = []
    for ch in body:
        data = _gbk(ch)
        if data is None:
            return None
        stream.extend(data)
    out = []
    for i in range(1, len(stream) - 1, 2):
        ch = decode_pair(stream[i], stream[i + 1])
        if ch is None:
            return None
        out.append(ch)
    return "".join(out)


def shift_evidence(body: str) -> float:
    """Return how much more probable the earlier reading of a body is than the body as it stands.

    Positive means the body reads better one byte earlier: evidence of a shifted run. The first and the
    last character of the original are left out: their lost bytes are not part of either reading.
    """
    earlier = earlier_reading(body)
    if earlier is None:
        return -math.inf
    model = chinese_model()
    as_is = model.score(body.replace("!", "！"))
    # The earlier reading has one character fewer than the body; compare per character.
    if not earlier:
        return -math.inf
    return model.score(earlier) / len(earlier) - as_is / len(body)


# --- UTF-8 read as GBK -----------------------------------------------------------------------------------

_CANDIDATE_RE = re.compile("[\u0080-\uffff]{2,}")
# How much better per character the UTF-8 reading must score than the stretch as it stands.
_UTF8_EVIDENCE = 1.0
# The longest stretch looked at, in GBK characters (three of them carry two Chinese characters).
_LONGEST_UTF8_STRETCH = 24


def utf8_read_as_gbk(line: str) -> list[tuple[int, int, str]]:
    """Return (start, end, original) for each stretch of a line that is UTF-8 read as GBK."""
    found = []
    model = chinese_model()
    for match in _CANDIDATE_RE.finditer(line):
        stretch = match.group()
        start = 0
        while start < len(stretch) - 1:
            best = None
            # UTF-8 of a Chinese character starts with E3-E9: a stretch can only start on such a byte.
            lead = _gbk(stretch[start])
            if lead is None or not 0xE3 <= lead[0] <= 0xE9:
                start += 1
                continue
            for end in range(min(len(stretch), start + _LONGEST_UTF8_STRETCH), start + 1, -1):
                piece = stretch[start:end]
                original = _as_utf8(piece)
                if original is None or not all(_HAN_RE.match(ch) for ch in original):
                    continue
                if model.score(original) / len(original) - model.score(piece) / len(piece) > _UTF8_EVIDENCE:
                    best = (match.start() + start, match.start() + end, original)
                    break
            if best:
                found.append(best)
                start = best[1] - match.start()
            else:
                start += 1
    return found


def _as_utf8(piece: str) -> str | None:
    try:
        data = piece.encode("gbk")
    except UnicodeEncodeError:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
