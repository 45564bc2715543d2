"""The article list's bulk "Publish now…": a confirmation page with each article's pre-publish check first."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from reversion.models import Version

from articles.models import Annotation, Article
from tests.factories import first_paragraph, make_annotation, make_article, set_text

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")


def choose(client, articles, **extra):
    """Post the action for the articles from the list, as the list's Go button does."""
    data = {"action": "publish_now", "_selected_action": [str(a.pk) for a in articles], "index": "0", **extra}
    return client.post(CHANGELIST, data)


def confirm(client, asked, choice: str, *, follow=True):
    """Press one of the confirmation page's buttons, posting back what the page holds."""
    data = {
        "action": "publish_now",
        "_selected_action": [str(row["article"].pk) for row in asked.context["rows"]],
        "checked": asked.context["checked"],
        "publish": choice,
    }
    return client.post(CHANGELIST, data, follow=follow)


def live(*articles) -> list[bool]:
    return [Article.objects.get(pk=a.pk).is_public for a in articles]


def last_comment(article) -> str:
    return Version.objects.get_for_object(article).first().revision.comment


@pytest.fixture
def chosen():
    """A clean draft, a draft the check finds things in, and a live article with nothing unpublished."""
    clean = make_article("乾淨的段落。", status=Article.Status.DRAFT, title="乾淨的稿", summary="摘要")
    flagged = make_article("有警告的段落。", status=Article.Status.DRAFT, title="有警告的稿", summary="")
    make_annotation(
        first_paragraph(flagged), 0, 2, kind=Annotation.Kind.INGEST_WARNING, visibility="internal"
    )
    unchanged = make_article("已發表的段落。", title="已發表的稿", summary="摘要")
    return clean, flagged, unchanged


def test_the_action_asks_first_and_lists_each_articles_findings(editor_client, chosen):
    clean, flagged, unchanged = chosen
    asked = choose(editor_client, [clean, flagged, unchanged])
    assert asked.status_code == 200
    assert "admin/articles/article/publish_selected.html" in [t.name for t in asked.templates]
    assert live(clean, flagged) == [False, False]  # asking publishes nothing
    html = asked.content.decode()
    rows = {row["article"].pk: row for row in asked.context["rows"]}
    assert rows[clean.pk]["findings"] == [] and rows[clean.pk]["blocked"] is None
    assert rows[flagged.pk]["findings"] == [
        "1 open ingest warning",
        "no summary: lists, feeds and search engines show none",
    ]
    assert "1 open ingest warning" in html and "Nothing to fix." in html
    assert rows[unchanged.pk]["blocked"] == "live, with no unpublished changes: nothing to publish"
    assert 'value="clean">Publish the 1 without findings</button>' in html
    assert 'value="all">Publish all 2, despite the findings</button>' in html
    assert f'href="{CHANGELIST}" class="button cancel-link">Cancel</a>' in html


def test_the_cancel_link_goes_back_to_the_filtered_list(editor_client, chosen):
    clean, *_ = chosen
    asked = editor_client.post(
        f"{CHANGELIST}?live=no",
        {"action": "publish_now", "_selected_action": [str(clean.pk)], "index": "0"},
    )
    assert f'href="{CHANGELIST}?live=no" class="button cancel-link">Cancel</a>' in asked.content.decode()
    assert 'value="clean">Publish 1 article</button>' in asked.content.decode()  # no findings: one button
    assert "despite the findings" not in asked.content.decode()


def test_publishing_the_clean_ones_leaves_the_others_unpublished(editor_client, chosen):
    clean, flagged, unchanged = chosen
    versions_before = Article.objects.get(pk=unchanged.pk).live_version_id
    done = confirm(editor_client, choose(editor_client, [clean, flagged, unchanged]), "clean")
    assert done.redirect_chain == [(CHANGELIST, 302)]
    assert live(clean, flagged) == [True, False]
    assert Article.objects.get(pk=flagged.pk).status == Article.Status.DRAFT
    # Nothing to publish: no new version, so its dates do not move.
    assert Article.objects.get(pk=unchanged.pk).live_version_id == versions_before
    shown = [str(message) for message in done.context["messages"]]
    assert shown == [
        "Published: 乾淨的稿.",
        "Left unpublished, as the check found something: 有警告的稿 (1 open ingest warning; no summary: "
        "lists, feeds and search engines show none).",
    ]
    assert last_comment(clean) == "Published"


