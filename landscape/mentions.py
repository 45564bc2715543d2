"""Keep mentions on the names they cover when paragraphs are edited, split, merged or deleted.

A mention covers its `text` exactly, or nothing: an approximate match is another text. Whenever a
paragraph is saved (admin, services, the shell) or deleted, the services here re-place its mentions the way
`articles.annotations` re-places annotations, with the same anchoring (`articles.anchoring`: a selector
with context cut from the text the mention stood in, `reanchor`, `context_agreement`) and the same rule for
moving to another paragraph (`REHOME_CONTEXT`, `REHOME_LONG_QUOTE`):

- a mention whose text still sits at its offsets stays;
- one the edit moved is placed at the occurrence of its text that kept the most of its old context;
- one whose text left the paragraph moves to the article's paragraph that now holds it with enough of its
  old context (the paragraph was split, or merged into another);
- a decided (confirmed or rejected) mention that cannot be placed, or only ambiguously, loses its paragraph
  and needs review: it stays on its article (`unplaced_in`) with the context it had and the reason, and a
  confirmed one is back to suggested, so that nothing shows it anywhere until it is placed again;
- a suggestion that cannot be placed is deleted: detection (`mentions_detect`) suggests the name again
  wherever it stands;
- a new or edited paragraph adopts the article's mentions needing review that it now holds with their old
  context (the second half of a split, saved after the first), and each takes back its decision.

A paragraph's deletion keeps its decided mentions the same way; its suggestions, and all its mentions when
the whole article goes, are deleted with it (`landscape.models.keep_decided_mentions`). The signal receivers
at the bottom only call these services; raw saves are skipped, and a restore re-checks the articles it
brought back (`mentions_reattach_restored`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from articles.anchoring import Selector, context_agreement, make_selector, reanchor
from articles.annotations import REHOME_CONTEXT, REHOME_LONG_QUOTE, paragraphs_deleted_with, text_before_save
from articles.models import Article, Paragraph, Section
from core.versioning import after_restore

from .models import Mention

Reason = Mention.ReviewReason

# Spans beyond any paragraph's end, where mentions wait while others move onto the spans they leave.
_PARKING = 2**30

_PLACEMENT_FIELDS = [
    "paragraph",
    "start",
    "end",
    "status",
    "unplaced_in",
    "review_reason",
    "status_before_review",
    "context_before",
    "context_after",
]


@dataclass
class MentionsResult:
    """What became of the mentions a paragraph's edit or deletion concerned, by outcome."""

    kept: int = 0
    moved: int = 0  # to another place in their paragraph
    rehomed: int = 0  # to another paragraph of the article
    adopted: int = 0  # needed review, and a paragraph holds their text again
    unplaced: int = 0  # need review now
    dropped: int = 0  # suggestions deleted


@dataclass(frozen=True, slots=True)
class _Found:
    selector: Selector
    agreement: int
    ambiguous: bool


