from django.contrib import admin
from django.urls import include, path

from articles import views as article_views

urlpatterns = [
    path("", article_views.home, name="home"),
    path("healthz", article_views.healthz, name="healthz"),
    path("articles/", include("articles.urls")),
    path("", include("landscape.urls")),
    path("admin/", admin.site.urls),
]
