from django.contrib.sitemaps import Sitemap

from .models import Company, Person


class CompanySitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Company.objects.published().order_by("slug")


class PersonSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Person.objects.published().order_by("slug")
