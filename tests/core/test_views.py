import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_service(client, monkeypatch):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "services": {"database": "ok", "cache": "ok"}}
    assert response["Cache-Control"] == "no-store"

    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    # The real outages, Redis and PostgreSQL down or frozen, are in tests/core/test_outages.py.
    monkeypatch.setattr("core.views.connection.cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "services": {"database": "unavailable", "cache": "ok"},
    }


def test_a_missing_page_is_a_site_page_with_search(client):
    response = client.get("/articles/no-such-article/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "找不到這一頁" in html
    assert 'class="site-nav"' in html and 'action="/search"' in html
    assert '<meta name="robots" content="noindex">' in html
    # A reader who reads Simplified gets the 404 page in Simplified too.
    assert "找不到这一页" in client.get("/no-such-page/", {"variant": "zh-hans"}).content.decode()


def test_server_error_page_is_plain_and_stands_alone():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "出了點問題" in html and '<html lang="zh-Hant">' in html
    assert "{%" not in html and "<link" not in html  # nothing that could fail while the site is failing
