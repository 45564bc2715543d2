"""A malformed value in a page's address is a 404 (or, in an admin query string, a 400), never a 500.

Run on PostgreSQL too (DATABASE_URL=postgres://…): it refuses a NUL in a query, which SQLite accepts.
"""

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

MALFORMED = ["%00", "a%00b", "%01", "%7F", "a%20b", "%25", "a%2Fb", "%E2%80%8B", "'", "..", "%0A"]
# Every value a public page's converter must turn away; unknown values of the right shape are 404s too.
_CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def public_patterns_with_values() -> list[str]:
    """Return every public route that takes a value from its path, as a template with `{}` for each value."""
    routes = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(("admin/", "api/")):
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and _CONVERTER.search(route):
                routes.append("/" + _CONVERTER.sub("{}", route))

    walk(get_resolver().url_patterns, "")
    return routes


def test_the_public_routes_with_values_are_all_checked():
    assert sorted(public_patterns_with_values()) == [
        "/articles/{}/",
        "/companies/{}/",
        "/media/images/renditions/{}",
        "/people/{}/",
        "/preview/articles/{}/",
        "/preview/articles/{}/{}/",
        "/preview/{}/",
        "/reading/pinyin/{}/",
        "/reading/script/{}/",
        "/sitemap-{}.xml",
        "/topics/{}/",
    ]


@pytest.mark.parametrize("route", public_patterns_with_values())
def test_malformed_path_values_are_404_on_every_public_page(client, seed, route):
    for value in MALFORMED:
        url = route.format(*[value] * route.count("{}"))
        response = client.get(url)
        assert response.status_code == 404, url
        if "html" in response.headers["Content-Type"]:
            assert "找不到這一頁" in response.content.decode(), url


def test_a_unicode_slug_still_reaches_its_article(client, article_factory):
    article = article_factory(slug="百模大戰-2023")
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get("/articles/百模大戰-2023%00/").status_code == 404


def test_the_api_keeps_answering_a_malformed_slug_with_its_own_422(client, db):
    response = client.get("/api/v1/articles/a%00b")
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"


def admin_urls() -> list[str]:
    urls = []
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls += [f"{base}%00/change/", f"{base}%00/history/", f"{base}%00/delete/", f"{base}a%00/"]
    return urls


def test_malformed_object_ids_are_404_in_the_admin(admin_client, seed):
    for url in admin_urls():
        assert admin_client.get(url).status_code == 404, url


def test_a_nul_in_an_admin_query_string_is_refused_with_400(admin_client, seed):
    for url in (
        "/admin/articles/article/?status__exact=%00",
        "/admin/landscape/mention/?status__exact=a%00",
        "/admin/articles/annotation/?q=x&status__exact=%00",
    ):
        response = admin_client.get(url)
        assert response.status_code == 400, url
        assert "holds a NUL character (%00)" in response.content.decode()
    # Ordinary filters still work.
    assert admin_client.get("/admin/articles/article/?status__exact=published").status_code == 200
