import base64
import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
import reversion
from django.contrib.admin.sites import site
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from articles.annotations import annotation_create
from articles.models import Annotation, Article, Paragraph, Section, Topic
from articles.workflow import article_publish
from tests.factories import make_article, set_text

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"admin:articles_{name}", args=args)


def first_paragraph(article):
    return (
        Paragraph.objects.filter(section__article=article).order_by("section__position", "position").first()
    )


def change_form_data(article, **overrides):
    """Return the POST data of the article's change form as the page would send it."""
    sections = list(article.sections.order_by("position", "pk")) if article.pk else []
    data = {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "language": article.language,
        "status": article.status,
        "publish_at_0": "",
        "publish_at_1": "",
        "original_source": article.original_source,
        "author": "",
        "image_credit": "",
        "publisher": "",
        "reprint_url": "",
        "disclaimer": "",
        "notice": "",
        "raw_text": "",
        "ingest_report": "{}",
        "sections-TOTAL_FORMS": str(len(sections)),
        "sections-INITIAL_FORMS": str(len(sections)),
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
    }
    if article.publish_at:
        local = timezone.localtime(article.publish_at)
        data["publish_at_0"] = local.strftime("%Y-%m-%d")
        data["publish_at_1"] = local.strftime("%H:%M:%S")
    for index, section in enumerate(sections):
        data.update(
            {
                f"sections-{index}-id": str(section.pk),
                f"sections-{index}-article": str(article.pk),
                f"sections-{index}-position": str(section.position),
                f"sections-{index}-heading": section.heading,
            }
        )
    data.update(overrides)
    return data


@pytest.fixture
def annotated(draft, admin_user):
    paragraph = first_paragraph(draft)
    start = paragraph.text.index("邱錫鵬")
    annotation_create(
        paragraph=paragraph,
        start=start,
        end=start + 3,
        kind="context",
        visibility="public",
        body="復旦大學教授。",
        created_by=admin_user,
    )
    Annotation.objects.create(
        article=draft,
        paragraph=paragraph,
        kind=Annotation.Kind.INGEST_WARNING,
        body="疑似亂碼",
        exact="MOSS",
        start=paragraph.text.index("MOSS"),
        end=paragraph.text.index("MOSS") + 4,
    )
    return draft


def two_versions(article, user):
    with reversion.create_revision():
        reversion.set_user(user)
        article.save()
    paragraph = first_paragraph(article)
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment("Edited the first paragraph")
        paragraph.text = paragraph.text.replace("國內第一個", "中國首個")
        paragraph.save()
        article.title = "百模大戰一週年（修訂）"
        article.save()


# --- Smoke tests: every page answers ---------------------------------------------------------------------


