"""What notes a record for the change feed: every change that may alter what the public API shows of it.

Noting is cheap and generous (`changes_note`); the task that follows records an event only where the
public document really changed. A change to a company or person also notes the live articles that mention
it and its quotes and figures, whose documents name it; a topic, the live articles filed under it; an
image or its renditions, the live articles, companies and people whose documents show it.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from articles.models import Article, ArticleVersion, Topic
from articles.publication import version_published, version_withdrawn
from images.signals import image_changed
from landscape.models import Affiliation, Alias, Company, Figure, LiveMention, Person, Product, Quote

from .changes import changes_note
from .documents import Record
from .models import Kind

# What decides whether and where an article is public, besides its live version.
ARTICLE_VISIBILITY_FIELDS = {"status", "publish_at", "slug", "live_version"}


def _article_records(article_id: int) -> list[Record]:
    quotes = Quote.objects.filter(paragraph__section__article_id=article_id).values_list("pk", flat=True)
    figures = Figure.objects.filter(paragraph__section__article_id=article_id).values_list("pk", flat=True)
    return [
        Record(Kind.ARTICLE, article_id),
        *(Record(Kind.QUOTE, pk) for pk in quotes),
        *(Record(Kind.FIGURE, pk) for pk in figures),
    ]


def _entity_records(kind: str, pk: int) -> list[Record]:
    field = "company_id" if kind == Kind.COMPANY else "person_id"
    articles = LiveMention.objects.filter(**{field: pk}).values_list("paragraph__article_id", flat=True)
    speaker = {"company_id": pk} if kind == Kind.COMPANY else {"speaker_id": pk}
    quotes = Quote.objects.filter(**speaker).values_list("pk", flat=True)
    figures = (
        Figure.objects.filter(company_id=pk).values_list("pk", flat=True) if kind == Kind.COMPANY else []
    )
    return [
        Record(kind, pk),
        *(Record(Kind.ARTICLE, article) for article in set(articles)),
        *(Record(Kind.QUOTE, quote) for quote in quotes),
        *(Record(Kind.FIGURE, figure) for figure in figures),
    ]


@receiver(version_published, sender=ArticleVersion, dispatch_uid="changes_version_published")
@receiver(version_withdrawn, sender=ArticleVersion, dispatch_uid="changes_version_withdrawn")
def _version_changed(sender, version, signal, **kwargs):
    changes_note(*_article_records(version.article_id))
    if signal is version_published and version.publish_at and version.publish_at > timezone.now():
        _note_when_due(version.article_id, version.publish_at)


@receiver(post_save, sender=Article, dispatch_uid="changes_article_saved")
def _article_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not ARTICLE_VISIBILITY_FIELDS & set(update_fields)):
        return
    changes_note(*_article_records(instance.pk))


def _note_when_due(article_id: int, publish_at) -> None:
    """A version scheduled to go live does so with no save: look at its article again at that time."""
    from .tasks import record_changes

    if not record_changes.get_backend().supports_defer:
        return
    due = record_changes.using(run_after=publish_at)
    transaction.on_commit(lambda: due.enqueue([[Kind.ARTICLE.value, article_id]]))


@receiver(post_delete, sender=Article, dispatch_uid="changes_article_deleted")
def _article_deleted(sender, instance, **kwargs):
    changes_note(Record(Kind.ARTICLE, instance.pk))


@receiver(post_save, sender=Company, dispatch_uid="changes_company_saved")
@receiver(post_delete, sender=Company, dispatch_uid="changes_company_deleted")
@receiver(post_save, sender=Person, dispatch_uid="changes_person_saved")
@receiver(post_delete, sender=Person, dispatch_uid="changes_person_deleted")
def _entity_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        kind = Kind.COMPANY if sender is Company else Kind.PERSON
        changes_note(*_entity_records(kind, instance.pk))


@receiver(post_save, sender=Product, dispatch_uid="changes_product_saved")
@receiver(post_delete, sender=Product, dispatch_uid="changes_product_deleted")
@receiver(post_save, sender=Alias, dispatch_uid="changes_alias_saved")
@receiver(post_delete, sender=Alias, dispatch_uid="changes_alias_deleted")
@receiver(post_save, sender=Affiliation, dispatch_uid="changes_affiliation_saved")
@receiver(post_delete, sender=Affiliation, dispatch_uid="changes_affiliation_deleted")
def _entity_part_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    company_id = getattr(instance, "company_id", None)
    person_id = getattr(instance, "person_id", None)
    changes_note(Record(Kind.COMPANY, company_id), Record(Kind.PERSON, person_id))


@receiver(post_save, sender=Quote, dispatch_uid="changes_quote_saved")
@receiver(post_delete, sender=Quote, dispatch_uid="changes_quote_deleted")
@receiver(post_save, sender=Figure, dispatch_uid="changes_figure_saved")
@receiver(post_delete, sender=Figure, dispatch_uid="changes_figure_deleted")
def _cited_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        changes_note(Record(Kind.QUOTE if sender is Quote else Kind.FIGURE, instance.pk))


@receiver(post_save, sender=Topic, dispatch_uid="changes_topic_saved")
def _topic_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    articles = ArticleVersion.objects.live().filter(topics=instance).values_list("article_id", flat=True)
    changes_note(*(Record(Kind.ARTICLE, pk) for pk in articles))


def _image_records(image_id: int) -> list[Record]:
    articles = ArticleVersion.objects.live().filter(images=image_id).values_list("article_id", flat=True)
    companies = Company.objects.filter(logo=image_id).values_list("pk", flat=True)
    people = Person.objects.filter(portrait=image_id).values_list("pk", flat=True)
    return [
        *(Record(Kind.ARTICLE, pk) for pk in articles),
        *(Record(Kind.COMPANY, pk) for pk in companies),
        *(Record(Kind.PERSON, pk) for pk in people),
    ]


@receiver(image_changed, dispatch_uid="changes_image_changed")
def _image_changed(sender, image_id, **kwargs):
    if records := _image_records(image_id):
        changes_note(*records)
