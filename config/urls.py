from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import Sitemap
from django.urls import include, path, register_converter, reverse

from articles.feeds import LatestArticlesFeed
from articles.sitemaps import ArticleSitemap, TopicSitemap
from config.api import api
from core import converters, sitemaps
from core import views as core_views
from landscape.sitemaps import CompanySitemap, PersonSitemap
from reader import lists as reader_lists
from reader import preferences
from reader import preview as reader_preview

# Registered before the apps' URLconfs are included, which use them.
register_converter(converters.UnicodeSlugConverter, "unicode_slug")
register_converter(converters.ScriptVariantConverter, "script_variant")
register_converter(converters.OnOffConverter, "on_off")


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


# One file per section (and more, of at most 50,000 URLs each, as a section grows) under one index.
SITEMAPS = {
    "static": StaticSitemap,
    "articles": ArticleSitemap,
    "topics": TopicSitemap,
    "companies": CompanySitemap,
    "people": PersonSitemap,
}

urlpatterns = [
    path("", reader_lists.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("robots.txt", core_views.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        sitemaps.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("feeds/articles.atom", LatestArticlesFeed(), name="feed"),
    path("reading/script/<script_variant:variant>/", preferences.set_variant, name="set_variant"),
    path("reading/pinyin/<on_off:state>/", preferences.set_pinyin, name="set_pinyin"),
    path("articles/", include("reader.urls")),
    path("topics/<unicode_slug:slug>/", reader_lists.topic_detail, name="topic"),
    path("preview/articles/<int:pk>/", reader_preview.preview_article, name="preview_article"),
    path("preview/articles/<int:pk>/<int:number>/", reader_preview.preview_article, name="preview_version"),
    path("preview/<str:token>/", reader_preview.preview_shared, name="preview_shared"),
    path("search", include("search.urls")),
    path("", include("landscape.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# Renditions from the local media folder; with a bucket (prod.py) they are served from there instead.
if settings.IMAGES_SERVE_RENDITIONS:
    urlpatterns += [path(settings.MEDIA_URL.lstrip("/"), include("images.urls"))]

# An unreachable database is a 503 wherever it is met, in a view or in a middleware.
handler500 = "core.outages.server_error"