def test_article_pages_answer(admin_client, annotated, admin_user):
    two_versions(annotated, admin_user)
    version = reversion.models.Version.objects.get_for_object(annotated).last()
    pages = [
        url("article_changelist"),
        url("article_add"),
        url("article_change", annotated.pk),
        url("article_history", annotated.pk),
        url("article_delete", annotated.pk),
        url("article_annotate", annotated.pk),
        url("article_compare", annotated.pk),
        url("article_recoverlist"),
        url("article_revision", annotated.pk, version.pk),
        url("article_ingest"),
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page


@pytest.mark.parametrize("model", ["section", "paragraph", "annotation", "topic"])
def test_other_article_model_pages_answer(admin_client, annotated, model):
    objects = {
        "section": annotated.sections.first(),
        "paragraph": first_paragraph(annotated),
        "annotation": annotated.annotations.first(),
        "topic": Topic.objects.create(name="大模型", slug="llm"),
    }
    obj = objects[model]
    for page in [
        url(f"{model}_changelist"),
        url(f"{model}_add"),
        url(f"{model}_change", obj.pk),
        url(f"{model}_history", obj.pk),
        url(f"{model}_delete", obj.pk),
        url(f"{model}_changelist") + "?q=大",
    ]:
        assert admin_client.get(page).status_code == 200, page
    # The bulk delete asks for confirmation first.
    data = {"action": "delete_selected", "_selected_action": [str(obj.pk)], "index": "0"}
    response = admin_client.post(url(f"{model}_changelist"), data)
    assert response.status_code == 200 and type(obj).objects.filter(pk=obj.pk).exists()


def test_change_page_links_to_annotate_compare_and_workflow(admin_client, draft):
    html = admin_client.get(url("article_change", draft.pk)).content.decode()
    assert url("article_annotate", draft.pk) in html
    assert url("article_compare", draft.pk) in html
    assert url("article_workflow", draft.pk, "submit") in html
    assert url("article_workflow", draft.pk, "publish") in html
    assert url("article_workflow", draft.pk, "archive") in html


def test_saving_the_change_form_keeps_the_raw_text_and_report_as_ingested(editor_client, draft):
    raw = "原文來源：光錐智能\n\n2022年11月30日，是ChatGPT面世的第一天。\n"
    Article.objects.filter(pk=draft.pk).update(raw_text=raw, ingest_report={"warnings": []})
    draft.refresh_from_db()
    html = editor_client.get(url("article_change", draft.pk)).content.decode()
    assert 'name="raw_text"' not in html and 'name="ingest_report"' not in html
    # A browser sends a textarea's line ends as CRLF; the raw text must not travel through one.
    data = change_form_data(draft, summary="新摘要", raw_text=raw.replace("\n", "\r\n"), ingest_report="{}")
    response = editor_client.post(url("article_change", draft.pk), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.summary == "新摘要"
    assert draft.raw_text == raw and draft.ingest_report == {"warnings": []}


def test_view_on_site_is_offered_only_while_the_article_is_public(editor_client, draft, editor):
    section = draft.sections.order_by("position").first()
    paragraph = first_paragraph(draft)
    pages = [
        url("article_change", draft.pk),
        url("section_change", section.pk),
        url("paragraph_change", paragraph.pk),
    ]
    for page in pages:
        html = editor_client.get(page).content.decode()
        assert "/r/" not in html and draft.get_absolute_url() not in html, page  # a draft's link would 404
    article_publish(article=draft, user=editor)
    for page in pages:
        html = editor_client.get(page).content.decode()
        assert draft.get_absolute_url() in html, page


def test_changelist_counts_open_annotations_in_fixed_queries(
    admin_client, annotated, django_assert_max_num_queries
):
    for n in range(5):
        Article.objects.create(title=f"文章{n}", slug=f"a-{n}")
    with django_assert_max_num_queries(12):
        response = admin_client.get(url("article_changelist"))
    assert response.status_code == 200
    # To-dos only: the open ingest warning, not the public note readers see.
    assert response.context["cl"].result_list.get(pk=annotated.pk).open_total == 1


# --- Bulk actions ----------------------------------------------------------------------------------------


def run_action(client, action, articles, **extra):
    data = {"action": action, "_selected_action": [str(a.pk) for a in articles], "index": "0", **extra}
    return client.post(url("article_changelist"), data)


def statuses(*articles):
    return [Article.objects.get(pk=a.pk).status for a in articles]


def test_submit_then_publish_actions(editor_client, draft):
    other = Article.objects.create(title="另一篇", slug="other", summary="摘要")
    Article.objects.filter(pk=draft.pk).update(summary="摘要")
    Annotation.objects.filter(article=draft).update(status=Annotation.Status.RESOLVED)
    assert run_action(editor_client, "submit_for_review", [draft, other]).status_code == 302
    assert statuses(draft, other) == ["review", "review"]
    asked = run_action(editor_client, "publish_now", [draft, other])
    assert asked.status_code == 200 and statuses(draft, other) == ["review", "review"]  # asks first
    confirmed = run_action(
        editor_client, "publish_now", [draft, other], checked=asked.context["checked"], publish="clean"
    )
    assert confirmed.status_code == 302
    assert statuses(draft, other) == ["published", "published"]
    assert set(Article.objects.published()) == {draft, other}


def test_schedule_action_asks_for_a_time_then_schedules(editor_client, draft):
    response = run_action(editor_client, "schedule", [draft])
    assert response.status_code == 200
    assert "admin/articles/article/schedule.html" in [t.name for t in response.templates]
    assert statuses(draft) == ["draft"]

    when = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = editor_client.post(
        url("article_changelist"),
        {"action": "schedule", "_selected_action": [str(draft.pk)], "apply": "1", "publish_at": when},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "scheduled" and draft.publish_at > timezone.now()
    assert not Article.objects.published().exists()


def test_schedule_action_refuses_a_past_time(editor_client, draft):
    past = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = editor_client.post(
        url("article_changelist"),
        {"action": "schedule", "_selected_action": [str(draft.pk)], "apply": "1", "publish_at": past},
    )
    assert response.status_code == 200
    assert "future" in response.content.decode()
    assert statuses(draft) == ["draft"]


def test_archive_and_return_to_draft_actions(editor_client, draft, editor):
    article_publish(article=draft, user=editor)
    run_action(editor_client, "archive", [draft])
    assert statuses(draft) == ["archived"]
    run_action(editor_client, "return_to_draft", [draft])
    assert statuses(draft) == ["draft"]


def test_action_on_a_wrong_status_reports_and_changes_nothing(editor_client, draft):
    response = run_action(editor_client, "archive", [draft])
    response = run_action(editor_client, "submit_for_review", [draft])
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Not submitted for review" in m for m in messages)
    assert statuses(draft) == ["archived"]


def test_delete_selected_action_asks_first(editor_client, draft):
    response = run_action(editor_client, "delete_selected", [draft])
    assert response.status_code == 200 and Article.objects.filter(pk=draft.pk).exists()


def test_annotation_resolve_and_reopen_actions(admin_client, annotated, admin_user):
    annotations = list(annotated.annotations.all())
    data = {"action": "resolve", "_selected_action": [str(a.pk) for a in annotations], "index": "0"}
    assert admin_client.post(url("annotation_changelist"), data).status_code == 302
    assert set(Annotation.objects.values_list("status", flat=True)) == {"resolved"}
    assert set(Annotation.objects.values_list("resolved_by", flat=True)) == {admin_user.pk}
    data["action"] = "reopen"
    admin_client.post(url("annotation_changelist"), data)
    assert set(Annotation.objects.values_list("status", flat=True)) == {"open"}


# --- Contributors cannot publish by any admin path ------------------------------------------------------


def test_contributor_change_form_shows_status_read_only_and_ignores_a_posted_status(
    contributor_client, draft
):
    response = contributor_client.get(url("article_change", draft.pk))
    assert response.status_code == 200
    assert 'name="status"' not in response.content.decode()
    assert url("article_workflow", draft.pk, "publish") not in response.content.decode()
    assert url("article_workflow", draft.pk, "submit") in response.content.decode()

    now = timezone.localtime()
    data = change_form_data(
        draft,
        title="改過的標題",
        status="published",
        publish_at_0=now.strftime("%Y-%m-%d"),
        publish_at_1=now.strftime("%H:%M:%S"),
    )
    response = contributor_client.post(url("article_change", draft.pk), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "改過的標題"
    assert draft.status == "draft" and draft.publish_at is None


def test_contributor_adds_articles_only_as_drafts(contributor_client):
    data = change_form_data(
        Article(title="新文章", slug="new-one"),
        status="published",
    )
    response = contributor_client.post(url("article_add"), data)
    assert response.status_code == 302
    article = Article.objects.get(slug="new-one")
    assert article.status == "draft" and not Article.objects.published().exists()


def test_save_model_refuses_a_status_change_from_a_contributor(contributor, draft):
    """The server-side check behind the read-only fields."""
    request = RequestFactory().post("/")
    request.user = contributor
    draft.status = Article.Status.PUBLISHED
    draft.publish_at = timezone.now()
    with pytest.raises(PermissionDenied, match="Only editors"):
        site._registry[Article].save_model(request, draft, form=None, change=True)
    assert statuses(draft) == ["draft"]


@pytest.mark.parametrize("action", ["publish_now", "archive", "schedule"])
def test_contributor_cannot_run_publishing_actions(contributor_client, draft, action):
    response = contributor_client.get(url("article_changelist"))
    choices = [value for value, _ in response.context["action_form"].fields["action"].choices]
    assert "submit_for_review" in choices and action not in choices

    when = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    run_action(contributor_client, action, [draft], apply="1", publish_at=when)
    contributor_client.post(
        url("article_changelist"),
        {"action": action, "_selected_action": [str(draft.pk)], "apply": "1", "publish_at": when},
    )
    assert statuses(draft) == ["draft"]
    assert not Article.objects.published().exists()


@pytest.mark.parametrize("transition", ["publish", "schedule", "archive"])
def test_contributor_cannot_use_the_workflow_buttons_to_publish(contributor_client, draft, transition):
    when = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = contributor_client.post(
        url("article_workflow", draft.pk, transition), {"publish_at": when}, follow=True
    )
    assert response.redirect_chain == [(url("article_change", draft.pk), 302)]
    assert "Only editors may" in response.content.decode()  # said, not a bare 403 page
    assert statuses(draft) == ["draft"]


def test_contributor_submits_with_the_workflow_button(contributor_client, draft):
    response = contributor_client.post(url("article_workflow", draft.pk, "submit"))
    assert response.status_code == 302
    assert statuses(draft) == ["review"]


def test_editor_publishes_and_schedules_with_the_workflow_buttons(editor_client, draft):
    when = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    editor_client.post(url("article_workflow", draft.pk, "schedule"), {"publish_at": when})
    assert statuses(draft) == ["scheduled"]
    editor_client.post(url("article_workflow", draft.pk, "publish"))
    assert statuses(draft) == ["published"]
    assert editor_client.get(url("article_workflow", draft.pk, "publish")).status_code == 405


def opened(page) -> dict:
    """Return what a page's publish button posts of what the page showed."""
    data = {page.context["opened_edit_field"]: page.context["opened_edit"]}
    if page.context.get("opened_state"):
        data[page.context["opened_state_field"]] = page.context["opened_state"]
    return data


def test_a_publish_from_a_page_opened_before_someone_elses_paragraph_edit_is_refused(editor_client):
    article = make_article("原來的段落。", summary="摘要")
    set_text(first_paragraph(article), "編輯看過的段落。")
    step = url("article_workflow", article.pk, "publish")
    for page in (url("article_change", article.pk), url("article_changes", article.pk)):
        seen = opened(editor_client.get(page))
        set_text(first_paragraph(article), f"{page}之後別人改過的段落。")  # after the page was opened
        refused = editor_client.post(step, {**seen, "confirm": "yes"}, follow=True).content.decode()
        assert "the text, a note or a mention changed after you opened this page" in refused
        assert "原來的段落" in Client().get(article.get_absolute_url()).content.decode()
    # Opened again, the page shows the edit: publishing it now is what the editor saw.
    seen = opened(editor_client.get(url("article_changes", article.pk)))
    editor_client.post(step, {**seen, "confirm": "yes"})
    assert "之後別人改過的段落" in Client().get(article.get_absolute_url()).content.decode()


def test_the_pre_publish_check_carries_what_the_page_showed(editor_client):
    article = make_article("原來的段落。", summary="")  # no summary: the check asks
    set_text(first_paragraph(article), "編輯看過的段落。")
    step = url("article_workflow", article.pk, "publish")
    asked = editor_client.post(step, opened(editor_client.get(url("article_change", article.pk))))
    assert "no summary" in asked.content.decode()
    set_text(first_paragraph(article), "別人後來改過的段落。")
    editor_client.post(step, {**opened(asked), "confirm": "yes"})
    assert "原來的段落" in Client().get(article.get_absolute_url()).content.decode()


def test_contributor_cannot_publish_through_the_annotate_view(contributor_client, draft):
    paragraph = first_paragraph(draft)
    response = contributor_client.post(
        url("article_annotate_add", draft.pk),
        {
            "paragraph": paragraph.anchor,
            "start": "0",
            "end": "4",
            "exact": paragraph.text[:4],
            "kind": "note",
            "visibility": "public",
            "body": "備註",
            "status": "published",
            "publish_at": timezone.now().isoformat(),
        },
    )
    assert response.status_code == 302
    assert Annotation.objects.count() == 1
    assert statuses(draft) == ["draft"]


def test_contributor_restoring_a_published_version_does_not_publish(contributor_client, draft, editor):
    article_publish(article=draft, user=editor)
    published_version = reversion.models.Version.objects.get_for_object(draft).first()
    Article.objects.filter(pk=draft.pk).update(status="draft")
    draft.refresh_from_db()
    response = contributor_client.get(url("article_revision", draft.pk, published_version.pk))
    assert response.status_code == 200
    data = change_form_data(draft)
    response = contributor_client.post(url("article_revision", draft.pk, published_version.pk), data)
    assert response.status_code == 302
    assert statuses(draft) == ["draft"]


def test_contributor_cannot_delete_articles(contributor_client, draft):
    assert contributor_client.get(url("article_delete", draft.pk)).status_code == 403


# --- The annotate view -----------------------------------------------------------------------------------


def annotate_post(client, article, target, quote, **extra):
    start = target.text.index(quote)
    data = {
        "paragraph": target.anchor,
        "start": str(start),
        "end": str(start + len(quote)),
        "exact": quote,
        "kind": "context",
        "visibility": "public",
        "body": "**復旦大學**教授，MOSS 的主導者。",
        **extra,
    }
    return client.post(url("article_annotate_add", article.pk), data)


def test_annotate_page_shows_text_marks_and_lists(admin_client, annotated, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin_client.get(url("article_annotate", annotated.pk))
    html = response.content.decode()
    paragraph = first_paragraph(annotated)
    assert f'data-anchor="{paragraph.anchor}"' in html
    assert "<mark" in html and "邱錫鵬</mark>" in html
    assert "Ingest warnings" in html and "疑似亂碼" in html
    assert "<strong>" not in html or "復旦大學教授" in html
    assert 'src="/static/js/annotate.js"' in html
    assert response.context["open_warnings"] == 1


def test_annotate_page_text_equals_the_stored_text(admin_client, annotated):
    """The script counts offsets on the paragraph's text content: the marks must add nothing."""
    html = admin_client.get(url("article_annotate", annotated.pk)).content.decode()
    for paragraph in Paragraph.objects.filter(section__article=annotated):
        inner = re.search(rf'data-anchor="{paragraph.anchor}"[^>]*>(.*?)</p>', html, re.S).group(1)
        assert unescape(re.sub(r"<[^>]+>", "", inner)) == paragraph.text


def test_annotating_a_span_stores_it(contributor_client, draft, contributor):
    paragraph = first_paragraph(draft)
    response = annotate_post(contributor_client, draft, paragraph, "邱錫鵬教授")
    assert response.status_code == 302
    annotation = Annotation.objects.get()
    assert response["Location"].endswith(f"#annotation-{annotation.pk}")
    assert (annotation.exact, annotation.start, annotation.end) == ("邱錫鵬教授", 5, 10)
    assert annotation.paragraph == paragraph and annotation.created_by == contributor
    html = contributor_client.get(url("article_annotate", draft.pk)).content.decode()
    assert "邱錫鵬教授</mark>" in html and "<strong>復旦大學</strong>" in html


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"exact": "邱錫"}, "__all__", "reload the page"),
        ({"start": "30", "end": "99"}, "__all__", "outside paragraph"),
        ({"paragraph": "p-nothere"}, "__all__", "not part of this article"),
        ({"body": ""}, "body", ""),
        ({"kind": "gossip"}, "kind", ""),
    ],
)
def test_annotating_a_bad_span_is_refused_clearly(admin_client, draft, change, field, message):
    response = annotate_post(admin_client, draft, first_paragraph(draft), "邱錫鵬", **change)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    html = response.content.decode()
    form_tag = re.search(r'<form[^>]*id="annotate-form"[^>]*>', html).group(0)
    assert "hidden" not in form_tag  # the form stays open, showing its errors
    assert all(escape(error) in html for error in errors[field])
    assert not Annotation.objects.exists()


def test_annotating_a_paragraph_of_another_article_is_refused(admin_client, draft):
    other = Article.objects.create(title="別的", slug="elsewhere")
    section = Section.objects.create(article=other)
    paragraph = Paragraph.objects.create(section=section, text="邱錫鵬在別的文章裡。")
    response = annotate_post(admin_client, draft, paragraph, "邱錫鵬")
    assert response.status_code == 400 and not Annotation.objects.exists()


def test_resolving_from_the_annotate_view(contributor_client, annotated, contributor):
    warning = annotated.annotations.get(kind="ingest")
    response = contributor_client.post(url("article_annotation_status", annotated.pk, warning.pk, "resolve"))
    assert response.status_code == 302
    warning.refresh_from_db()
    assert warning.status == "resolved" and warning.resolved_by == contributor
    html = contributor_client.get(url("article_annotate", annotated.pk)).content.decode()
    assert "0 open" in html and "Reopen" in html

    contributor_client.post(url("article_annotation_status", annotated.pk, warning.pk, "reopen"))
    warning.refresh_from_db()
    assert warning.status == "open"


def test_a_warning_links_to_its_paragraph_and_the_edit_returns_to_the_annotate_view(
    contributor_client, annotated
):
    warning = annotated.annotations.get(kind="ingest")
    paragraph = warning.paragraph
    edit = url("paragraph_change", paragraph.pk) + "?return=annotate"
    assert escape(edit) in contributor_client.get(url("article_annotate", annotated.pk)).content.decode()

    data = {"section": paragraph.section_id, "position": paragraph.position, "kind": paragraph.kind}
    response = contributor_client.post(edit, {**data, "text": "據報道，" + paragraph.text})
    assert response.status_code == 302
    assert response["Location"] == url("article_annotate", annotated.pk) + f"#{paragraph.anchor}"
    paragraph.refresh_from_db()
    assert paragraph.text.startswith("據報道，")
    # "Save and continue editing" still stays on the paragraph.
    response = contributor_client.post(edit, {**data, "text": paragraph.text, "_continue": "1"})
    assert response["Location"].startswith(url("paragraph_change", paragraph.pk))


def test_resolving_needs_post_and_a_csrf_token(annotated, admin_user):
    warning = annotated.annotations.get(kind="ingest")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    target = url("article_annotation_status", annotated.pk, warning.pk, "resolve")
    assert client.get(target).status_code == 405
    assert client.post(target).status_code == 403
    warning.refresh_from_db()
    assert warning.status == "open"


def test_annotate_view_needs_staff(client, draft, django_user_model):
    assert client.get(url("article_annotate", draft.pk)).status_code == 302  # to the login page
    user = django_user_model.objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(url("article_annotate", draft.pk)).status_code == 403


def test_orphaned_annotations_are_shown_as_such(admin_client, annotated):
    paragraph = first_paragraph(annotated)
    paragraph.delete()
    html = admin_client.get(url("article_annotate", annotated.pk)).content.decode()
    assert "Orphaned" in html and "lost" in html
    changelist = admin_client.get(url("annotation_changelist") + "?orphaned__exact=1").content.decode()
    assert "(orphaned)" in changelist


def test_annotation_admin_reattaches_by_span(admin_client, annotated):
    annotation = annotated.annotations.get(kind="context")
    paragraph = Paragraph.objects.filter(section__article=annotated).order_by("-pk").first()
    response = admin_client.post(
        url("annotation_change", annotation.pk),
        {
            "paragraph": str(paragraph.pk),
            "start": "0",
            "end": "4",
            "kind": "context",
            "visibility": "public",
            "status": "open",
            "body": annotation.body,
        },
    )
    assert response.status_code == 302
    annotation.refresh_from_db()
    assert annotation.paragraph == paragraph and annotation.exact == paragraph.text[:4]

    response = admin_client.post(
        url("annotation_change", annotation.pk),
        {
            "paragraph": str(paragraph.pk),
            "start": "0",
            "end": "999",
            "kind": "note",
            "visibility": "public",
            "status": "open",
            "body": "x",
        },
    )
    assert response.status_code == 200 and "not inside the paragraph" in response.content.decode()


def test_resolving_in_the_annotation_form_records_who_and_when(admin_client, admin_user, annotated):
    annotation = annotated.annotations.get(kind="context")
    data = {
        "paragraph": str(annotation.paragraph_id),
        "start": str(annotation.start),
        "end": str(annotation.end),
        "kind": "context",
        "visibility": "public",
        "status": "resolved",
        "body": annotation.body,
    }
    assert admin_client.post(url("annotation_change", annotation.pk), data).status_code == 302
    annotation.refresh_from_db()
    assert annotation.status == "resolved" and annotation.resolved_by == admin_user
    assert annotation.resolved_at is not None

    data["status"] = "open"
    assert admin_client.post(url("annotation_change", annotation.pk), data).status_code == 302
    annotation.refresh_from_db()
    assert annotation.status == "open" and annotation.resolved_by is None and annotation.resolved_at is None


def test_the_annotate_page_marks_overlapping_annotations_once_per_piece(admin_client, annotated, admin_user):
    paragraph = first_paragraph(annotated)
    context = annotated.annotations.get(kind="context")
    start = paragraph.text.index("錫鵬教授")
    wider = annotation_create(
        paragraph=paragraph,
        start=start,
        end=start + 4,
        kind="note",
        visibility="internal",
        body="重疊",
        created_by=admin_user,
    )
    html = admin_client.get(url("article_annotate", annotated.pk)).content.decode()
    both = f'data-annotations="{context.pk} {wider.pk}" class="is-open kind-context kind-note"'
    assert f"<mark {both}>錫鵬</mark>" in html
    assert f'<mark data-annotations="{wider.pk}" class="is-open kind-note">教授</mark>' in html


def test_the_annotate_page_marks_only_annotations_still_where_they_were(admin_client, annotated):
    context = annotated.annotations.get(kind="context")
    # A bulk update passes the signals that re-anchor: the stored quote no longer sits at its offsets.
    Annotation.objects.filter(pk=context.pk).update(exact="不在這裡")
    html = admin_client.get(url("article_annotate", annotated.pk)).content.decode()
    assert "邱錫鵬</mark>" not in html and "MOSS</mark>" in html
    assert f'id="annotation-{context.pk}"' in html  # still listed beside the text


# --- Editing paragraphs in the section page keeps annotations -----------------------------------------


def test_splitting_a_paragraph_in_the_section_page_moves_its_annotation(admin_client, draft, admin_user):
    section = draft.sections.order_by("position").first()
    paragraphs = list(section.paragraphs.order_by("position"))
    first = paragraphs[0]
    start = first.text.index("國內第一個")
    annotation = annotation_create(
        paragraph=first,
        start=start,
        end=start + 5,
        kind="note",
        visibility="internal",
        body="x",
        created_by=admin_user,
    )
    head, tail = first.text[: start - 3], first.text[start - 3 :]
    data = {
        "article": str(draft.pk),
        "position": "0",
        "heading": "",
        "paragraphs-TOTAL_FORMS": str(len(paragraphs) + 1),
        "paragraphs-INITIAL_FORMS": str(len(paragraphs)),
        "paragraphs-MIN_NUM_FORMS": "0",
        "paragraphs-MAX_NUM_FORMS": "1000",
    }
    for index, paragraph in enumerate(paragraphs):
        data.update(
            {
                f"paragraphs-{index}-id": str(paragraph.pk),
                f"paragraphs-{index}-section": str(section.pk),
                f"paragraphs-{index}-position": str(index * 2),
                f"paragraphs-{index}-kind": paragraph.kind,
                f"paragraphs-{index}-text": head if paragraph == first else paragraph.text,
            }
        )
    new = len(paragraphs)
    data.update(
        {
            f"paragraphs-{new}-section": str(section.pk),
            f"paragraphs-{new}-position": "1",
            f"paragraphs-{new}-kind": "text",
            f"paragraphs-{new}-text": tail,
        }
    )
    response = admin_client.post(url("section_change", section.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    annotation.refresh_from_db()
    assert annotation.paragraph.text == tail and not annotation.orphaned
    assert tail[annotation.start : annotation.end] == "國內第一個"


def test_editor_group_member_sees_everything_a_superuser_does(editor_client, annotated):
    assert Group.objects.filter(name="Editor").exists()
    for page in [
        url("article_changelist"),
        url("article_change", annotated.pk),
        url("annotation_changelist"),
    ]:
        assert editor_client.get(page).status_code == 200
    assert editor_client.get(reverse("admin:landscape_company_changelist")).status_code == 200


# --- Ingest upload ---------------------------------------------------------------------------------------

# The raw seed lives beside the product brief, outside the repository.
SEED = Path(__file__).resolve().parents[2] / "fixtures" / "raw" / "000_d7cb7fb013a2cf50.txt"
RAW = (
    "原文來源:光錐智能\n"
    "圖片來源:由無界AI生成\n"
    "\n"
    "大模型完成三級跳\n"
    "2023年,,百度發布了文心一言,,阿里發布了通義千問。\r\n"
    "短短八個月,國內大模型從一百模升級至二百模。\n"
)


def upload(client, data: bytes, title="百模大戰一週年", name="raw.txt"):
    return client.post(url("article_ingest"), {"title": title, "raw_file": SimpleUploadedFile(name, data)})


def test_ingest_previews_before_saving_then_saves_on_confirm(contributor_client, contributor):
    response = upload(contributor_client, RAW.encode())
    assert response.status_code == 200
    assert not Article.objects.exists()
    html = response.content.decode()
    assert "Nothing has been saved yet" in html and "光錐智能" in html and "文心一言" in html
    confirm = response.context["confirm"]
    assert base64.b64decode(confirm.initial["raw_b64"]).decode() == RAW

    response = contributor_client.post(
        url("article_ingest"),
        {"title": "百模大戰一週年", "raw_b64": confirm.initial["raw_b64"], "confirm": "1"},
    )
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == url("article_annotate", article.pk)
    assert article.status == "draft" and article.title == "百模大戰一週年"
    assert article.raw_text == RAW  # exactly as uploaded, line ends included
    assert article.original_source == "光錐智能"
    version = reversion.models.Version.objects.get_for_object(article).get()
    assert version.revision.user == contributor


def test_ingest_preview_of_the_seed_lists_its_warnings(admin_client):
    response = upload(admin_client, SEED.read_bytes())
    assert response.status_code == 200
    report = response.context["report"]
    assert report.warnings and "Warnings" in response.content.decode()
    assert response.content.decode().count('class="ingest-paragraph') > 50
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"   \n", "empty"),
        (b"\x00\x01binary", "binary"),
        ("大模型".encode("gbk") * 10, "UTF-8"),
        (("長文" * 40).encode(), "limit"),
    ],
)
@override_settings(INGEST_MAX_BYTES=200)
def test_ingest_refuses_bad_uploads_clearly(admin_client, data, message):
    response = upload(admin_client, data)
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["raw_file"])
    assert message in errors and escape(errors) in response.content.decode()
    assert not Article.objects.exists()


def test_ingest_refuses_a_text_without_paragraphs_as_the_service_does(admin_client):
    response = upload(admin_client, "原文來源:光錐智能\n".encode())
    assert response.status_code == 400
    assert response.context["form"].errors["raw_file"] == ["The text holds no article paragraphs."]
    assert not Article.objects.exists()


def test_ingest_refuses_a_damaged_confirmation(admin_client):
    response = admin_client.post(
        url("article_ingest"), {"title": "標題", "raw_b64": "not base64!", "confirm": "1"}
    )
    assert response.status_code == 400 and "upload it again" in response.content.decode()
    assert not Article.objects.exists()


def test_ingest_needs_the_add_permission(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", is_staff=True)
    client.force_login(user)
    assert client.get(url("article_ingest")).status_code == 403
