"""Mentions follow their text through edits, splits, merges and deletions (landscape/mentions.py)."""

from contextlib import contextmanager

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article, Paragraph, Section
from landscape import mentions as mention_services
from landscape.models import Mention
from landscape.selectors import mentions_needing_review
from landscape.services import mentions_detect
from tests.admin_support import recover
from tests.factories import (
    first_paragraph,
    make_article,
    make_company,
    make_mention,
    make_person,
    paragraphs,
    publish,
    set_text,
)

pytestmark = pytest.mark.django_db

CONFIRMED, SUGGESTED, REJECTED = Mention.Status.CONFIRMED, Mention.Status.SUGGESTED, Mention.Status.REJECTED
Reason = Mention.ReviewReason

NAME = "月之暗面"


@pytest.fixture
def moonshot(db):
    return make_company(name_zh=NAME, slug="moonshot")


def mention_on(paragraph: Paragraph, company, *, occurrence: int = 0, **fields) -> Mention:
    """Mention the company's name where it stands in the paragraph (its first occurrence unless told)."""
    start = -1
    for _ in range(occurrence + 1):
        start = paragraph.text.index(company.name_zh, start + 1)
    return make_mention(paragraph, start, start + len(company.name_zh), company=company, **fields)


def placed(mention: Mention) -> tuple:
    mention.refresh_from_db()
    return (mention.paragraph_id, mention.start, mention.end, mention.status)


def assert_needs_review(mention: Mention, article: Article, reason: str, *, was: str) -> None:
    mention.refresh_from_db()
    assert mention.paragraph_id is None and mention.needs_review
    assert mention.unplaced_in_id == article.pk
    assert mention.review_reason == reason
    assert mention.status_before_review == was
    assert mention in mentions_needing_review(article)


def split(paragraph: Paragraph, at: int, *, second_half_first: bool) -> Paragraph:
    """Split the paragraph's text at `at` as an editor does: shorten it and add a paragraph after it."""
    text = paragraph.text
    if second_half_first:
        new = Paragraph.objects.create(
            section=paragraph.section, position=paragraph.position + 1, text=text[at:]
        )
        set_text(paragraph, text[:at])
    else:
        set_text(paragraph, text[:at])
        new = Paragraph.objects.create(
            section=paragraph.section, position=paragraph.position + 1, text=text[at:]
        )
    return new


# --- Edits within a paragraph -----------------------------------------------------------------------------


def test_inserting_text_before_a_mention_moves_it_and_keeps_its_link(client, moonshot):
    article = make_article("月之暗面發布了Kimi智能助手。")
    paragraph = first_paragraph(article)
    mention = mention_on(paragraph, moonshot)

    set_text(paragraph, "今年年初，月之暗面發布了Kimi智能助手。")

    assert placed(mention) == (paragraph.pk, 5, 9, CONFIRMED)
    assert mention.matches(paragraph.text)
    publish(article)
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'<a class="mention" href="{moonshot.get_absolute_url()}">{NAME}</a>' in page


def test_the_mention_of_the_right_occurrence_moves_when_the_name_recurs(moonshot):
    article = make_article("月之暗面說，Kimi屬於月之暗面。")
    paragraph = first_paragraph(article)
    second = mention_on(paragraph, moonshot, occurrence=1)

    set_text(paragraph, "據報道，月之暗面說，Kimi這款產品屬於月之暗面。")

    assert placed(second) == (paragraph.pk, 20, 24, CONFIRMED)


def test_mentions_moving_onto_each_others_old_spans_all_follow(moonshot):
    article = make_article("月之暗面和月之暗面")
    paragraph = first_paragraph(article)
    first, second = mention_on(paragraph, moonshot), mention_on(paragraph, moonshot, occurrence=1)

    set_text(paragraph, "今年年初，月之暗面和月之暗面")  # the first moves exactly onto the second's old span

    assert placed(first) == (paragraph.pk, 5, 9, CONFIRMED)
    assert placed(second) == (paragraph.pk, 10, 14, CONFIRMED)


