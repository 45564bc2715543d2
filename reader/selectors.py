"""Reads of published articles composed with the landscape, each in a fixed number of queries."""

from django.db.models import Prefetch, QuerySet

from articles.models import Annotation, Article
from landscape.models import Mention


def published_articles_in_full() -> QuerySet[Article]:
    """Return published articles with sections, paragraphs, public annotations and public mentions.

    The public annotations land in each article's `public_annotations`, the public mentions in each
    paragraph's `public_mentions`.
    """
    return (
        Article.objects.published()
        .for_reader()
        .prefetch_related(
            Prefetch(
                "annotations",
                queryset=Annotation.objects.public()
                .select_related("paragraph")
                .order_by("paragraph__section__position", "paragraph__position", "start", "pk"),
                to_attr="public_annotations",
            ),
            Prefetch(
                "sections__paragraphs__mentions",
                queryset=Mention.objects.public().select_related("company", "person").order_by("start", "pk"),
                to_attr="public_mentions",
            ),
        )
    )
