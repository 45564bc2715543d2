"""What the front cache drops when the landscape changes: the tags of the pages that showed it.

A page or document showing a company, person, product, quote or figure carries its tag (`company-3`);
lists carry the list tag (`quote-list`). A change bans the record's own tag, its lists, the records its
page shows it on (a quote is on its speaker's and company's pages, a figure's chart on its article's),
and search. Article pages carry the tags of the entities they link to, so renaming or unpublishing a
company drops them too. A mention taken back from a live version leaves its entity's page (the articles
citing it) as well as the article's. A change to an image bans the pages of the companies and people
showing it as their logo or portrait.
"""

from django.db.models.signals import post_delete, post_save

from articles.models import Article, ArticleVersion, Paragraph
from articles.publication import version_withdrawn
from core.frontcache import SEARCH_TAG, list_tag, purge, record_tag
from images.signals import image_changed

from .models import Affiliation, Alias, Company, Figure, Person, Product, Quote


def _article_of(paragraph_id) -> list[str]:
    article_id = (
        Paragraph.objects.filter(pk=paragraph_id).values_list("section__article_id", flat=True).first()
    )
    return [record_tag(Article(pk=article_id))] if article_id else []


def _tags_of(instance) -> list[str]:
    if isinstance(instance, (Company, Person)):
        return [record_tag(instance), list_tag(type(instance))]
    if isinstance(instance, Product):
        return [record_tag(instance), list_tag(Product), record_tag(Company(pk=instance.company_id))]
    if isinstance(instance, Alias):
        owner = Company(pk=instance.company_id) if instance.company_id else Person(pk=instance.person_id)
        return [record_tag(owner)]
    if isinstance(instance, Affiliation):
        tags = [record_tag(Person(pk=instance.person_id)), list_tag(Person)]
        return tags + ([record_tag(Company(pk=instance.company_id))] if instance.company_id else [])
    tags = [record_tag(instance), list_tag(type(instance))]
    if instance.company_id:
        tags.append(record_tag(Company(pk=instance.company_id)))
    if isinstance(instance, Quote) and instance.speaker_id:
        tags.append(record_tag(Person(pk=instance.speaker_id)))
    if isinstance(instance, Figure):
        if instance.product_id:
            tags.append(record_tag(Product(pk=instance.product_id)))
        tags += _article_of(instance.paragraph_id)  # its chart
    return tags


def _changed(sender, instance, raw=False, **kwargs):
    if not raw:
        purge(*_tags_of(instance), SEARCH_TAG)


for _model in (Company, Person, Product, Alias, Affiliation, Quote, Figure):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"frontcache_{_model.__name__}_saved")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"frontcache_{_model.__name__}_deleted")


_ENTITIES = {"company": Company, "person": Person}


def _version_withdrawn(sender, version, **kwargs):
    withdrawn = set((version.withdrawn or {}).get("mentions", []))
    mentions = [item for item in version.content.get("mentions", []) if item.get("id") in withdrawn]
    purge(*(record_tag(_ENTITIES[item["type"]](pk=item["entity"])) for item in mentions))


version_withdrawn.connect(
    _version_withdrawn, sender=ArticleVersion, dispatch_uid="frontcache_mentions_withdrawn"
)


def image_entity_tags(image_id: int) -> list[str]:
    """Return the tags of the companies and people whose logo or portrait the image is."""
    companies = Company.objects.filter(logo=image_id).values_list("pk", flat=True)
    people = Person.objects.filter(portrait=image_id).values_list("pk", flat=True)
    return [record_tag(Company(pk=pk)) for pk in companies] + [record_tag(Person(pk=pk)) for pk in people]


def _image_changed(sender, image_id, **kwargs):
    purge(*image_entity_tags(image_id))


image_changed.connect(_image_changed, dispatch_uid="frontcache_image_entities_changed")
