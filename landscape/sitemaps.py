from core.frontcache import list_tag
from core.sitemaps import SummarisedSitemap

from .models import Company, Person


class CompanySitemap(SummarisedSitemap):
    changefreq = "monthly"
    cache_tags = (list_tag(Company),)

    def items(self):
        return Company.objects.published().only("slug").order_by("pk")


class PersonSitemap(SummarisedSitemap):
    changefreq = "monthly"
    cache_tags = (list_tag(Person),)

    def items(self):
        return Person.objects.published().only("slug").order_by("pk")
