"""Score parse results against what the damage generator says ingest must give back."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .damage import Case, Paragraph

UNKNOWN = "□"


@dataclass
class Tally:
    """Counts over many cases; each figure is (hits, total)."""

    counts: Counter = field(default_factory=Counter)
    failures: dict[str, list[str]] = field(default_factory=dict)

    def add(self, figure: str, hit: bool, example: str = "") -> None:
        self.counts[(figure, "total")] += 1
        if hit:
            self.counts[(figure, "hits")] += 1
        elif example:
            self.failures.setdefault(figure, [])
            if len(self.failures[figure]) < 5:
                self.failures[figure].append(example)

    def count(self, figure: str, amount: int = 1) -> None:
        self.counts[(figure, "hits")] += amount

    def ratio(self, figure: str) -> tuple[int, int]:
        return self.counts[(figure, "hits")], self.counts[(figure, "total")]


def _pattern(paragraph: Paragraph) -> re.Pattern:
    """Match the expected paragraph with every mojibake run's content left open."""
    pieces = []
    cursor = 0
    for span in sorted(paragraph.spans, key=lambda s: s.start):
        if span.kind != "mojibake":
            continue
        pieces.append(re.escape(paragraph.text[cursor : span.start]))
        pieces.append("(.*?)")
        cursor = span.end
    pieces.append(re.escape(paragraph.text[cursor:]))
    return re.compile("".join(pieces), re.DOTALL)


def _warnings_of(result) -> list:
    found = list(result.warnings)
    found.extend(getattr(result, "script_warnings", ()))
    return found


def _proposal_matches(proposal: str | None, original: str) -> bool:
    """Tell whether a proposal agrees with the original, reading □ as a character the bytes lost."""
    if proposal is None or len(proposal) != len(original):
        return False
    return all(p in (o, UNKNOWN) for p, o in zip(proposal, original, strict=True))


def score_case(case: Case, result, tally: Tally) -> None:
    actual = [
        (s, p, paragraph.text)
        for s, section in enumerate(result.sections)
        for p, paragraph in enumerate(section.paragraphs)
    ]
    headings = [section.heading for section in result.sections if section.heading]
    warnings = _warnings_of(result)
    undamaged = case.variant in ("undamaged", "legit-undamaged")
    if undamaged:
        tally.add("undamaged warnings", not warnings, f"{case.name}: {[w.excerpt for w in warnings][:3]}")
        tally.add(
            "undamaged unchanged",
            [t for _s, _p, t in actual] == [p.text for p in case.paragraphs] and headings == case.headings,
            case.name,
        )
    for heading in case.headings:
        tally.add("headings", heading in headings, f"{case.name}: {heading!r} not in {headings}")
        if heading.endswith("！"):
            tally.add("headings ending in ！", heading in headings, f"{case.name}: {heading!r}")

    explained: set[int] = set()
    cursor = 0
    for expected in case.paragraphs:
        pattern = _pattern(expected)
        match = None
        for j in range(cursor, min(cursor + 3, len(actual))):
            match = pattern.fullmatch(actual[j][2])
            if match:
                cursor = j + 1
                break
        tally.add(
            "paragraphs exact outside runs",
            match is not None,
            f"{case.name}: {expected.text[:60]!r} vs "
            f"{actual[cursor][2][:60] if cursor < len(actual) else None!r}",
        )
        if match is None:
            for span in expected.spans:
                if span.kind == "mojibake" and len(span.original) >= 2:
                    tally.add(
                        "runs flagged (exact boundaries)", False, f"{case.name}: {span.damaged!r} (paragraph)"
                    )
                elif span.kind == "utf8-gbk":
                    tally.add("UTF-8-as-GBK repaired", False, f"{case.name}: {span.damaged!r} (paragraph)")
                elif span.kind == "script":
                    tally.add(
                        "script warnings (OpenCC proposal)",
                        False,
                        f"{case.name}: {span.damaged!r} (paragraph)",
                    )
            for kept in expected.legit:
                tally.add(
                    "legit ASCII preserved", any(kept in t for _s, _p, t in actual), f"{case.name}: {kept}"
                )
            if expected.tail:
                tally.add("tails closed right", False, f"{case.name}: {expected.text[-12:]!r}")
            continue
        s, p, text = actual[cursor - 1]
        here = [w for w in warnings if (w.section, w.paragraph) == (s, p)]
        for kept in expected.legit:
            tally.add("legit ASCII preserved", kept in text, f"{case.name}: {kept}")
        if expected.tail:
            tally.add("tails closed right", text.endswith(expected.tail), f"{case.name}: {text[-12:]!r}")
        group = 0
        for span in sorted(expected.spans, key=lambda sp: sp.start):
            if span.kind == "mojibake":
                group += 1
                start, end = match.span(group)
                kept_verbatim = text[start:end] == span.damaged
                warning = next(
                    (w for w in here if w.kind == "mojibake" and (w.start, w.end) == (start, end)), None
                )
                if len(span.original) >= 2:
                    tally.add(
                        "runs flagged (exact boundaries)",
                        warning is not None and kept_verbatim,
                        f"{case.name}: {span.damaged!r} for {span.original!r} "
                        f"in {text[max(0, start - 6) : end + 6]!r}",
                    )
                if warning is not None:
                    explained.add(id(warning))
                    if span.lossless:
                        tally.add(
                            "exact proposals (bytes allow)",
                            warning.proposal == span.original,
                            f"{span.damaged!r}: {warning.proposal!r}/{warning.guess!r} for {span.original!r}",
                        )
                    tally.add(
                        "proven readings consistent (□ = lost)",
                        _proposal_matches(getattr(warning, "partial", None), span.original),
                        f"{span.damaged!r}: {getattr(warning, 'partial', None)!r} for {span.original!r}",
                    )
                    tally.add(
                        "original among the ranked readings",
                        span.original in (warning.proposal, *getattr(warning, "alternatives", ())),
                        f"{span.damaged!r}: {warning.proposal!r} {getattr(warning, 'alternatives', ())!r} "
                        f"for {span.original!r}",
                    )
            elif span.kind == "utf8-gbk":
                warning = next((w for w in here if w.start <= span.start and span.end <= w.end), None)
                if warning is not None:
                    explained.add(id(warning))
                tally.add(
                    "UTF-8-as-GBK repaired",
                    text[span.start : span.end] == span.original and warning is not None,
                    f"{case.name}: {span.damaged!r} for {span.original!r}",
                )
            elif span.kind == "script":
                warning = next(
                    (w for w in here if w.kind == "script" and w.start <= span.start and span.end <= w.end),
                    None,
                )
                if warning is not None:
                    explained.add(id(warning))
                offset = span.start - warning.start if warning else 0
                tally.add(
                    "script warnings (OpenCC proposal)",
                    warning is not None
                    and text[span.start : span.end] == span.damaged
                    and (warning.proposal or "")[offset : offset + 1] == span.original,
                    f"{case.name}: {span.damaged!r} for {span.original!r}",
                )
        for w in here:
            if (
                w.applied
                and w.kind == "mojibake"
                and expected.tail
                and w.start >= len(text) - len(expected.tail)
            ):
                explained.add(id(w))
    if not undamaged:
        spurious = [w for w in warnings if id(w) not in explained and not _tail_warning(w)]
        tally.add(
            "damaged cases without spurious warnings",
            not spurious,
            f"{case.name}: {[w.excerpt for w in spurious][:4]}",
        )


def _tail_warning(warning) -> bool:
    return bool(warning.applied and warning.original and warning.original.endswith("/p>"))
