"""What an editor takes back from a live article leaves every surface at once and returns only with a publish.

A note made internal or deleted, a mention rejected, reopened or deleted: readers stop seeing it at once
(page, API, search snippets follow the same read). Making it public or confirmed again is a change to the
working copy like any other: it waits for the next publish, so nobody re-publishes by toggling.
"""

import pytest
from django.test import Client

from articles.models import Annotation, Article, ArticleVersion
from articles.publication import published_article, version_withdraw
from landscape.models import Mention
from landscape.publication import published_mentions
from landscape.services import mention_set_status
from tests.factories import (
    first_paragraph,
    make_annotation,
    make_article,
    make_company,
    make_mention,
    publish,
)
from tests.factories import set_text as set_paragraph_text

pytestmark = pytest.mark.django_db


def live(article) -> ArticleVersion:
    return Article.objects.get(pk=article.pk).live_version


def page(article) -> str:
    response = Client().get(live(article).get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def api_notes(article) -> list[str]:
    document = Client().get(f"/api/v1/articles/{live(article).slug}").json()
    return [note["note_text"] for note in document["annotations"]]


def test_a_note_made_internal_leaves_at_once_and_returns_only_with_a_publish(editor):
    article = make_article("月之暗面發布了新模型。")
    note = make_annotation(first_paragraph(article), 0, 4, body="公開的背景說明")
    publish(article)
    assert "公開的背景說明" in page(article) and api_notes(article) == ["公開的背景說明"]

    note.visibility = Annotation.Visibility.INTERNAL
    note.save()
    assert "公開的背景說明" not in page(article) and api_notes(article) == []
    assert live(article).withdrawn == {"notes": [str(note.uid)], "mentions": []}

    note.visibility = Annotation.Visibility.PUBLIC
    note.save()
    assert "公開的背景說明" not in page(article) and api_notes(article) == []
    assert Article.objects.get(pk=article.pk).has_unpublished_changes

    publish(article, user=editor)
    assert "公開的背景說明" in page(article) and api_notes(article) == ["公開的背景說明"]
    assert live(article).withdrawn == {}


def test_a_deleted_note_leaves_the_live_version_at_once():
    article = make_article("月之暗面發布了新模型。")
    note = make_annotation(first_paragraph(article), 0, 4, body="將被刪除的說明")
    publish(article)
    note.delete()
    assert "將被刪除的說明" not in page(article)
    assert published_article(live(article)).notes == []


@pytest.mark.parametrize("status", [Mention.Status.REJECTED, Mention.Status.SUGGESTED])
def test_a_mention_rejected_or_reopened_unlinks_at_once_and_stays_off_until_a_publish(editor, status):
    article = make_article("月之暗面發布了新模型。")
    company = make_company("月之暗面", slug="moonshot")
    mention = make_mention(first_paragraph(article), 0, 4, company=company)
    publish(article)
    assert 'href="/companies/moonshot/"' in page(article)

    mention_set_status(mention=mention, status=status, user=editor)
    assert 'href="/companies/moonshot/"' not in page(article)
    assert live(article).withdrawn == {"notes": [], "mentions": [mention.pk]}

    mention_set_status(mention=mention, status=Mention.Status.CONFIRMED, user=editor)
    assert 'href="/companies/moonshot/"' not in page(article)
    publish(article, user=editor)
    assert 'href="/companies/moonshot/"' in page(article)


def test_a_deleted_mention_unlinks_at_once():
    article = make_article("月之暗面發布了新模型。")
    company = make_company("月之暗面", slug="moonshot")
    mention = make_mention(first_paragraph(article), 0, 4, company=company)
    publish(article)
    mention.delete()
    assert 'href="/companies/moonshot/"' not in page(article)
    assert published_mentions(published_article(live(article))) == {}


def test_a_mention_that_lost_its_place_in_the_working_copy_still_stands_on_the_live_page():
    article = make_article("月之暗面發布了新模型。")
    company = make_company("月之暗面", slug="moonshot")
    mention = make_mention(first_paragraph(article), 0, 4, company=company)
    publish(article)
    set_paragraph_text(first_paragraph(article), "另一家公司發布了新模型。")
    mention.refresh_from_db()
    assert mention.paragraph_id is None and mention.review_reason  # waits for review in the working copy
    html = page(article)
    assert 'href="/companies/moonshot/"' in html and "月之暗面" in html
    assert live(article).withdrawn == {}

    # Deleting it in review takes it off the live page too.
    mention.delete()
    assert 'href="/companies/moonshot/"' not in page(article)


def test_only_what_the_live_version_holds_is_recorded():
    article = make_article("月之暗面發布了新模型。")
    internal = make_annotation(first_paragraph(article), 0, 4, visibility=Annotation.Visibility.INTERNAL)
    publish(article)
    version = live(article)
    assert version_withdraw(article.pk, notes=[internal.uid], mentions=[10**9]) is None
    internal.body = "改過的內部註釋"
    internal.save()
    version.refresh_from_db()
    assert version.withdrawn == {}


def test_saving_an_internal_note_on_a_live_article_takes_no_lock(django_assert_max_num_queries):
    article = make_article("月之暗面發布了新模型。")
    internal = make_annotation(first_paragraph(article), 0, 4, visibility=Annotation.Visibility.INTERNAL)
    publish(article)
    internal.body = "再改一次"
    # The update, the working copy marked edited, the live version looked at, and the search index's own.
    with django_assert_max_num_queries(8) as captured:
        internal.save()
    assert not any("FOR UPDATE" in query["sql"] for query in captured.captured_queries)


def test_a_withdrawal_is_no_edit_of_the_working_copy_and_keeps_the_version_date():
    article = make_article("月之暗面發布了新模型。")
    note = make_annotation(first_paragraph(article), 0, 4)
    publish(article)
    published_at = live(article).published_at
    Article.objects.filter(pk=article.pk).update(edited_at=published_at)
    version_withdraw(article.pk, notes=[note.uid])
    assert live(article).published_at == published_at
    assert not Article.objects.get(pk=article.pk).has_unpublished_changes