def test_an_edit_that_removes_the_name_sends_a_confirmed_mention_back_for_review(admin_client, moonshot):
    article = make_article("前言。", "據報道，月之暗面發布了Kimi智能助手。")
    paragraph = paragraphs(article)[1]
    mention = mention_on(paragraph, moonshot)

    set_text(paragraph, "據報道，一家公司發布了智能助手。")

    assert_needs_review(mention, article, Reason.TEXT_GONE, was=CONFIRMED)
    assert mention.status == SUGGESTED
    assert (mention.context_before, mention.context_after) == ("據報道，", "發布了Kimi智能助手。")
    assert not Mention.objects.public().exists()
    assert not Mention.objects.in_article(article).exists()

    changelist = admin_client.get(
        reverse("admin:landscape_mention_changelist"),
        {"review": "needed", "unplaced_in__id__exact": article.pk},
    )
    assert changelist.context["cl"].result_count == 1
    assert "Needs review" in changelist.content.decode()
    change = admin_client.get(reverse("admin:landscape_mention_change", args=[mention.pk]))
    assert change.status_code == 200 and "Its text is no longer in its paragraph" in change.content.decode()


def test_undoing_the_edit_gives_the_mention_back_its_place_and_its_confirmation(moonshot):
    article = make_article("據報道，月之暗面發布了Kimi智能助手。")
    paragraph = first_paragraph(article)
    mention = mention_on(paragraph, moonshot)
    original = paragraph.text

    set_text(paragraph, "據報道，一家公司發布了智能助手。")
    set_text(paragraph, original)

    assert placed(mention) == (paragraph.pk, 4, 8, CONFIRMED)
    assert (mention.review_reason, mention.unplaced_in_id, mention.context_before) == ("", None, "")
    assert not mentions_needing_review(article).exists()


def test_a_name_left_only_where_its_context_cannot_tell_needs_review(moonshot):
    article = make_article("他說月之暗面很好")
    paragraph = first_paragraph(article)
    mention = mention_on(paragraph, moonshot)

    set_text(paragraph, "月之暗面與月之暗面")

    assert_needs_review(mention, article, Reason.AMBIGUOUS, was=CONFIRMED)


def test_a_mention_whose_occurrence_is_gone_never_lands_on_another_mentions_span(moonshot):
    article = make_article("月之暗面和月之暗面")
    paragraph = first_paragraph(article)
    first, second = mention_on(paragraph, moonshot), mention_on(paragraph, moonshot, occurrence=1)

    set_text(paragraph, "月之暗面")

    assert placed(first) == (paragraph.pk, 0, 4, CONFIRMED)
    assert_needs_review(second, article, Reason.TAKEN, was=CONFIRMED)


# --- Splits and merges ------------------------------------------------------------------------------------


@pytest.mark.parametrize("second_half_first", [False, True], ids=["shortened-first", "added-first"])
def test_a_split_moves_the_mention_to_the_new_paragraph(moonshot, second_half_first):
    article = make_article("楊植麟在清華大學讀書。月之暗面在二〇二三年成立，發布了Kimi。")
    paragraph = first_paragraph(article)
    mention = mention_on(paragraph, moonshot)
    at = paragraph.text.index("月之暗面")

    new = split(paragraph, at, second_half_first=second_half_first)

    assert placed(mention) == (new.pk, 0, 4, CONFIRMED)
    assert not mentions_needing_review(article).exists()


@pytest.mark.parametrize("delete_first", [False, True], ids=["edited-first", "deleted-first"])
def test_a_merge_moves_the_mention_into_the_paragraph_that_absorbed_it(moonshot, delete_first):
    article = make_article("楊植麟創辦了一家公司。", "月之暗面發布了Kimi。")
    first, second = paragraphs(article)
    mention = mention_on(second, moonshot)
    merged = first.text + second.text

    if delete_first:
        second.delete()
        set_text(first, merged)
    else:
        set_text(first, merged)
        second.delete()

    assert placed(mention) == (first.pk, 11, 15, CONFIRMED)


def test_a_name_recurring_elsewhere_without_its_context_does_not_take_the_mention(moonshot):
    article = make_article("據報道，月之暗面發布了Kimi。", "另據消息，月之暗面正在融資。")
    first, second = paragraphs(article)
    mention = mention_on(first, moonshot)

    set_text(first, "據報道，一家公司發布了新產品。")

    assert_needs_review(mention, article, Reason.TEXT_GONE, was=CONFIRMED)
    assert not second.mentions.exists()


# --- Deleting paragraphs and articles ---------------------------------------------------------------------


