import pytest
import reversion
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.annotations import annotation_create
from articles.models import Annotation, Article, Paragraph, Section, Topic
from articles.services import article_ingest
from articles.workflow import article_publish
from landscape.models import Company, Person, Quote
from tests.admin_support import posted_form, recover_url
from tests.articles.test_admin import RAW, change_form_data, first_paragraph

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"admin:articles_{name}", args=args)


def save_version(article, user, comment):
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(comment)
        article.save()
    return Version.objects.get_for_object(article).first()


@pytest.fixture
def history(draft, editor):
    """An article saved twice, with annotations made between and after, then published."""
    first = save_version(draft, editor, "First draft")
    p1 = first_paragraph(draft)
    start = p1.text.index("邱錫鵬")
    kept = annotation_create(
        paragraph=p1,
        start=start,
        end=start + 3,
        kind="context",
        visibility="public",
        body="教授",
        created_by=editor,
    )
    p1.text = "據報道，" + p1.text
    p1.save()
    added = Paragraph.objects.create(section=p1.section, position=5, text="新增的段落提到了文心一言。")
    at = added.text.index("文心一言")
    later = annotation_create(
        paragraph=added,
        start=at,
        end=at + 4,
        kind="note",
        visibility="internal",
        body="後加",
        created_by=editor,
    )
    draft.title = "百模大戰一週年（修訂）"
    second = save_version(draft, editor, "Second draft")
    article_publish(article=draft, user=editor)
    return {"article": draft, "first": first, "second": second, "kept": kept, "later": later, "added": added}


def test_article_versions_hold_sections_and_paragraphs(history):
    article = history["article"]
    revision = history["first"].revision
    models = {v._model for v in revision.version_set.all()}
    assert models == {Article, Section, Paragraph}
    paragraphs = [v for v in revision.version_set.all() if v._model is Paragraph]
    assert len(paragraphs) == Paragraph.objects.filter(section__article=article).count() - 1


def test_admin_changes_are_recorded_with_user(editor_client, draft, editor):
    data = change_form_data(draft, title="編輯改的標題")
    assert editor_client.post(url("article_change", draft.pk), data).status_code == 302
    version = Version.objects.get_for_object(draft).first()
    assert version.revision.user == editor and version.field_dict["title"] == "編輯改的標題"
    assert version.revision.date_created is not None


def test_history_page_lists_versions_with_compare_choices(editor_client, history):
    html = editor_client.get(url("article_history", history["article"].pk)).content.decode()
    assert "Second draft" in html and "First draft" in html and "Published" in html
    assert f'name="from" value="{history["first"].pk}"' in html
    assert url("article_compare", history["article"].pk) in html


