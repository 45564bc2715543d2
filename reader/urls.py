from django.urls import path

from reader import lists, views

# The namespace names what the URLs serve: articles, composed here with the landscape.
app_name = "articles"

urlpatterns = [
    path("", lists.article_list, name="list"),
    path("<unicode_slug:slug>/", views.article_detail, name="detail"),
]
