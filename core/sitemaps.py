"""Sitemaps of any size: files of at most 50,000 URLs under one index, each answered in one query.

Django's index view asks every sitemap how many files it fills (a count) and for its latest `lastmod`
(by default a walk through every item, calling `lastmod` on each). `SummarisedSitemap` answers both with
one aggregate over `items()`. A file of one reads its own slice as `(address, lastmod)` rows
(`SummarisedSitemap.entries`, one query, no model instances) and is written without a template: a
file of 10,000 addresses took a second through Django's `get_urls` and its template, most of it the
loop over dictionaries and nodes.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cached_property
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.sites.shortcuts import get_current_site
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Max
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS, http_date

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

    def entries(self, page: int) -> list[tuple[str, datetime | None]]:
        """Return the address path and `lastmod` of each item file `page` lists (1 is the first).

        Raises EmptyPage for a file past the last (the first may be empty). This one walks the items as
        Django does; a sitemap over many rows reads the two columns in one query instead.
        """
        rows = self.page_of(self.items(), page)
        has_lastmod = hasattr(self, "lastmod")
        return [(self.location(item), self.lastmod(item) if has_lastmod else None) for item in rows]

    def page_of(self, items, page: int):
        """Slice `items` to file `page`; raise EmptyPage for a page past the last one."""
        if page < 1:
            raise EmptyPage("That page number is less than 1")
        rows = list(items[(page - 1) * self.limit : page * self.limit])
        if not rows and page > 1:
            raise EmptyPage("That page contains no results")
        return rows


def _tags_of(sitemap) -> tuple[str, ...]:
    # A sitemap of fixed addresses names nothing that changes: only a deploy does.
    return getattr(sitemap, "cache_tags", ()) or (SITE_TAG,)


def index(request, sitemaps: Mapping[str, type[Sitemap]], **kwargs):
    """Django's sitemap index, tagged with what every file it lists shows."""
    cache_tags(request, *(tag for sitemap in sitemaps.values() for tag in _tags_of(sitemap)))
    return sitemap_views.index(request, sitemaps, **kwargs)


def address_maker(name: str, argument: str) -> Callable[[str], str]:
    """Return a function giving the address of URL `name` for one value of its `argument`, as `reverse`.

    One `reverse` for a file of 50,000 addresses, not one each: the value is quoted as `reverse` quotes
    it (tests compare the two on ASCII and Han slugs).
    """
    marker = "0sitemap0marker0"
    before, after = reverse(name, kwargs={argument: marker}).split(marker)
    return lambda value: f"{before}{quote(value, safe=RFC3986_SUBDELIMS + '/~:@')}{after}"


def sitemap(request, sitemaps: Mapping[str, type[Sitemap]], section: str | None = None, **kwargs):
    """A sitemap file of one section, tagged with what it lists (a section none has: `site`).

    What Django's view answers (the same entries and `Last-Modified`), written directly: a
    `SummarisedSitemap` through `entries`, another sitemap through Django's `get_urls`.
    """
    cache_tags(request, *_tags_of(sitemaps.get(section)))
    if section is None or section not in sitemaps:
        raise Http404(f"No sitemap available for section: {section!r}")
    site = sitemaps[section]
    site = site() if callable(site) else site
    page = request.GET.get("p", 1)
    origin = f"{request.scheme}://{get_current_site(request).domain}"
    try:
        if isinstance(site, SummarisedSitemap):
            entries = site.entries(_page_number(page))
            body, latest = _entries_xml(entries, origin, changefreq=site.changefreq)
        else:
            urls = site.get_urls(page=page, site=get_current_site(request), protocol=request.scheme)
            body, latest = urlset_xml(urls), getattr(site, "latest_lastmod", None)
    except EmptyPage:
        raise Http404(f"Page {page} empty") from None
    except PageNotAnInteger:
        raise Http404(f"No page {page!r}") from None
    headers = {"Last-Modified": http_date(latest.timestamp())} if latest else None
    return HttpResponse(body, content_type="application/xml", headers=headers)


def _page_number(page) -> int:
    try:
        return int(page)
    except (TypeError, ValueError):
        raise PageNotAnInteger("That page number is not an integer") from None


_URLSET_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:xhtml="http://www.w3.org/1999/xhtml">'
)


def _entries_xml(
    entries: list[tuple[str, datetime | None]], origin: str, *, changefreq: str | None
) -> tuple[str, datetime | None]:
    """Write `(path, lastmod)` entries as a `<urlset>`; return it and the latest lastmod, if all have one."""
    zone = timezone.get_current_timezone()
    tail = f"<changefreq>{escape(changefreq)}</changefreq></url>" if changefreq else "</url>"
    parts = [_URLSET_OPEN]
    latest, every_one = None, bool(entries)
    for path, lastmod in entries:
        if lastmod is None:
            every_one = False
            parts.append(f"<url><loc>{escape(origin + path)}</loc>{tail}")
            continue
        if latest is None or lastmod > latest:
            latest = lastmod
        # As the template's `date` filter shows it: the day in the site's time zone.
        day = (
            lastmod.astimezone(zone)
            if isinstance(lastmod, datetime) and timezone.is_aware(lastmod)
            else lastmod
        )
        parts.append(f"<url><loc>{escape(origin + path)}</loc><lastmod>{day:%Y-%m-%d}</lastmod>{tail}")
    parts.append("</urlset>\n")
    return "".join(parts), latest if every_one else None


def urlset_xml(urls: list[dict]) -> str:
    """Write a sitemap file's `<urlset>` as Django's sitemap.xml template does, without a template."""
    parts = [_URLSET_OPEN]
    for url in urls:
        parts.append(f"<url><loc>{escape(url['location'])}</loc>")
        if lastmod := url.get("lastmod"):
            # As the template's `date` filter shows it: the day in the site's time zone.
            if isinstance(lastmod, datetime) and timezone.is_aware(lastmod):
                lastmod = timezone.localtime(lastmod)
            parts.append(f"<lastmod>{lastmod:%Y-%m-%d}</lastmod>")
        if url.get("changefreq"):
            parts.append(f"<changefreq>{escape(url['changefreq'])}</changefreq>")
        if url.get("priority"):
            parts.append(f"<priority>{url['priority']}</priority>")
        for alternate in url.get("alternates") or ():
            parts.append(
                f'<xhtml:link rel="alternate" hreflang={quoteattr(alternate["lang_code"])} '
                f"href={quoteattr(alternate['location'])}/>"
            )
        parts.append("</url>")
    parts.append("</urlset>\n")
    return "".join(parts)