def test_deleting_a_paragraph_keeps_its_confirmed_mention_for_review_and_recovering_places_it(
    editor_client, moonshot
):
    article = make_article("前言。", "月之暗面發布了Kimi。")
    paragraph = paragraphs(article)[1]
    mention = mention_on(paragraph, moonshot)

    response = editor_client.post(
        reverse("admin:articles_paragraph_delete", args=[paragraph.pk]), {"post": "yes"}
    )

    assert response.status_code == 302 and not Paragraph.objects.filter(pk=paragraph.pk).exists()
    assert_needs_review(mention, article, Reason.PARAGRAPH_DELETED, was=CONFIRMED)
    assert (mention.context_before, mention.context_after) == ("", "發布了Kimi。")

    recover(editor_client, Paragraph, paragraph.pk)

    assert placed(mention) == (paragraph.pk, 0, 4, CONFIRMED)


def test_a_deleted_section_never_moves_mentions_into_its_own_paragraphs(moonshot):
    article = make_article("月之暗面發布了Kimi。", "月之暗面發布了Kimi。")
    doomed = first_paragraph(article).section
    other = Section.objects.create(article=article, position=1)
    Paragraph.objects.create(section=other, position=0, text="另一節。")
    mention = mention_on(first_paragraph(article), moonshot)

    doomed.delete()

    assert_needs_review(mention, article, Reason.PARAGRAPH_DELETED, was=CONFIRMED)


def test_deleting_a_paragraph_moves_its_mention_to_one_holding_the_text_in_its_context(moonshot):
    article = make_article("楊植麟說：月之暗面發布了Kimi。", "月之暗面發布了Kimi。")
    kept, deleted = paragraphs(article)
    mention = mention_on(deleted, moonshot)

    deleted.delete()

    assert placed(mention) == (kept.pk, 5, 9, CONFIRMED)


def test_deleting_an_article_deletes_all_its_mentions_and_recovering_it_brings_them_back(
    editor_client, moonshot
):
    article = make_article("月之暗面發布了Kimi。", "據報道，月之暗面正在融資。")
    first, second = paragraphs(article)
    staying, unplaced = mention_on(first, moonshot), mention_on(second, moonshot)
    set_text(second, "據報道，一家公司正在融資。")
    assert_needs_review(unplaced, article, Reason.TEXT_GONE, was=CONFIRMED)

    page = editor_client.get(reverse("admin:articles_article_delete", args=[article.pk])).content.decode()
    assert page.count("Mention:") == 2
    response = editor_client.post(
        reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}
    )

    assert response.status_code == 302 and not Mention.objects.exists()

    recover(editor_client, Article, article.pk)

    assert placed(staying) == (first.pk, 0, 4, CONFIRMED)
    assert_needs_review(unplaced, article, Reason.TEXT_GONE, was=CONFIRMED)


# --- Suggested and rejected mentions ----------------------------------------------------------------------


def test_a_suggestion_follows_its_name_and_is_dropped_once_the_name_is_gone(moonshot):
    article = make_article("月之暗面發布了Kimi。")
    paragraph = first_paragraph(article)
    suggestion = mention_on(paragraph, moonshot, status=SUGGESTED)

    set_text(paragraph, "據報道，月之暗面發布了Kimi。")
    assert placed(suggestion) == (paragraph.pk, 4, 8, SUGGESTED)

    set_text(paragraph, "據報道，一家公司發布了Kimi。")
    assert not Mention.objects.exists()  # detection suggests it again wherever the name comes back


def test_a_suggestion_goes_with_its_deleted_paragraph(moonshot):
    article = make_article("前言。", "月之暗面發布了Kimi。")
    paragraph = paragraphs(article)[1]
    mention_on(paragraph, moonshot, status=SUGGESTED)

    paragraph.delete()

    assert not Mention.objects.exists()


def test_a_rejected_mention_keeps_its_rejection_through_review_and_back(moonshot):
    kimi = make_person(name_zh="Kimi", slug="kimi")  # a person's name an app happens to carry
    article = make_article("月之暗面發布了Kimi。")
    paragraph = first_paragraph(article)
    start = paragraph.text.index("Kimi")
    rejected = make_mention(paragraph, start, start + 4, person=kimi, status=REJECTED)
    original = paragraph.text

    set_text(paragraph, "月之暗面發布了新產品。")
    assert_needs_review(rejected, article, Reason.TEXT_GONE, was=REJECTED)
    assert rejected.status == REJECTED

    set_text(paragraph, original)
    assert placed(rejected) == (paragraph.pk, start, start + 4, REJECTED)


