from django.contrib import admin
from django.urls import include, path

from articles import views as article_views
from config.api import api

urlpatterns = [
    path("", article_views.home, name="home"),
    path("healthz", article_views.healthz, name="healthz"),
    path("articles/", include("articles.urls")),
    path("", include("landscape.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