def test_publishing_all_records_what_was_acknowledged_in_each_history(editor_client, editor, chosen):
    clean, flagged, _ = chosen
    done = confirm(editor_client, choose(editor_client, [clean, flagged]), "all")
    assert live(clean, flagged) == [True, True]
    assert last_comment(clean) == "Published"
    assert last_comment(flagged) == (
        "Published, despite: 1 open ingest warning; no summary: lists, feeds and search engines show none"
    )
    version = Article.objects.get(pk=flagged.pk).live_version
    assert version.published_by == editor
    assert [str(message) for message in done.context["messages"]] == ["Published: 乾淨的稿, 有警告的稿."]
    # The admin's own log says which ones went out despite the check.
    logged = LogEntry.objects.filter(object_id=str(flagged.pk)).values_list("change_message", flat=True)
    assert list(logged) == ["Published anyway"]


def test_publishes_the_changes_of_a_live_article(editor_client, chosen):
    *_, unchanged = chosen
    set_text(first_paragraph(unchanged), "更正後的段落。")
    asked = choose(editor_client, [unchanged])
    assert asked.context["rows"][0]["blocked"] is None
    confirm(editor_client, asked, "clean")
    assert "更正後的段落" in editor_client.get(unchanged.get_absolute_url()).content.decode()


def test_an_article_changed_after_the_confirmation_page_is_not_published(editor_client, chosen):
    clean, flagged, _ = chosen
    asked = choose(editor_client, [clean, flagged])
    set_text(first_paragraph(flagged), "別人剛改過的段落。")  # someone else's edit, after the page was shown
    done = confirm(editor_client, asked, "all")
    assert live(clean, flagged) == [True, False]
    assert [str(message) for message in done.context["messages"]] == [
        "Published: 乾淨的稿.",
        "Not published: 有警告的稿: it changed after the confirmation page was shown; look at it again",
    ]


def test_a_new_finding_after_the_confirmation_page_is_not_acknowledged_unseen(editor_client, chosen):
    clean, *_ = chosen
    asked = choose(editor_client, [clean])
    Article.objects.filter(pk=clean.pk).update(summary="")  # no edit time moves, but the check changes
    confirm(editor_client, asked, "all")
    assert live(clean) == [False]


def test_a_damaged_confirmation_publishes_nothing(editor_client, chosen):
    clean, flagged, _ = chosen
    data = {"action": "publish_now", "_selected_action": [str(clean.pk)], "checked": "x", "publish": "all"}
    done = editor_client.post(CHANGELIST, data, follow=True)
    assert live(clean) == [False]
    assert "the confirmation page was damaged" in done.content.decode()
    # An article the page did not list is not published by adding it to the posted selection.
    asked = choose(editor_client, [clean])
    forged = {
        "action": "publish_now",
        "_selected_action": [str(clean.pk), str(flagged.pk)],
        "checked": asked.context["checked"],
        "publish": "all",
    }
    editor_client.post(CHANGELIST, forged)
    assert live(clean, flagged) == [True, False]


def test_contributors_are_never_offered_the_action_nor_can_post_it(client, contributor, editor, chosen):
    clean, flagged, _ = chosen
    client.force_login(editor)
    asked = choose(client, [clean, flagged])
    client.force_login(contributor)
    choices = [value for value, _ in client.get(CHANGELIST).context["action_form"].fields["action"].choices]
    assert "submit_for_review" in choices and "publish_now" not in choices
    assert choose(client, [clean]).status_code == 302  # no confirmation page for them
    confirm(client, asked, "all")
    assert live(clean, flagged) == [False, False]


def test_the_confirmation_page_takes_a_fixed_number_of_queries_per_article(
    editor_client, chosen, django_assert_max_num_queries
):
    # The page itself, then six per article: its pre-publish check (articles/checks.py).
    with django_assert_max_num_queries(5 + 6 * 3):
        asked = choose(editor_client, chosen)
    assert len(asked.context["rows"]) == 3
