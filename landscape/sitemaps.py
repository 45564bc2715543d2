from core.sitemaps import SummarisedSitemap

from .models import Company, Person


class CompanySitemap(SummarisedSitemap):
    changefreq = "monthly"

    def items(self):
        return Company.objects.published().only("slug").order_by("pk")


class PersonSitemap(SummarisedSitemap):
    changefreq = "monthly"

    def items(self):
        return Person.objects.published().only("slug").order_by("pk")
