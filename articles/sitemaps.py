from datetime import datetime
from functools import cached_property

from django.db.models import Count, Max
from django.urls import reverse

from core.frontcache import list_tag
from core.sitemaps import SummarisedSitemap, address_maker

from .models import Article, ArticleVersion, Topic


def _published():
    # Published articles joined to their live versions once: what `ArticleVersion.objects.live()`
    # selects, read from the article's side, without the version-to-article join it adds to reach them.
    return Article.objects.published()


class ArticleSitemap(SummarisedSitemap):
    """Every published article at its current address, modified when its live version was published."""

    changefreq = "weekly"
    latest_field = "published_at"
    cache_tags = (list_tag(Article),)

    def items(self):
        # In the articles' own order, so that a new article lands in the last file and the others stay put.
        return ArticleVersion.objects.live().only("slug", "published_at").order_by("article_id")

    @cached_property
    def summary(self) -> tuple[int, datetime | None]:
        found = _published().aggregate(count=Count("*"), latest=Max("live_version__published_at"))
        return found["count"], found["latest"]

    @cached_property
    def _address(self):
        return address_maker("articles:detail", "slug")

    def location(self, item):
        return self._address(item.slug)

    def lastmod(self, item):
        return item.published_at

    def entries(self, page: int) -> list[tuple[str, datetime]]:
        # Two columns in one query, in `items()`'s order: no model instance for each of 50,000 rows.
        rows = self.page_of(
            _published().order_by("pk").values_list("live_version__slug", "live_version__published_at"), page
        )
        address = self._address
        return [(address(slug), published_at) for slug, published_at in rows]


class TopicSitemap(SummarisedSitemap):
    """Every topic some published article has, modified when the latest of those articles was published."""

    changefreq = "daily"
    cache_tags = (list_tag(Article), list_tag(Topic))

    @staticmethod
    def _tagged():
        live = _published().values("live_version_id")
        return ArticleVersion.topics.through.objects.filter(articleversion_id__in=live)

    def items(self):
        return (
            self._tagged()
            .values("topic__slug")
            .annotate(latest=Max("articleversion__published_at"))
            .order_by("topic__slug")
        )

    @cached_property
    def summary(self) -> tuple[int, datetime | None]:
        found = self._tagged().aggregate(
            count=Count("topic", distinct=True), latest=Max("articleversion__published_at")
        )
        return found["count"], found["latest"]

    def location(self, item):
        return reverse("topic", kwargs={"slug": item["topic__slug"]})

    def lastmod(self, item):
        return item["latest"]