def test_detection_leaves_mentions_needing_review_alone(moonshot):
    article = make_article("據報道，月之暗面發布了Kimi。")
    paragraph = first_paragraph(article)
    mention = mention_on(paragraph, moonshot)
    set_text(paragraph, "據報道，一家公司發布了Kimi。")

    mentions_detect(article=article)

    assert_needs_review(mention, article, Reason.TEXT_GONE, was=CONFIRMED)


def test_an_editor_places_a_mention_needing_review_from_its_change_form(admin_client, moonshot):
    article = make_article("據報道，月之暗面發布了Kimi。")
    paragraph = first_paragraph(article)
    mention = mention_on(paragraph, moonshot)
    set_text(paragraph, "據報道，一家公司發布了Kimi。")
    set_text(paragraph, "月之暗面，據報道，一家公司發布了Kimi。")  # the name is back, but not in its context
    assert_needs_review(mention, article, Reason.TEXT_GONE, was=CONFIRMED)

    response = admin_client.post(
        reverse("admin:landscape_mention_change", args=[mention.pk]),
        {
            "paragraph": paragraph.pk,
            "start": 0,
            "end": 4,
            "company": moonshot.pk,
            "person": "",
            "status": CONFIRMED,
        },
    )

    assert response.status_code == 302
    assert placed(mention) == (paragraph.pk, 0, 4, CONFIRMED)
    assert (mention.unplaced_in_id, mention.review_reason, mention.status_before_review) == (None, "", "")


def test_reattaching_an_article_places_a_stale_mention_where_its_name_is(moonshot):
    article = make_article("據報道，月之暗面發布了Kimi。")
    paragraph = first_paragraph(article)
    mention = mention_on(paragraph, moonshot)
    Mention.objects.filter(pk=mention.pk).update(start=0, end=4)  # off its text, as before mentions followed

    result = mention_services.mentions_reattach_article(article=article)

    assert result.moved == 1
    assert placed(mention) == (paragraph.pk, 4, 8, CONFIRMED)


# --- What a save costs ------------------------------------------------------------------------------------


@contextmanager
def mentions_standing_still():
    """Disconnect the receiver that makes mentions follow their paragraph's text, for a baseline."""
    post_save.disconnect(sender=Paragraph, dispatch_uid="mentions_follow_text")
    try:
        yield
    finally:
        post_save.connect(
            mention_services._follow_text, sender=Paragraph, dispatch_uid="mentions_follow_text"
        )


def queries(action) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        action()
    return [query["sql"] for query in captured.captured_queries]


def on_mentions(sql: list[str]) -> list[str]:
    return [query for query in sql if "landscape_mention" in query]


def test_a_paragraph_save_without_mentions_costs_what_it_did_or_one_look_when_its_text_changed(moonshot):
    article = make_article("月之暗面發布了Kimi。", "第二段。", "第三段。", "第四段。")
    mentioned, before, after, _ = paragraphs(article)
    mention_on(mentioned, moonshot)
    section = mentioned.section

    with mentions_standing_still():
        unchanged_then = queries(before.save)
        edited_then = queries(lambda: set_text(before, "第二段，改過。"))
        created_then = queries(
            lambda: Paragraph.objects.create(section=section, position=5, text="新的一段。")
        )

    unchanged_now = queries(after.save)
    edited_now = queries(lambda: set_text(after, "第三段，改過。"))
    created_now = queries(lambda: Paragraph.objects.create(section=section, position=6, text="又一段。"))

    assert len(unchanged_now) == len(unchanged_then) and not on_mentions(unchanged_now)
    assert len(edited_now) == len(edited_then) + 1 and len(on_mentions(edited_now)) == 1
    assert len(created_now) == len(created_then) + 1 and len(on_mentions(created_now)) == 1


def test_an_edit_that_leaves_the_mentions_where_they_are_writes_none(moonshot):
    article = make_article("月之暗面發布了Kimi。")
    paragraph = first_paragraph(article)
    mention = mention_on(paragraph, moonshot)

    sql = queries(lambda: set_text(paragraph, "月之暗面發布了Kimi智能助手。"))

    assert len(on_mentions(sql)) == 1 and on_mentions(sql)[0].lstrip().upper().startswith("SELECT")
    assert placed(mention) == (paragraph.pk, 0, 4, CONFIRMED)
