from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from reversion.models import Version

from articles.models import Article
from articles.workflow import (
    article_archive,
    article_publish,
    article_return_to_draft,
    article_schedule,
    article_submit,
)

pytestmark = pytest.mark.django_db


def status_of(article):
    article.refresh_from_db()
    return article.status


def test_contributor_submits_and_editor_publishes(draft, contributor, editor):
    article_submit(article=draft, user=contributor)
    assert status_of(draft) == Article.Status.REVIEW
    article_publish(article=draft, user=editor)
    assert status_of(draft) == Article.Status.PUBLISHED
    assert draft.publish_at <= timezone.now()
    assert draft in Article.objects.published()


@pytest.mark.parametrize(
    "transition",
    [
        lambda a, u: article_publish(article=a, user=u),
        lambda a, u: article_schedule(article=a, user=u, publish_at=timezone.now() + timedelta(days=1)),
        lambda a, u: article_archive(article=a, user=u),
    ],
    ids=["publish", "schedule", "archive"],
)
def test_contributor_may_not_publish_schedule_or_archive(draft, contributor, transition):
    article_submit(article=draft, user=contributor)
    with pytest.raises(PermissionDenied, match="Only editors may"):
        transition(draft, contributor)
    assert status_of(draft) == Article.Status.REVIEW
    assert not Article.objects.published().exists()


def test_contributor_may_not_unpublish(draft, contributor, editor):
    article_publish(article=draft, user=editor)
    with pytest.raises(PermissionDenied):
        article_return_to_draft(article=draft, user=contributor)
    assert status_of(draft) == Article.Status.PUBLISHED


def test_contributor_may_take_back_a_submission(draft, contributor):
    article_submit(article=draft, user=contributor)
    article_return_to_draft(article=draft, user=contributor)
    assert status_of(draft) == Article.Status.DRAFT


def test_publish_keeps_an_earlier_publish_time(draft, editor):
    original = timezone.now() - timedelta(days=365)
    Article.objects.filter(pk=draft.pk).update(publish_at=original)
    draft.refresh_from_db()
    article_publish(article=draft, user=editor)
    draft.refresh_from_db()
    assert draft.publish_at == original


def test_schedule_needs_a_future_time(draft, editor):
    with pytest.raises(ValidationError) as caught:
        article_schedule(article=draft, user=editor, publish_at=timezone.now() - timedelta(minutes=1))
    assert "future" in str(caught.value)
    assert status_of(draft) == Article.Status.DRAFT


def test_scheduled_article_becomes_public_at_its_time_without_any_job(draft, editor):
    when = timezone.now() + timedelta(hours=2)
    article_schedule(article=draft, user=editor, publish_at=when)
    assert status_of(draft) == Article.Status.SCHEDULED
    assert not Article.objects.published().exists()
    assert not Article.objects.published(now=when - timedelta(seconds=1)).exists()
    assert list(Article.objects.published(now=when)) == [draft]
    assert list(Article.objects.published(now=when + timedelta(days=1))) == [draft]


def test_scheduled_article_page_opens_once_its_time_has_come(client, draft, editor):
    when = timezone.now() + timedelta(hours=2)
    article_schedule(article=draft, user=editor, publish_at=when)
    assert client.get(draft.get_absolute_url()).status_code == 404
    # The time passes: nothing runs, the article simply is public.
    Article.objects.filter(pk=draft.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_publishing_a_published_article_publishes_its_changes(draft, editor, client):
    article_publish(article=draft, user=editor)
    first = Article.objects.get(pk=draft.pk).live_version
    draft.title = "改過的標題"
    draft.save()
    assert client.get(first.get_absolute_url()).context["article"].title != "改過的標題"
    article_publish(article=draft, user=editor)
    current = Article.objects.get(pk=draft.pk)
    assert current.live_version.number == first.number + 1
    assert current.live_version.published_by == editor
    assert current.publish_at == first.publish_at  # the article's date stays; its modification moves
    assert current.live_version.published_at > first.published_at
    assert client.get(first.get_absolute_url()).context["article"].title == "改過的標題"
    assert Version.objects.get_for_object(current).first().revision.comment == "Published changes"


def test_archive_takes_the_article_off_the_site(draft, editor):
    article_publish(article=draft, user=editor)
    article_archive(article=draft, user=editor)
    assert status_of(draft) == Article.Status.ARCHIVED
    assert not Article.objects.published().exists()


@pytest.mark.parametrize(
    ("start", "transition", "message"),
    [
        ("published", lambda a, u: article_submit(article=a, user=u), "submitted"),
        ("archived", lambda a, u: article_archive(article=a, user=u), "archived"),
        ("draft", lambda a, u: article_return_to_draft(article=a, user=u), "returned to draft"),
    ],
)
def test_transitions_refuse_the_wrong_starting_status(draft, editor, start, transition, message):
    Article.objects.filter(pk=draft.pk).update(status=start, publish_at=timezone.now())
    draft.refresh_from_db()
    with pytest.raises(ValidationError, match=message):
        transition(draft, editor)
    assert status_of(draft) == start


def test_each_transition_records_who_and_when(draft, contributor, editor):
    article_submit(article=draft, user=contributor)
    article_publish(article=draft, user=editor)
    versions = list(Version.objects.get_for_object(draft).order_by("pk"))
    assert [v.revision.user for v in versions] == [contributor, editor]
    assert [v.revision.get_comment() for v in versions] == ["Submitted for review", "Published"]
    assert all(v.revision.date_created for v in versions)
    assert versions[-1].field_dict["status"] == "published"


def test_groups_exist_with_the_right_powers(editor, contributor):
    assert editor.has_perm("articles.publish_article")
    assert editor.has_perm("articles.delete_article") and editor.has_perm("landscape.change_company")
    assert not contributor.has_perm("articles.publish_article")
    assert contributor.has_perm("articles.change_article") and contributor.has_perm("articles.add_annotation")
    assert not contributor.has_perm("articles.delete_annotation")
    assert contributor.has_perm("landscape.view_company")
    assert not contributor.has_perm("landscape.change_company")


@override_settings(BAIMO_DEV_EDITOR=True)
def test_dev_editor_account_joins_the_editor_group(tmp_path, monkeypatch, django_user_model):
    monkeypatch.setattr("articles.management.commands.ensure_editor.PASSWORD_FILE", tmp_path / "pw")
    call_command("ensure_editor")
    user = django_user_model.objects.get(username="editor")
    assert user.is_staff and Group.objects.get(name="Editor") in user.groups.all()
    assert user.has_perm("articles.publish_article") and user.has_perm("landscape.add_company")