def test_compare_shows_what_changed_between_two_versions(editor_client, history):
    article = history["article"]
    response = editor_client.get(
        url("article_compare", article.pk), {"from": history["first"].pk, "to": history["second"].pk}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<ins>（修訂）</ins>" in html  # the title
    assert "<ins>據報道，</ins>" in html  # the edited paragraph
    assert "新增的段落提到了文心一言。" in html and "added" in html
    rows = response.context["paragraph_rows"]
    assert {row["state"] for row in rows} == {"changed", "added"}
    assert response.context["unchanged"] == 2


def test_compare_shows_every_field_an_editor_sets(editor_client, draft, editor):
    first = save_version(draft, editor, "Before")
    topic = Topic.objects.create(name="開源模型", slug="open-models")
    draft.slug, draft.author = "hundred-models-renamed", "新的作者"
    draft.topics.add(topic)
    second = save_version(draft, editor, "After")
    response = editor_client.get(url("article_compare", draft.pk), {"from": first.pk, "to": second.pk})
    changed = {row["label"] for row in response.context["field_rows"] if row["changed"]}
    assert changed == {"Slug", "Author", "Topics"}
    assert "<ins>開源模型</ins>" in response.content.decode()


def test_compare_refuses_a_version_of_another_article(editor_client, history, editor):
    other = Article.objects.create(title="別篇", slug="other")
    foreign = save_version(other, editor, "x")
    response = editor_client.get(
        url("article_compare", history["article"].pk), {"from": foreign.pk, "to": history["second"].pk}
    )
    assert response.status_code == 404


def test_restoring_an_old_version_brings_the_text_back_and_keeps_every_annotation(editor_client, history):
    article = history["article"]
    old = history["first"]
    response = editor_client.get(url("article_revision", article.pk, old.pk))
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.title == "百模大戰一週年（修訂）"  # looking at a version changes nothing
    # The version's status would not come back, so the form does not offer it.
    html = response.content.decode()
    assert 'name="status"' not in html and 'name="publish_at_0"' not in html
    assert "The article stays" in html and "Published" in html
    assert '<ol class="breadcrumbs">' in html

    restored = Article(
        pk=article.pk, **{k: v for k, v in old.field_dict.items() if k not in {"id", "topics"}}
    )
    response = editor_client.post(
        url("article_revision", article.pk, old.pk), change_form_data(restored), follow=True
    )
    assert response.redirect_chain == [(url("article_change", article.pk), 302)]
    assert "it stays published" in response.content.decode()

    article.refresh_from_db()
    assert article.title == "百模大戰一週年"
    assert article.status == "published"  # restoring content does not change publication
    p1 = first_paragraph(article)
    assert p1.text.startswith("復旦大學")
    assert not Paragraph.objects.filter(pk=history["added"].pk).exists()

    kept = Annotation.objects.get(pk=history["kept"].pk)
    assert kept.paragraph == p1 and not kept.orphaned
    assert p1.text[kept.start : kept.end] == "邱錫鵬"
    later = Annotation.objects.get(pk=history["later"].pk)  # its paragraph is gone, the note is not
    assert later.paragraph is None and later.orphaned and later.exact == "文心一言"

    latest = Version.objects.get_for_object(article).first()
    assert "Reverted" in latest.revision.get_comment() or "還原" in latest.revision.get_comment()


def test_a_recovered_article_comes_back_as_a_draft(editor_client, history):
    article = history["article"]
    pk = article.pk
    editor_client.post(url("article_delete", pk), {"post": "yes"})
    assert not Article.objects.filter(pk=pk).exists()
    deleted = Version.objects.get_deleted(Article).get(object_id=str(pk))
    assert editor_client.get(recover_url(Article, pk)).status_code == 200
    recovered = Article(pk=pk, **{k: v for k, v in deleted.field_dict.items() if k not in {"id", "topics"}})
    data = change_form_data(recovered)
    data.update({"sections-TOTAL_FORMS": "0", "sections-INITIAL_FORMS": "0"})
    response = editor_client.post(recover_url(Article, pk), data, follow=True)
    assert response.redirect_chain == [(url("article_change", pk), 302)]
    assert "as a draft" in response.content.decode()
    article = Article.objects.get(pk=pk)
    assert article.status == "draft" and not Article.objects.published().exists()
    assert Paragraph.objects.filter(section__article=article).exists()


def test_first_admin_edit_keeps_the_version_before_it(editor_client, editor):
    # Every path that creates an article records its first revision there: here the ingest service.
    article = article_ingest(raw_text=RAW, title="百模大戰一週年", created_by=editor)
    editor_client.post(url("article_change", article.pk), change_form_data(article, title="新標題"))
    versions = list(Version.objects.get_for_object(article).order_by("pk"))
    assert [v.field_dict["title"] for v in versions] == ["百模大戰一週年", "新標題"]
    assert "Ingested" in versions[0].revision.get_comment()


def test_the_seed_article_starts_with_the_version_it_was_loaded_with(editor_client):
    call_command("load_seed", verbosity=0)
    article = Article.objects.get(slug="one-year-after-chatgpt-hundred-model-war")
    (loaded,) = Version.objects.get_for_object(article)
    assert loaded.revision.comment == "Loaded from the seed (seed_article.json)"
    assert {v._model for v in loaded.revision.version_set.all()} >= {Article, Section, Paragraph}


@pytest.fixture
def versioned_draft(draft):
    """The draft with a first revision, as createinitialrevisions records one for rows made without."""
    call_command("createinitialrevisions", "articles.Article", comment="Initial version", verbosity=0)
    return draft


def test_editing_paragraphs_on_the_section_page_shows_in_the_article_history(
    editor_client, versioned_draft, editor
):
    draft = versioned_draft
    section = draft.sections.order_by("position").first()
    paragraphs = list(section.paragraphs.order_by("position"))
    data = {
        "article": str(draft.pk),
        "position": "0",
        "heading": "開頭",
        "paragraphs-TOTAL_FORMS": str(len(paragraphs)),
        "paragraphs-INITIAL_FORMS": str(len(paragraphs)),
        "paragraphs-MIN_NUM_FORMS": "0",
        "paragraphs-MAX_NUM_FORMS": "1000",
    }
    for index, paragraph in enumerate(paragraphs):
        text = paragraph.text.replace("文心一言", "文心一言（ERNIE Bot）")
        data.update(
            {
                f"paragraphs-{index}-id": str(paragraph.pk),
                f"paragraphs-{index}-section": str(section.pk),
                f"paragraphs-{index}-position": str(index),
                f"paragraphs-{index}-kind": paragraph.kind,
                f"paragraphs-{index}-text": text,
            }
        )
    assert (
        editor_client.post(reverse("admin:articles_section_change", args=[section.pk]), data).status_code
        == 302
    )
    older, newer = Version.objects.get_for_object(draft).order_by("pk")
    assert newer.revision.user == editor
    response = editor_client.get(url("article_compare", draft.pk), {"from": older.pk, "to": newer.pk})
    assert "<ins>（ERNIE Bot）</ins>" in response.content.decode()


def test_companies_people_and_quotes_keep_a_history(editor_client, editor):
    call_command("load_seed", verbosity=0)
    for model, obj in [("company", Company.objects.get(slug="baidu")), ("person", Person.objects.first())]:
        change = reverse(f"admin:landscape_{model}_change", args=[obj.pk])
        data = posted_form(editor_client.get(change))
        data["name_en"] = data["name_en"] + " (edited)"
        assert editor_client.post(change, data).status_code == 302
        loaded, version = Version.objects.get_for_object(obj).order_by("pk")
        assert loaded.revision.comment == "Loaded from the seed (landscape.json)"
        assert version.revision.user == editor and version.field_dict["name_en"].endswith("(edited)")
        history = editor_client.get(reverse(f"admin:landscape_{model}_history", args=[obj.pk]))
        assert history.status_code == 200
    quote = Quote.objects.first()
    change = reverse("admin:landscape_quote_change", args=[quote.pk])
    data = posted_form(editor_client.get(change))
    data["occasion"] = "2023騰訊ConTech大會"
    assert editor_client.post(change, data).status_code == 302
    assert Version.objects.get_for_object(quote).order_by("pk").last().revision.user == editor


# --- A restore touches only what the editor chose ----------------------------------------------------------


def texts_by_anchor(article) -> dict:
    return dict(Paragraph.objects.filter(section__article=article).values_list("anchor", "text"))


def revision_url(obj, version):
    return reverse(f"admin:articles_{obj._meta.model_name}_revision", args=[obj.pk, version.pk])


@pytest.fixture
def rewritten(draft, editor):
    """The draft saved once, then every paragraph rewritten and a paragraph added to the first section."""
    first = save_version(draft, editor, "First draft")
    with reversion.create_revision():
        reversion.set_user(editor)
        for paragraph in Paragraph.objects.filter(section__article=draft):
            paragraph.text = "據報道，" + paragraph.text
            paragraph.save()
        section = draft.sections.order_by("position").first()
        added = Paragraph.objects.create(section=section, position=9, text="後來加的段落。")
        reversion.add_to_revision(draft)
    return {"article": draft, "first": first, "added": added}


def test_restoring_a_section_restores_only_that_section_and_its_paragraphs(editor_client, rewritten):
    article = rewritten["article"]
    first_section, second_section = article.sections.order_by("position")
    version = Version.objects.get_for_object(first_section).get(revision=rewritten["first"].revision)
    other_texts = dict(second_section.paragraphs.values_list("pk", "text"))
    article_before = Article.objects.filter(pk=article.pk).values().get()

    response = editor_client.get(revision_url(first_section, version))
    assert "Saving brings back only this section with the paragraphs its version holds" in (
        response.content.decode()
    )
    response = editor_client.post(revision_url(first_section, version), posted_form(response), follow=True)

    assert response.redirect_chain == [
        (reverse("admin:articles_section_change", args=[first_section.pk]), 302)
    ]
    html = response.content.decode()
    assert "Removed what was added after that version: paragraph" in html  # the editor is told
    assert not Paragraph.objects.filter(pk=rewritten["added"].pk).exists()
    restored = first_section.paragraphs.values_list("text", flat=True)
    assert restored and all(not text.startswith("據報道") for text in restored)
    assert dict(second_section.paragraphs.values_list("pk", "text")) == other_texts  # not touched
    after = Article.objects.filter(pk=article.pk).values().get()
    # The restored text is an edit of the working copy, and nothing else about the article changes.
    assert after["edited_at"] > article_before["edited_at"]
    assert {k: v for k, v in after.items() if k not in ("updated_at", "edited_at")} == {
        k: v for k, v in article_before.items() if k not in ("updated_at", "edited_at")
    }
    latest = Version.objects.get_for_object(article).first()
    assert latest.revision.comment.startswith("Reverted section")


def test_restoring_a_paragraph_restores_only_it_and_re_attaches_its_annotations(
    editor_client, editor, rewritten
):
    article = rewritten["article"]
    paragraph = first_paragraph(article)
    version = Version.objects.get_for_object(paragraph).get(revision=rewritten["first"].revision)
    start = paragraph.text.index("邱錫鵬")
    note = annotation_create(
        paragraph=paragraph,
        start=start,
        end=start + 3,
        kind="note",
        visibility="internal",
        body="人名",
        created_by=editor,
    )
    others = {a: t for a, t in texts_by_anchor(article).items() if a != paragraph.anchor}

    response = editor_client.get(revision_url(paragraph, version))
    response = editor_client.post(revision_url(paragraph, version), posted_form(response))

    assert response.status_code == 302
    paragraph.refresh_from_db()
    assert paragraph.text.startswith("復旦大學")
    assert {a: t for a, t in texts_by_anchor(article).items() if a != paragraph.anchor} == others
    assert Paragraph.objects.filter(pk=rewritten["added"].pk).exists()  # another paragraph's business
    note.refresh_from_db()
    assert not note.orphaned and paragraph.text[note.start : note.end] == "邱錫鵬"


def test_restoring_an_article_keeps_its_current_slug(editor_client, history):
    article = history["article"]
    Article.objects.filter(pk=article.pk).update(slug="renamed-since")
    old = history["first"]
    response = editor_client.get(url("article_revision", article.pk, old.pk))
    assert 'name="slug"' not in response.content.decode()
    data = posted_form(response)
    data["slug"] = "hundred-models"  # a crafted post cannot bring the old address back either
    assert editor_client.post(url("article_revision", article.pk, old.pk), data).status_code == 302
    article.refresh_from_db()
    assert article.slug == "renamed-since" and article.title == "百模大戰一週年"


def test_a_version_of_another_model_cannot_be_restored_through_this_history(editor_client, history):
    article = history["article"]
    before = texts_by_anchor(article)
    # The article's version, under a section's restore address with the article's id as the section id.
    response = editor_client.get(
        reverse("admin:articles_section_revision", args=[article.pk, history["first"].pk])
    )
    assert response.status_code == 404
    response = editor_client.post(reverse("admin:articles_section_recover", args=[history["first"].pk]), {})
    assert response.status_code == 404
    assert texts_by_anchor(article) == before


def test_restoring_a_paragraph_whose_section_is_gone_says_so_and_changes_nothing(editor_client, rewritten):
    article = rewritten["article"]
    paragraph = first_paragraph(article)
    version = Version.objects.get_for_object(paragraph).get(revision=rewritten["first"].revision)
    other = article.sections.order_by("position").last()
    Paragraph.objects.filter(pk=paragraph.pk).update(section=other)
    article.sections.order_by("position").first().delete()
    before = texts_by_anchor(article)

    response = editor_client.get(revision_url(paragraph, version), follow=True)

    assert response.redirect_chain == [(reverse("admin:articles_paragraph_changelist"), 302)]
    assert "its section" in response.content.decode() and "no longer exists" in response.content.decode()
    assert texts_by_anchor(article) == before


def test_a_version_cannot_be_saved_as_a_new_article(editor_client, history):
    article = history["article"]
    before = texts_by_anchor(article)
    data = posted_form(editor_client.get(url("article_revision", article.pk, history["first"].pk)))
    data.update(_saveasnew="1", slug="a-copy")
    response = editor_client.post(url("article_revision", article.pk, history["first"].pk), data, follow=True)
    assert "cannot be saved as a new one" in response.content.decode()
    assert Article.objects.count() == 1 and texts_by_anchor(article) == before


def test_a_restore_names_the_quotes_that_go_with_a_paragraph_it_removes(editor_client, rewritten):
    article = rewritten["article"]
    section = article.sections.order_by("position").first()
    Quote.objects.create(paragraph=rewritten["added"], text="後來加的", speaker_description="某人")
    version = Version.objects.get_for_object(section).get(revision=rewritten["first"].revision)
    response = editor_client.get(revision_url(section, version))
    response = editor_client.post(revision_url(section, version), posted_form(response), follow=True)
    html = response.content.decode()
    assert "Removed what was added after that version:" in html
    assert "quote “某人：後來加的”" in html


def test_a_restore_that_would_change_a_kept_field_is_undone(editor_client, rewritten, monkeypatch):
    article = rewritten["article"]
    section = article.sections.order_by("position").first()
    version = Version.objects.get_for_object(section).get(revision=rewritten["first"].revision)
    before = texts_by_anchor(article)
    section_admin = admin.site._registry[Section]
    original = type(section_admin).save_related

    def publishes_too(self, request, form, formsets, change):
        original(self, request, form, formsets, change)
        Article.objects.filter(pk=article.pk).update(status="published", publish_at=timezone.now())

    monkeypatch.setattr(type(section_admin), "save_related", publishes_too)
    response = editor_client.get(revision_url(section, version))
    response = editor_client.post(revision_url(section, version), posted_form(response), follow=True)

    assert "The restore was undone" in response.content.decode()
    article.refresh_from_db()
    assert article.status == "draft" and article.publish_at is None
    assert texts_by_anchor(article) == before
