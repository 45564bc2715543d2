"""Sitemaps of any size: files of at most 50,000 URLs under one index, each answered in a few queries.

Django's index view asks every sitemap how many files it fills (a count) and for its latest `lastmod`
(by default a walk through every item, calling `lastmod` on each). `SummarisedSitemap` answers both with
one aggregate over `items()`, reused for the file it serves; each file then reads its own slice.
"""

from datetime import datetime
from functools import cached_property

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Count, Max

# The protocol's bound on URLs per file (sitemaps.org); Django's default too, named here on purpose.
URLS_PER_FILE = 50_000


class SummarisedSitemap(Sitemap):
    """A sitemap over a queryset: `items()` orders it stably; `latest_field` names what `lastmod` reads."""

    limit = URLS_PER_FILE
    latest_field: str | None = None

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
