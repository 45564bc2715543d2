"""Writes that touch several landscape rows."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet

from articles.models import Article, Paragraph

from .matching import NameMatcher, unambiguous_names
from .models import Alias, Company, Mention, Person


@dataclass
class MentionDetectionResult:
    paragraphs: int = 0
    created: int = 0
    updated: int = 0
    kept: int = 0
    removed: int = 0
    decided: int = 0
    stale: int = 0
    ambiguous_names: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "paragraphs": self.paragraphs,
            "created": self.created,
            "updated": self.updated,
            "kept": self.kept,
            "removed": self.removed,
            "decided": self.decided,
            "stale": self.stale,
            "ambiguous_names": self.ambiguous_names,
        }


def _entity_names() -> tuple[dict[str, tuple[str, int]], set[str]]:
    """Collect every name, English name and alias of every company and person, keyed to its entity."""
    pairs = []
    for model, kind in ((Company, "company"), (Person, "person")):
        # Unpublished entities are matched too: editors confirm mentions before they publish the entity,
        # and public pages only ever link published ones.
        for pk, name_zh, name_en in model.objects.values_list("pk", "name_zh", "name_en"):
            pairs += [(name_zh, (kind, pk)), (name_en, (kind, pk))]
    for name, company_id, person_id in Alias.objects.values_list("name", "company_id", "person_id"):
        pairs.append((name, ("company", company_id) if company_id else ("person", person_id)))
    return unambiguous_names(pairs)


def _entity_of(mention: Mention) -> tuple[str, int]:
    return ("company", mention.company_id) if mention.company_id else ("person", mention.person_id)


@transaction.atomic
def mentions_detect(*, article: Article) -> MentionDetectionResult:
    """Suggest a mention for every name found in the article's paragraphs, keeping editors' decisions.

    Confirmed and rejected mentions are never touched and new suggestions never overlap them; earlier
    suggestions that are still found stay, the others are removed, so running it twice changes nothing.
    """
    names, ambiguous = _entity_names()
    matcher = NameMatcher(names)
    result = MentionDetectionResult(ambiguous_names=sorted(ambiguous))

    existing: dict[int, list[Mention]] = {}
    for mention in Mention.objects.in_article(article):
        existing.setdefault(mention.paragraph_id, []).append(mention)

    to_create, to_update, to_delete = [], [], []
    for paragraph in Paragraph.objects.filter(section__article=article).only("pk", "text"):
        result.paragraphs += 1
        mentions = existing.get(paragraph.pk, [])
        decided = [m for m in mentions if m.status != Mention.Status.SUGGESTED]
        suggested = {(m.start, m.end): m for m in mentions if m.status == Mention.Status.SUGGESTED}
        result.decided += len(decided)
        result.stale += sum(not m.matches(paragraph.text) for m in decided)

        for match in matcher.find(paragraph.text, avoid=[(m.start, m.end) for m in decided]):
            kind, pk = match.key
            target = {
                "company_id": pk if kind == "company" else None,
                "person_id": pk if kind == "person" else None,
            }
            previous = suggested.pop((match.start, match.end), None)
            if previous is None:
                to_create.append(
                    Mention(paragraph=paragraph, start=match.start, end=match.end, text=match.text, **target)
                )
            elif _entity_of(previous) != match.key or previous.text != match.text:
                previous.text = match.text
                previous.company_id, previous.person_id = target["company_id"], target["person_id"]
                to_update.append(previous)
            else:
                result.kept += 1
        to_delete += [m.pk for m in suggested.values()]

    # Delete first: a suggestion that grew (字節 → 字節跳動) frees its old span before the new one is made.
    Mention.objects.filter(pk__in=to_delete).delete()
    Mention.objects.bulk_update(to_update, ["text", "company", "person"])
    Mention.objects.bulk_create(to_create)
    result.created, result.updated, result.removed = len(to_create), len(to_update), len(to_delete)
    return result


@transaction.atomic
def mentions_set_status(*, mentions: QuerySet[Mention], status: Mention.Status) -> int:
    """Confirm, reject or reopen the given mentions; return how many changed."""
    return mentions.exclude(status=status).update(status=status)
