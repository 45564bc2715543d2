from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, register_converter

from articles import reading
from articles import views as article_views
from articles.feeds import LatestArticlesFeed
from config import converters
from config.api import api
from config.sitemaps import SITEMAPS

# Registered before the apps' URLconfs are included, which use them.
register_converter(converters.UnicodeSlugConverter, "unicode_slug")
register_converter(converters.ScriptVariantConverter, "script_variant")
register_converter(converters.OnOffConverter, "on_off")

urlpatterns = [
    path("", article_views.home, name="home"),
    path("healthz", article_views.healthz, name="healthz"),
    path("robots.txt", article_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("feeds/articles.atom", LatestArticlesFeed(), name="feed"),
    path("reading/script/<script_variant:variant>/", reading.set_variant, name="set_variant"),
    path("reading/pinyin/<on_off:state>/", reading.set_pinyin, name="set_pinyin"),
    path("articles/", include("articles.urls")),
    path("search", include("search.urls")),
    path("", include("landscape.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# An unreachable database is a 503 wherever it is met, in a view or in a middleware.
handler500 = "config.outages.server_error"
