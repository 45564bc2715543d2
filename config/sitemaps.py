from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles.models import Article
from landscape.models import Company, Person


class StaticSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return [
            "home",
            "articles:list",
            "landscape:landscape",
            "landscape:quote_list",
            "landscape:figure_list",
        ]

    def location(self, item):
        return reverse(item)


class ArticleSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Article.objects.published().newest_first()

    def lastmod(self, item):
        return item.updated_at


class CompanySitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Company.objects.published().order_by("slug")


class PersonSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Person.objects.published().order_by("slug")


SITEMAPS = {
    "static": StaticSitemap,
    "articles": ArticleSitemap,
    "companies": CompanySitemap,
    "people": PersonSitemap,
}
