"""The change feed: every public change once, in commit order, with tombstones and nothing unpublished."""

import pytest

from articles.models import Article
from articles.workflow import article_archive
from integrations.changes import changes_record
from integrations.documents import Record
from integrations.models import ChangeEvent, Kind
from tests.factories import make_article, make_company, make_quote
from tests.factories.articles import first_paragraph, publish, set_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for a commit (the feed's task) at the end of each block, as a real commit would."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


def feed(client, since=None, **params):
    query = {"since": since, **params} if since is not None else params
    response = client.get("/api/v1/changes", query)
    assert response.status_code == 200, response.content
    return response.json()


def types(page):
    return [(item["type"], item["object"]["id"]) for item in page["items"]]


def test_publish_update_and_unpublish_each_make_one_event(client, committed, editor):
    with committed():
        article = make_article(slug="feed-one")
    with committed():
        set_text(first_paragraph(article), "改過的段落。")
        publish(article)
    with committed():
        article_archive(article=article, user=editor)
    page = feed(client)
    assert types(page) == [
        ("article.published", article.pk),
        ("article.updated", article.pk),
        ("article.unpublished", article.pk),
    ]
    published, updated, tombstone = page["items"]
    assert published["object"]["url"].endswith("/api/v1/articles/feed-one")
    assert tombstone["data"] is None and tombstone["current"] is True
    # Content is read when the feed is: what is no longer public is never shown, not even in old events.
    assert published["data"] is None and published["current"] is False
    assert updated["data"] is None


def test_an_event_carries_the_document_the_api_serves(client, committed):
    with committed():
        article = make_article(slug="feed-doc")
    item = feed(client)["items"][0]
    assert item["data"] == client.get("/api/v1/articles/feed-doc").json()
    assert item["current"] is True and item["object"] == {
        "type": "article",
        "id": article.pk,
        "url": "http://testserver/api/v1/articles/feed-doc",
    }


def test_a_change_no_reader_sees_records_nothing(client, committed):
    with committed():
        article = make_article(slug="feed-quiet")
    with committed():
        set_text(first_paragraph(article), "未發布的修改。")  # the working copy only
        changes_record([Record(Kind.ARTICLE, article.pk)])  # noted again: the public document is the same
    with committed():
        make_article(slug="feed-draft", status=Article.Status.DRAFT)
    assert types(feed(client)) == [("article.published", article.pk)]


def test_the_cursor_never_skips_or_repeats(client, committed):
    articles = []
    for n in range(5):
        with committed():
            articles.append(make_article(slug=f"feed-page-{n}"))
    first = feed(client, limit=2)
    assert first["has_more"] is True and len(first["items"]) == 2
    second = feed(client, since=first["next"], limit=2)
    third = feed(client, since=second["next"], limit=2)
    seen = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 5
    assert third["has_more"] is False
    assert feed(client, since=third["next"])["items"] == []


def test_companies_and_quotes_follow_their_publication(client, committed, editor):
    with committed():
        company = make_company("月之暗面", published=True)
    with committed():
        article = make_article("月之暗面的創始人說了一句話。", slug="feed-quote")
        quote = make_quote(first_paragraph(article), "說了一句話", company=company)
    with committed():
        company.published = False
        company.save()
    with committed():
        article_archive(article=article, user=editor)
    events = types(feed(client))
    assert events[0] == ("company.published", company.pk)
    assert ("quote.published", quote.pk) in events
    assert ("company.unpublished", company.pk) in events
    assert events[-1] in {("quote.unpublished", quote.pk), ("article.unpublished", article.pk)}
    assert ("quote.unpublished", quote.pk) in events
    # An unpublished company's name is in no event's content.
    page = client.get("/api/v1/changes").content.decode()
    assert "月之暗面" not in page.replace("月之暗面的創始人", "")


def test_filters_by_type_and_refuses_what_it_does_not_know(client, committed, editor):
    with committed():
        article = make_article(slug="feed-types")
    with committed():
        article_archive(article=article, user=editor)
    page = feed(client, types="article.unpublished")
    assert types(page) == [("article.unpublished", article.pk)]
    for params, name, status in [
        ({"since": "abc"}, "since", 422),
        ({"since": "-1"}, "since", 422),
        ({"types": "article.deleted"}, "types", 422),
    ]:
        response = client.get("/api/v1/changes", params)
        assert response.status_code == status
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["name"] == name


def test_a_scheduled_article_waits_for_its_time(client, committed):
    from datetime import timedelta

    from django.utils import timezone

    with committed():
        make_article(
            slug="feed-later", status=Article.Status.SCHEDULED, publish_at=timezone.now() + timedelta(days=1)
        )
    assert feed(client)["items"] == []
    assert ChangeEvent.objects.count() == 0


def test_a_scheduled_article_is_looked_at_again_when_its_time_comes(committed, settings):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    due = timezone.now() + timedelta(days=1)
    with committed():
        article = make_article(slug="feed-due", status=Article.Status.SCHEDULED, publish_at=due)
    deferred = DBTaskResult.objects.filter(task_path="integrations.tasks.record_changes", run_after=due)
    assert [task.args_kwargs["args"] for task in deferred] == [[[["article", article.pk]]]]


def test_the_backfill_announces_what_is_public_once(client, seed):
    from django.core.management import call_command

    call_command("changes_backfill", verbosity=0)
    first = feed(client, limit=100)
    kinds = {item["object"]["type"] for item in first["items"]}
    assert {"article", "company", "person", "quote", "figure"} <= kinds
    assert all(item["type"].endswith(".published") for item in first["items"])
    made = ChangeEvent.objects.count()
    call_command("changes_backfill", verbosity=0)
    assert ChangeEvent.objects.count() == made


def test_the_feed_is_shared_by_the_front_cache_and_banned_by_each_event(client, committed):
    from core import frontcache

    with committed():
        article = make_article(slug="feed-cached")
    response = client.get("/api/v1/changes")
    assert "s-maxage" in response["Cache-Control"]
    assert set(response[frontcache.TAG_HEADER].split()) >= {"changes", f"article-{article.pk}"}
    frontcache.sent.clear()
    with committed():
        make_article(slug="feed-cached-2")
    assert any("changes" in tags for tags in frontcache.sent)