def _occurrences(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _find(old: Selector, text: str, *, where_it_stood: bool) -> _Found | None:
    """Find the mention's exact text in `text`, at the occurrence that kept the most of its old context.

    `where_it_stood` says the text is its own paragraph's, edited: there its old position wins a tie, for
    nothing moved it. Anywhere else a tie is a guess.
    """
    # Only the exact text will do, so reanchor's approximate matching is never wanted (nor paid for).
    if not old.exact or old.exact not in text:
        return None
    chosen = reanchor(old, text)
    if chosen is None or chosen.exact != old.exact:
        return None
    size = len(old.exact)
    agreement = {at: context_agreement(old, text, at, at + size) for at in _occurrences(text, old.exact)}
    best = max(agreement.values())
    tops = [at for at, agreed in agreement.items() if agreed == best]
    at, stayed = chosen.start, where_it_stood and chosen.start == old.start
    if agreement[at] < best:
        # reanchor keeps a position still holding the words, but the old context stands around another
        # occurrence now: the edit moved the mention there (another name took its place).
        at, stayed = tops[0], False
    return _Found(make_selector(text, at, at + size), best, ambiguous=len(tops) > 1 and not stayed)


def _selector_in(text: str | None, mention: Mention) -> Selector:
    """Return the mention's selector in the text it stood in, with the context cut from that text."""
    if text is not None and mention.matches(text):
        return make_selector(text, mention.start, mention.end)
    # Already off its text, or that text is unknown: only its words and old position are left to go on.
    return Selector(mention.text, "", "", mention.start, mention.end)


def _waiting_selector(mention: Mention) -> Selector:
    """Return the selector of a mention needing review, with the context it had when it lost its place."""
    return Selector(mention.text, mention.context_before, mention.context_after, mention.start, mention.end)


def _span(mention: Mention) -> tuple[int | None, int, int]:
    return (mention.paragraph_id, mention.start, mention.end)


class _Settlement:
    """Decide in memory where an article's mentions go, then write it in an order the unique span allows."""

    def __init__(self, article_id: int | None):
        self.article_id = article_id
        self.taken: dict[tuple[int | None, int, int], Mention] = {}  # the spans held once settled
        self.was: dict[int, tuple[int | None, int, int]] = {}  # where each mention decided on stands now
        self.outcome: dict[int, str] = {}
        self.mentions: dict[int, Mention] = {}

    def hold(self, mentions) -> None:
        """Note mentions that stay where they are, so that none is moved onto their spans."""
        for mention in mentions:
            self.taken[_span(mention)] = mention

    def _decide(self, mention: Mention, outcome: str) -> None:
        self.was.setdefault(mention.pk, _span(mention))
        self.mentions[mention.pk] = mention
        self.outcome[mention.pk] = outcome

    def _place(self, mention: Mention, paragraph_id: int, selector: Selector, outcome: str) -> None:
        if (
            mention.paragraph_id is None
            and mention.status == Mention.Status.SUGGESTED
            and mention.status_before_review == Mention.Status.CONFIRMED
        ):
            mention.status = Mention.Status.CONFIRMED
        self._decide(mention, outcome)
        mention.paragraph_id, mention.start, mention.end = paragraph_id, selector.start, selector.end
        self.taken[_span(mention)] = mention

    def _drop(self, mention: Mention) -> None:
        self.taken.pop(_span(mention), None)
        self._decide(mention, "dropped")

    def _unplace(self, mention: Mention, old: Selector, reason: str) -> None:
        self._decide(mention, "unplaced")
        if mention.status == Mention.Status.CONFIRMED:
            # Back to a suggestion, so that no page or published version shows it until it is placed again.
            mention.status_before_review = Mention.Status.CONFIRMED
            mention.status = Mention.Status.SUGGESTED
        else:
            mention.status_before_review = mention.status
        mention.paragraph = None
        mention.unplaced_in_id = self.article_id
        mention.review_reason = reason
        mention.context_before, mention.context_after = old.prefix, old.suffix

    def settle_paragraph(
        self, paragraph_id: int, text: str, mentions: list[Mention], old_text: str | None
    ) -> list[tuple[Mention, Selector, str]]:
        """Place a paragraph's mentions in its text; return the decided ones it no longer holds, and why."""
        placeable, homeless = [], []
        for mention in mentions:
            old = _selector_in(old_text, mention)
            found = _find(old, text, where_it_stood=True)
            if found is None:
                homeless.append((mention, old, Reason.TEXT_GONE))
            elif found.ambiguous:
                homeless.append((mention, old, Reason.AMBIGUOUS))
            else:
                stayed = (found.selector.start, found.selector.end) == (mention.start, mention.end)
                placeable.append((mention, old, found.selector, found.agreement, stayed))
        # Two mentions may land on one occurrence: a decision before a suggestion, then the one that kept
        # more of its context there, then the one that did not move.
        placeable.sort(key=lambda c: (c[0].status == Mention.Status.SUGGESTED, -c[3], not c[4], c[0].pk))
        for mention, old, selector, _, stayed in placeable:
            if (paragraph_id, selector.start, selector.end) in self.taken:
                homeless.append((mention, old, Reason.TAKEN))
            else:
                self._place(mention, paragraph_id, selector, "kept" if stayed else "moved")
        decided = []
        for mention, old, reason in homeless:
            if mention.status == Mention.Status.SUGGESTED:
                self._drop(mention)
            else:
                decided.append((mention, old, reason))
        return decided

    def _place_elsewhere(self, mention: Mention, old: Selector, paragraphs: list[Paragraph], outcome: str):
        """Place the mention in the one paragraph holding its text with most of its old context.

        Return None once placed, else why not: a reason, or "" when no paragraph holds it at all.
        Names recur across an article, so a mention moves only where some of its old neighbours came
        along (as an annotation does), and never on its words alone.
        """
        needed = max(1, min(REHOME_CONTEXT, len(old.prefix) + len(old.suffix)))
        best, home, tied = None, None, False
        for paragraph in paragraphs:
            found = _find(old, paragraph.text, where_it_stood=False)
            if found is None or (found.agreement < needed and len(old.exact) < REHOME_LONG_QUOTE):
                continue
            if best is None or found.agreement > best.agreement:
                best, home, tied = found, paragraph, found.ambiguous
            elif found.agreement == best.agreement:
                tied = True
        if best is None:
            return ""
        if tied:
            return Reason.AMBIGUOUS
        occupant = self.taken.get((home.pk, best.selector.start, best.selector.end))
        if occupant is not None and occupant is not mention:
            if occupant.status != Mention.Status.SUGGESTED:
                return Reason.TAKEN
            self._drop(occupant)  # a decision outranks a suggestion of the same words
        self._place(mention, home.pk, best.selector, outcome)
        return None

    def rehome(self, mention: Mention, old: Selector, paragraphs: list[Paragraph], reason: str) -> None:
        """Move a mention that left its paragraph to another one holding its text, else set it aside."""
        why = self._place_elsewhere(mention, old, paragraphs, "rehomed")
        if why is not None:
            self._unplace(mention, old, why or reason)

    def adopt(self, mention: Mention, paragraphs: list[Paragraph]) -> None:
        """Place a mention needing review in one of the paragraphs if it holds its text with its context."""
        self._place_elsewhere(mention, _waiting_selector(mention), paragraphs, "adopted")

    def write(self) -> MentionsResult:
        """Write the decisions: drops and mentions set aside first, so that the spans they free are free."""
        result = MentionsResult()
        for outcome in self.outcome.values():
            setattr(result, outcome, getattr(result, outcome) + 1)
        decided = [self.mentions[pk] for pk in sorted(self.outcome)]
        dropped = [m.pk for m in decided if self.outcome[m.pk] == "dropped"]
        if dropped:
            Mention.objects.filter(pk__in=dropped).delete()
        for mention in decided:
            if self.outcome[mention.pk] == "unplaced":
                mention.save(update_fields=_PLACEMENT_FIELDS)
        moving = [
            m
            for m in decided
            if self.outcome[m.pk] in ("moved", "rehomed", "adopted") and _span(m) != self.was[m.pk]
        ]
        leaving = {self.was[m.pk] for m in moving}
        if any(_span(m) in leaving for m in moving):
            # One moves onto a span another one is leaving: park them all out of the text first.
            for offset, mention in enumerate(moving):
                start = _PARKING + 2 * offset
                Mention.objects.filter(pk=mention.pk).update(start=start, end=start + 1)
        for mention in moving:
            mention.save(update_fields=_PLACEMENT_FIELDS)
        return result


def _article_id(paragraph: Paragraph) -> int | None:
    if Paragraph.section.is_cached(paragraph) and paragraph.section.pk == paragraph.section_id:
        return paragraph.section.article_id  # no query when the caller made the paragraph with its section
    return Section.objects.filter(pk=paragraph.section_id).values_list("article_id", flat=True).first()


def _article_paragraphs(article_id: int, *, leaving_out=frozenset()) -> list[Paragraph]:
    """Return the article's paragraphs in reading order, without those left out."""
    paragraphs = (
        Paragraph.objects.filter(section__article_id=article_id)
        .exclude(pk__in=leaving_out)
        .order_by("section__position", "section_id", "position", "pk")
        .only("pk", "text")
    )
    return list(paragraphs)


def _placed_in(paragraphs: list[Paragraph]) -> QuerySet[Mention]:
    return Mention.objects.filter(paragraph__in=[p.pk for p in paragraphs]).order_by("pk")


def mentions_reattach(*, paragraph: Paragraph, old_text: str | None = None) -> MentionsResult:
    """Re-place a paragraph's mentions after its text changed from `old_text`; adopt those it now holds.

    In one query when the paragraph has no mentions and its article none needing review.
    """
    found = list(
        Mention.objects.filter(
            Q(paragraph_id=paragraph.pk) | Q(unplaced_in__sections__paragraphs=paragraph.pk)
        ).order_by("pk")
    )
    if not found:
        return MentionsResult()
    with transaction.atomic():
        settlement = _Settlement(_article_id(paragraph))
        own = [m for m in found if m.paragraph_id == paragraph.pk]
        homeless = settlement.settle_paragraph(paragraph.pk, paragraph.text, own, old_text)
        if homeless:
            others = _article_paragraphs(settlement.article_id, leaving_out={paragraph.pk})
            settlement.hold(_placed_in(others))
            for mention, old, reason in homeless:
                settlement.rehome(mention, old, others, reason)
        for mention in found:
            if mention.pk not in settlement.outcome and mention.paragraph_id is None:
                settlement.adopt(mention, [paragraph])
        return settlement.write()


_UNKNOWN = object()


def mentions_follow_text(*, paragraph: Paragraph, created: bool = False) -> MentionsResult:
    """Re-place the mentions of a paragraph just saved, if it is new or its text changed.

    The text before the save is the one `articles.annotations` remembers in its pre_save receiver (which
    runs before this one), so that a save leaving the text alone costs no query here.
    """
    before = text_before_save(paragraph, _UNKNOWN)
    if not created and before == paragraph.text:
        return MentionsResult()
    old_text = None if created or before is _UNKNOWN else before
    return mentions_reattach(paragraph=paragraph, old_text=old_text)


def _whole_article_goes(origin) -> bool:
    if isinstance(origin, Article):
        return True
    return isinstance(origin, QuerySet) and issubclass(origin.model, Article)


def mentions_detach(*, paragraph: Paragraph, origin=None) -> MentionsResult:
    """Before a paragraph is deleted, move its decided mentions to one holding their text, or set them aside.

    `origin` is what the deletion started from (the pre_delete signal's origin): nothing moves to a
    paragraph deleted in the same operation, and when the whole article goes its mentions go with it.
    """
    if _whole_article_goes(origin):
        return MentionsResult()
    decided = list(
        Mention.objects.filter(paragraph_id=paragraph.pk)
        .exclude(status=Mention.Status.SUGGESTED)
        .order_by("pk")
    )
    if not decided:
        return MentionsResult()
    with transaction.atomic():
        settlement = _Settlement(_article_id(paragraph))
        going = paragraphs_deleted_with(paragraph, origin)
        others = [] if going is None else _article_paragraphs(settlement.article_id, leaving_out=going)
        settlement.hold(_placed_in(others))
        for mention in decided:
            settlement.rehome(
                mention, _selector_in(paragraph.text, mention), others, Reason.PARAGRAPH_DELETED
            )
        return settlement.write()


def mentions_reattach_article(*, article: Article) -> MentionsResult:
    """Check every mention of the article against its paragraph's text, and place those needing review."""
    with transaction.atomic():
        paragraphs = _article_paragraphs(article.pk)
        settlement = _Settlement(article.pk)
        by_paragraph: dict[int, list[Mention]] = defaultdict(list)
        for mention in _placed_in(paragraphs):
            by_paragraph[mention.paragraph_id].append(mention)
        homeless = []
        for paragraph in paragraphs:
            own = by_paragraph.get(paragraph.pk, [])
            homeless += settlement.settle_paragraph(paragraph.pk, paragraph.text, own, None)
        for mention, old, reason in homeless:
            others = [p for p in paragraphs if p.pk != mention.paragraph_id]
            settlement.rehome(mention, old, others, reason)
        for mention in Mention.objects.filter(unplaced_in=article).order_by("pk"):
            settlement.adopt(mention, paragraphs)
        return settlement.write()


def mentions_reattach_restored(objects: list[models.Model]) -> list[str]:
    """Re-place the mentions of every article a restore brought text back to; warn of those needing review."""
    article_ids, section_ids = set(), set()
    for obj in objects:
        if isinstance(obj, Article):
            article_ids.add(obj.pk)
        elif isinstance(obj, Section):
            article_ids.add(obj.article_id)
        elif isinstance(obj, Paragraph):
            section_ids.add(obj.section_id)
    if section_ids:
        article_ids |= set(Section.objects.filter(pk__in=section_ids).values_list("article_id", flat=True))
    unplaced = sum(
        mentions_reattach_article(article=article).unplaced
        for article in Article.objects.filter(pk__in=article_ids).order_by("pk")
    )
    if not unplaced:
        return []
    return [f"{unplaced} mention(s) could not be placed in the restored text and need review."]


# Signal receivers, each a call into the services above. Raw saves (loaddata, a revision being restored)
# are skipped: fixtures are already consistent, and a restore re-checks its articles when it is done.


@receiver(post_save, sender=Paragraph, dispatch_uid="mentions_follow_text")
def _follow_text(sender, instance: Paragraph, created=False, raw=False, **kwargs):
    if not raw:
        mentions_follow_text(paragraph=instance, created=created)


@receiver(pre_delete, sender=Paragraph, dispatch_uid="mentions_survive_paragraph_delete")
def _survive_delete(sender, instance: Paragraph, origin=None, **kwargs):
    mentions_detach(paragraph=instance, origin=origin)


after_restore(mentions_reattach_restored)
