"""Keep the index current: every publish and every save of searchable content re-indexes what it touches.

Each receiver is a call into `search.services`, where what to index lives. An article's paragraphs are
indexed as its live version holds them, when an editor publishes (`version_published`) and when its
status changes (its save); saving or deleting paragraphs of the working copy changes no paragraph
document. Deletions need no receiver of their own: each quote, company and person document has a
CASCADE foreign key to its source, and every paragraph and quote document one to its article, so it goes
with it. One deletion changes documents that stay: an alias (its company's or person's document lists
it); a person their quotes name cannot be deleted at all (the speaker link is PROTECT). Fixture loading
saves with `raw=True`; the receivers index those saves too, and since a parent's save re-indexes its
children and a child's save indexes itself, the fixture's order does not matter.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from articles.models import Article, Paragraph, Section
from articles.publication import version_published
from landscape.models import Alias, Company, Person, Quote

from .services import (
    search_index_alias,
    search_index_alias_deleted,
    search_index_article,
    search_index_entity,
    search_remember_alias_owner,
)


@receiver(post_save, sender=Article, dispatch_uid="search_article_saved")
def article_saved(sender, instance, update_fields=None, **kwargs):
    # Publishing saves the new live version alone, then sends `version_published`: index it once, there.
    if update_fields != frozenset({"live_version"}):
        search_index_article(instance)


@receiver(version_published, dispatch_uid="search_version_published")
def version_went_live(sender, version, **kwargs):
    search_index_article(version.article)


@receiver(post_save, sender=Section, dispatch_uid="search_section_saved")
@receiver(post_save, sender=Paragraph, dispatch_uid="search_paragraph_saved")
@receiver(post_save, sender=Quote, dispatch_uid="search_quote_saved")
@receiver(post_save, sender=Company, dispatch_uid="search_company_saved")
@receiver(post_save, sender=Person, dispatch_uid="search_person_saved")
def content_saved(sender, instance, **kwargs):
    search_index_entity(instance)


@receiver(pre_save, sender=Alias, dispatch_uid="search_alias_saving")
def alias_saving(sender, instance, **kwargs):
    search_remember_alias_owner(alias=instance)


@receiver(post_save, sender=Alias, dispatch_uid="search_alias_saved")
def alias_saved(sender, instance, **kwargs):
    search_index_alias(alias=instance)


@receiver(post_delete, sender=Alias, dispatch_uid="search_alias_deleted")
def alias_deleted(sender, instance, origin=None, **kwargs):
    search_index_alias_deleted(alias=instance, origin=origin)
