"""Sitemaps of any size: files of at most 50,000 URLs under one index, each answered in a few queries.

Django's index view asks every sitemap how many files it fills (a count) and for its latest `lastmod`
(by default a walk through every item, calling `lastmod` on each). `SummarisedSitemap` answers both with
one aggregate over `items()`, reused for the file it serves; each file then reads its own slice.
"""

from collections.abc import Mapping
from datetime import datetime
from functools import cached_property

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Paginator
from django.db.models import Count, Max

from core.frontcache import SITE_TAG, cache_tags

# The protocol's bound on URLs per file (sitemaps.org); Django's default too, named here on purpose.
URLS_PER_FILE = 50_000


class SummarisedSitemap(Sitemap):
    """A sitemap over a queryset: `items()` orders it stably; `latest_field` names what `lastmod` reads.

    `cache_tags` names what its files list, for the front cache (`core.frontcache`).
    """

    limit = URLS_PER_FILE
    latest_field: str | None = None
    cache_tags: tuple[str, ...] = ()

    @cached_property
    def summary(self) -> tuple[int, datetime | None]:
        """Return how many items there are and the latest of their `latest_field`, in one query."""
        items = self.items().order_by()
        if self.latest_field is None:
            return items.count(), None
        found = items.aggregate(count=Count("*"), latest=Max(self.latest_field))
        return found["count"], found["latest"]

    @property
    def paginator(self) -> Paginator:
        paginator = Paginator(self.items(), self.limit)
        paginator.count = self.summary[0]
        return paginator

    def get_latest_lastmod(self) -> datetime | None:
        return self.summary[1]


def _tags_of(sitemap) -> tuple[str, ...]:
    # A sitemap of fixed addresses names nothing that changes: only a deploy does.
    return getattr(sitemap, "cache_tags", ()) or (SITE_TAG,)


def index(request, sitemaps: Mapping[str, type[Sitemap]], **kwargs):
    """Django's sitemap index, tagged with what every file it lists shows."""
    cache_tags(request, *(tag for sitemap in sitemaps.values() for tag in _tags_of(sitemap)))
    return sitemap_views.index(request, sitemaps, **kwargs)


def sitemap(request, sitemaps: Mapping[str, type[Sitemap]], section: str | None = None, **kwargs):
    """Django's sitemap file of one section, tagged with what it lists (a section none has: `site`)."""
    cache_tags(request, *_tags_of(sitemaps.get(section)))
    return sitemap_views.sitemap(request, sitemaps, section=section, **kwargs)
