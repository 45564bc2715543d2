from django.contrib.sitemaps import Sitemap

from .models import ArticleVersion


class ArticleSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return ArticleVersion.objects.live().defer("content").newest_first()

    def lastmod(self, item):
        return item.updated_at
