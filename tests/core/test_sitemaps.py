"""Sitemap files are written without a template, exactly as Django's sitemap view would write them."""

from xml.etree import ElementTree

import pytest
from django.contrib.sitemaps import views as django_views
from django.test import RequestFactory
from django.urls import reverse

from config.urls import SITEMAPS
from core.sitemaps import address_maker, sitemap
from tests.factories import make_article, make_company, make_person

pytestmark = pytest.mark.django_db


def entries(content: bytes) -> list[dict]:
    root = ElementTree.fromstring(content)
    return [{child.tag.split("}")[1]: (child.text or "").strip() for child in url} for url in root]


@pytest.mark.parametrize("section", sorted(SITEMAPS))
def test_each_file_says_what_djangos_view_says(section):
    make_article(slug="sitemap-ascii")
    make_article(slug="文章-漢字", title="漢字的文章")
    make_company("公司甲", slug="company-a", published=True)
    make_person("某人", slug="someone", published=True)
    request = RequestFactory().get(f"/sitemap-{section}.xml")
    ours = sitemap(request, SITEMAPS, section=section)
    theirs = django_views.sitemap(RequestFactory().get(f"/sitemap-{section}.xml"), SITEMAPS, section=section)
    theirs.render()
    assert entries(ours.content) == entries(theirs.content)
    assert ours.get("Last-Modified") == theirs.get("Last-Modified")
    assert ours["Content-Type"].startswith("application/xml")


@pytest.mark.parametrize("slug", ["plain-slug", "文章-漢字", "under_score-２０２３"])
def test_an_address_is_what_reverse_gives(slug):
    assert address_maker("articles:detail", "slug")(slug) == reverse("articles:detail", kwargs={"slug": slug})


def test_an_unknown_section_or_page_is_a_404(client):
    assert client.get("/sitemap-nothing.xml").status_code == 404
    assert client.get("/sitemap-articles.xml", {"p": "9"}).status_code == 404
    assert client.get("/sitemap-articles.xml", {"p": "x"}).status_code == 404
