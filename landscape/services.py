"""Writes that touch several landscape rows, and the writes behind the admin's bulk actions.

A bulk action calls the same service once per row as a single edit would save it, never
`QuerySet.update()`: each save fires the signals that keep the search index current, and each change is
recorded in the entry's history with who made it.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet

from articles.models import Article, Paragraph
from core.versioning import recorded_revision

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


def _require_change(user, model: type[models.Model], action: str) -> None:
    opts = model._meta
    if user is not None and not user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
        raise PermissionDenied(f"You may not {action} {opts.verbose_name_plural}: only editors may.")


def _set_published(entity: Company | Person, *, published: bool, user) -> bool:
    """Publish or unpublish one company or person as its change form would; return whether it changed."""
    model = type(entity)
    _require_change(user, model, "publish or unpublish")
    with transaction.atomic(), recorded_revision(user, "Published" if published else "Unpublished"):
        current = model._default_manager.select_for_update().get(pk=entity.pk)
        if current.published == published:
            return False
        current.published = published
        current.save(update_fields=["published"])
    entity.published = published
    return True


def company_publish(*, company: Company, user) -> bool:
    """Publish the company: it is indexed for search and the change is recorded with its user."""
    return _set_published(company, published=True, user=user)


def company_unpublish(*, company: Company, user) -> bool:
    """Take the company off the public site and out of search; record the change."""
    return _set_published(company, published=False, user=user)


def person_publish(*, person: Person, user) -> bool:
    """Publish the person: they are indexed for search and the change is recorded with its user."""
    return _set_published(person, published=True, user=user)


def person_unpublish(*, person: Person, user) -> bool:
    """Take the person off the public site and out of search; record the change."""
    return _set_published(person, published=False, user=user)


def mention_set_status(*, mention: Mention, status: Mention.Status, user=None) -> bool:
    """Confirm, reject or reopen one mention as its change form would; return whether it changed."""
    _require_change(user, Mention, "review")
    if mention.status == status:
        return False
    with transaction.atomic(), recorded_revision(user, f"Marked the mention “{mention.text}” {status}"):
        mention.status = status
        mention.save(update_fields=["status"])
    return True


@transaction.atomic
def mentions_set_status(*, mentions: QuerySet[Mention], status: Mention.Status, user=None) -> int:
    """Confirm, reject or reopen the given mentions one by one; return how many changed."""
    _require_change(user, Mention, "review")
    return sum(
        mention_set_status(mention=mention, status=status, user=user)
        for mention in mentions.exclude(status=status).order_by("pk")
    )
