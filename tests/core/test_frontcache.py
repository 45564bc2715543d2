"""The front cache's two halves: which responses may be shared, and what each change bans."""

import http.server
import threading

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from articles import workflow
from articles.models import Annotation, Article
from core import frontcache
from core.frontcache import FrontCacheMiddleware, cache_tags, purge
from landscape.models import Company
from tests.factories import (
    first_paragraph,
    make_annotation,
    make_article,
    make_company,
    make_quote,
    publish,
    set_text,
)

factory = RequestFactory()


def respond(view, method="get"):
    request = getattr(factory, method)("/somewhere/")
    return FrontCacheMiddleware(view)(request)


def tagged(*tags, **kwargs):
    def view(request):
        cache_tags(request, *tags, **kwargs)
        return HttpResponse("page")

    return view


def test_a_tagged_public_answer_is_shared_with_its_tags_and_browsers_keep_nothing():
    response = respond(tagged("article-1", "article-list"))
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=300"
    assert response["Cache-Tags"] == "article-1 article-list"


def test_tags_add_up_and_the_shortest_time_wins():
    def view(request):
        cache_tags(request, "article-list", s_maxage=40)
        cache_tags(request, "topic-2", s_maxage=900)
        return HttpResponse("page")

    response = respond(view)
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=40"
    assert response["Cache-Tags"] == "article-list topic-2"


def test_an_untagged_answer_is_never_shared():
    response = respond(lambda request: HttpResponse("page"))
    assert "Cache-Control" not in response and "Cache-Tags" not in response


@pytest.mark.parametrize(
    "spoil",
    [
        lambda response: response.set_cookie("sessionid", "x"),
        lambda response: response.headers.__setitem__("Vary", "Accept-Encoding, Cookie"),
        lambda response: response.headers.__setitem__("Cache-Control", "private"),
        lambda response: response.headers.__setitem__("Cache-Control", "no-store"),
        lambda response: setattr(response, "status_code", 500),
        lambda response: setattr(response, "status_code", 403),
    ],
    ids=["cookie", "vary-cookie", "private", "no-store", "error", "forbidden"],
)
def test_a_personal_or_failed_answer_is_never_shared_whatever_the_view_said(spoil):
    def view(request):
        cache_tags(request, "article-1")
        response = HttpResponse("page")
        spoil(response)
        return response

    response = respond(view)
    assert "Cache-Tags" not in response
    assert "s-maxage" not in response.headers.get("Cache-Control", "")


def test_a_write_is_never_shared():
    response = respond(tagged("article-1"), method="post")
    assert "Cache-Tags" not in response


def test_a_tag_is_a_word():
    with pytest.raises(ValueError, match="cache tag"):
        cache_tags(factory.get("/"), "article 1")
    with pytest.raises(ValueError, match="cache tag"):
        purge("article|1")


class BanRecorder(http.server.BaseHTTPRequestHandler):
    bans: list[str] = []
    status = 200

    def do_BAN(self):
        BanRecorder.bans.append(self.headers["X-Ban-Tags"])
        self.send_response(BanRecorder.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def varnish_stand_in():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BanRecorder)
    BanRecorder.bans, BanRecorder.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True)
def test_a_purge_bans_every_front_cache_once_the_change_commits(varnish_stand_in):
    with override_settings(FRONT_CACHE={"URLS": [varnish_stand_in, varnish_stand_in], "TIMEOUT": 2}):
        with transaction.atomic():
            purge("article-7", "article-list")
            assert BanRecorder.bans == []  # nothing before the commit
        assert BanRecorder.bans == ["article-7 article-list", "article-7 article-list"]


@pytest.mark.django_db(transaction=True)
def test_a_front_cache_that_refuses_or_is_down_is_logged_and_the_change_stands(varnish_stand_in, caplog):
    BanRecorder.status = 405
    with override_settings(FRONT_CACHE={"URLS": [varnish_stand_in, "http://127.0.0.1:9"], "TIMEOUT": 1}):
        purge("company-3")
    warnings = [r.getMessage() for r in caplog.records if r.name == "core.frontcache"]
    assert len(warnings) == 2
    assert "answered 405" in warnings[0] and "company-3" in warnings[0]


@pytest.mark.django_db
def test_publishing_bans_the_article_its_lists_and_search(editor, django_capture_on_commit_callbacks):
    article = make_article("原來的段落。", status=Article.Status.DRAFT)
    start = len(frontcache.sent)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.article_publish(article=article, user=editor)
    banned = set().union(*list(frontcache.sent)[start:])
    assert {f"article-{article.pk}", "article-list", "search"} <= banned


@pytest.mark.django_db
def test_unpublishing_bans_what_showed_the_article(editor, django_capture_on_commit_callbacks):
    article = make_article("原來的段落。")
    start = len(frontcache.sent)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.article_archive(article=article, user=editor)
    banned = set().union(*list(frontcache.sent)[start:])
    assert {f"article-{article.pk}", "article-list", "search"} <= banned


@pytest.mark.django_db
def test_editing_a_working_copy_bans_nothing(django_capture_on_commit_callbacks):
    article = make_article("原來的段落。")
    start = len(frontcache.sent)
    with django_capture_on_commit_callbacks(execute=True):
        set_text(first_paragraph(article), "改過的段落。")
        article.title = "新的標題"
        article.save()
        make_annotation(first_paragraph(article), 0, 2, visibility=Annotation.Visibility.INTERNAL)
    assert list(frontcache.sent)[start:] == []


@pytest.mark.django_db
def test_a_note_made_internal_bans_its_article_page(django_capture_on_commit_callbacks):
    article = make_article("原來的段落。")
    note = make_annotation(first_paragraph(article), 0, 2)
    publish(article)
    start = len(frontcache.sent)
    with django_capture_on_commit_callbacks(execute=True):
        note.visibility = Annotation.Visibility.INTERNAL
        note.save()
    assert list(frontcache.sent)[start:] == [frozenset({f"article-{article.pk}"})]


@pytest.mark.django_db
def test_renaming_a_company_bans_its_page_its_lists_and_search(django_capture_on_commit_callbacks):
    company = make_company("月之暗面")
    start = len(frontcache.sent)
    with django_capture_on_commit_callbacks(execute=True):
        company = Company.objects.get(pk=company.pk)
        company.name_zh = "月之暗面科技"
        company.save()
    assert list(frontcache.sent)[start:] == [frozenset({f"company-{company.pk}", "company-list", "search"})]


@pytest.mark.django_db
def test_a_quote_bans_the_pages_of_its_speaker_and_company(django_capture_on_commit_callbacks):
    article = make_article("「我們會開源。」他說。")
    company = make_company("月之暗面")
    start = len(frontcache.sent)
    with django_capture_on_commit_callbacks(execute=True):
        quote = make_quote(first_paragraph(article), company=company, text="我們會開源。")
    assert list(frontcache.sent)[start:] == [
        frozenset({f"quote-{quote.pk}", "quote-list", f"company-{company.pk}", "search"})
    ]
