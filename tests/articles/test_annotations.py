from html.parser import HTMLParser

import pytest
import reversion
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import engines
from django.urls import reverse
from reversion.models import Version

from articles.annotations import (
    annotation_create,
    annotation_reopen,
    annotation_resolve,
    annotations_reattach_article,
    render_note,
)
from articles.models import Annotation, Article, Paragraph, Section
from tests.admin_support import posted_form

pytestmark = pytest.mark.django_db

TEXT = "復旦大學的邱錫鵬教授團隊發布了MOSS，這是國內第一個對話式大語言模型。之後，百度發布了文心一言。"


@pytest.fixture
def article():
    return Article.objects.create(title="測試", slug="annotation-test")


@pytest.fixture
def section(article):
    return Section.objects.create(article=article, position=0)


@pytest.fixture
def paragraph(section):
    return Paragraph.objects.create(section=section, position=0, text=TEXT)


def annotate(paragraph, quote, user, **fields):
    start = paragraph.text.index(quote)
    return annotation_create(
        paragraph=paragraph,
        start=start,
        end=start + len(quote),
        kind=fields.get("kind", Annotation.Kind.CONTEXT),
        visibility=fields.get("visibility", Annotation.Visibility.PUBLIC),
        body=fields.get("body", "復旦大學計算機學院教授。"),
        created_by=user,
    )


def test_create_stores_quote_context_positions_and_author(paragraph, admin_user):
    annotation = annotate(paragraph, "邱錫鵬", admin_user)
    annotation.refresh_from_db()
    assert (annotation.exact, annotation.prefix, annotation.start, annotation.end) == (
        "邱錫鵬",
        "復旦大學的",
        5,
        8,
    )
    assert annotation.suffix.startswith("教授團隊")
    assert annotation.article_id == paragraph.section.article_id
    assert annotation.created_by == admin_user
    assert annotation.status == Annotation.Status.OPEN and not annotation.orphaned


def test_create_records_a_revision_with_its_author(paragraph, admin_user):
    annotation = annotate(paragraph, "邱錫鵬", admin_user)
    version = Version.objects.get_for_object(annotation).get()
    assert version.revision.user == admin_user
    assert "邱錫鵬" in version.revision.get_comment()


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(5, 5, "start"), (8, 5, "start"), (0, len(TEXT) + 1, "start")],
)
def test_create_refuses_a_span_outside_the_paragraph(paragraph, admin_user, start, end, field):
    with pytest.raises(ValidationError) as caught:
        annotation_create(
            paragraph=paragraph,
            start=start,
            end=end,
            kind="note",
            visibility="internal",
            body="x",
            created_by=admin_user,
        )
    assert field in caught.value.message_dict
    assert not Annotation.objects.exists()


def test_create_refuses_unknown_kind_and_empty_note(paragraph, admin_user):
    with pytest.raises(ValidationError) as caught:
        annotation_create(
            paragraph=paragraph,
            start=0,
            end=2,
            kind="gossip",
            visibility="secret",
            body="  ",
            created_by=admin_user,
        )
    assert set(caught.value.message_dict) == {"kind", "visibility", "body"}


def test_create_refuses_a_user_without_permission(paragraph, django_user_model):
    reader = django_user_model.objects.create_user("reader", is_staff=True)
    with pytest.raises(PermissionDenied):
        annotate(paragraph, "邱錫鵬", reader)
    assert not Annotation.objects.exists()


def test_resolve_records_who_and_when_and_reopen_clears_it(paragraph, admin_user, django_user_model):
    annotation = annotate(paragraph, "邱錫鵬", admin_user)
    annotation_resolve(annotation=annotation, user=admin_user)
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.RESOLVED
    assert annotation.resolved_by == admin_user and annotation.resolved_at is not None
    assert Version.objects.get_for_object(annotation).count() == 2

    annotation_reopen(annotation=annotation, user=admin_user)
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.OPEN and annotation.resolved_by is None


def test_resolve_needs_change_permission(paragraph, admin_user, django_user_model):
    annotation = annotate(paragraph, "邱錫鵬", admin_user)
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_annotation"))
    with pytest.raises(PermissionDenied):
        annotation_resolve(annotation=annotation, user=viewer)
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.OPEN


def edit(paragraph, text):
    paragraph.text = text
    paragraph.save()


def test_insertion_before_the_span_moves_the_annotation(paragraph, admin_user):
    annotation = annotate(paragraph, "文心一言", admin_user)
    edit(paragraph, "據報道，" + TEXT)
    annotation.refresh_from_db()
    assert paragraph.text[annotation.start : annotation.end] == "文心一言"
    assert annotation.prefix.endswith("百度發布了")
    assert not annotation.orphaned


def test_insertion_inside_the_span_widens_it(paragraph, admin_user):
    annotation = annotate(paragraph, "百度發布了文心一言", admin_user)
    edit(paragraph, TEXT.replace("百度發布了", "百度在北京發布了"))
    annotation.refresh_from_db()
    assert annotation.exact == "百度在北京發布了文心一言"
    assert paragraph.text[annotation.start : annotation.end] == annotation.exact


def test_deleting_text_before_the_span_moves_it_back(paragraph, admin_user):
    annotation = annotate(paragraph, "文心一言", admin_user)
    edit(paragraph, TEXT.replace("復旦大學的", ""))
    annotation.refresh_from_db()
    assert annotation.exact == "文心一言"
    assert annotation.start == TEXT.index("文心一言") - 5


def test_deleting_the_quote_orphans_but_keeps_the_annotation(paragraph, admin_user):
    annotation = annotate(paragraph, "之後，百度發布了文心一言", admin_user)
    edit(paragraph, TEXT.replace("之後，百度發布了文心一言。", ""))
    annotation.refresh_from_db()
    assert annotation.orphaned
    assert annotation.paragraph == paragraph
    assert annotation.exact == "之後，百度發布了文心一言"


def test_changed_quote_reattaches_by_similarity(paragraph, admin_user):
    annotation = annotate(paragraph, "這是國內第一個對話式大語言模型", admin_user)
    edit(paragraph, TEXT.replace("國內第一個對話式大語言模型", "中國第一個對話式大型語言模型"))
    annotation.refresh_from_db()
    assert not annotation.orphaned
    assert annotation.exact == "這是中國第一個對話式大型語言模型"


def test_restoring_the_text_reattaches_an_orphan(paragraph, admin_user):
    annotation = annotate(paragraph, "之後，百度發布了文心一言", admin_user)
    edit(paragraph, "另一段完全不同的文字。")
    annotation.refresh_from_db()
    assert annotation.orphaned
    edit(paragraph, TEXT)
    annotation.refresh_from_db()
    assert not annotation.orphaned
    assert TEXT[annotation.start : annotation.end] == "之後，百度發布了文心一言"


FIRST, SECOND = TEXT.split("之後，")
SECOND = "之後，" + SECOND


@pytest.mark.parametrize("order", ["shorten first", "add first"])
def test_split_paragraph_moves_annotation_to_the_half_holding_its_quote(paragraph, admin_user, order):
    on_first = annotate(paragraph, "邱錫鵬", admin_user)
    on_second = annotate(paragraph, "文心一言", admin_user)
    if order == "shorten first":
        edit(paragraph, FIRST)
        new = Paragraph.objects.create(section=paragraph.section, position=1, text=SECOND)
    else:
        new = Paragraph.objects.create(section=paragraph.section, position=1, text=SECOND)
        edit(paragraph, FIRST)
    on_first.refresh_from_db()
    on_second.refresh_from_db()
    assert on_first.paragraph == paragraph and not on_first.orphaned
    assert on_second.paragraph == new and not on_second.orphaned
    assert SECOND[on_second.start : on_second.end] == "文心一言"
    assert on_second.prefix.endswith("百度發布了")


def test_deleted_paragraph_keeps_its_annotations_as_orphans(paragraph, admin_user):
    annotation = annotate(paragraph, "邱錫鵬", admin_user, body="**重要**")
    paragraph.delete()
    annotation.refresh_from_db()
    assert annotation.paragraph is None and annotation.orphaned
    assert annotation.exact == "邱錫鵬" and annotation.body == "**重要**"


def test_deleted_paragraph_merged_into_another_moves_its_annotations(paragraph, admin_user):
    second = Paragraph.objects.create(section=paragraph.section, position=1, text="補充：百度的文心一言。")
    annotation = annotate(second, "文心一言", admin_user)
    edit(paragraph, TEXT + "補充：百度的文心一言。")
    second.delete()
    annotation.refresh_from_db()
    assert annotation.paragraph == paragraph and not annotation.orphaned
    assert paragraph.text[annotation.start : annotation.end] == "文心一言"


def test_deleted_section_orphans_annotations_instead_of_moving_them_to_its_own_paragraphs(
    paragraph, admin_user
):
    Paragraph.objects.create(section=paragraph.section, position=1, text="邱錫鵬又說了一次。")
    annotation = annotate(paragraph, "邱錫鵬", admin_user)
    paragraph.section.delete()
    annotation.refresh_from_db()
    assert annotation.paragraph is None and annotation.orphaned


def test_article_pass_rehomes_orphans_after_a_restore(paragraph, admin_user, article):
    annotation = annotate(paragraph, "文心一言", admin_user)
    paragraph.delete()
    new_section = Section.objects.create(article=article, position=1)
    # A raw save (as a revision restore does) skips the signals; the article pass catches up.
    restored = Paragraph(section=new_section, position=0, text=TEXT)
    restored.save_base(raw=True)
    result = annotations_reattach_article(article=article)
    annotation.refresh_from_db()
    assert result.adopted == 1
    assert annotation.paragraph == restored and not annotation.orphaned


def test_render_note_keeps_the_subset():
    html = render_note("*強調* **重點** `code` [連結](https://example.com)\n\n- 一\n- 二\n\n段落\n\n1. 甲")
    assert "<em>強調</em>" in html and "<strong>重點</strong>" in html and "<code>code</code>" in html
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">連結</a>' in html
    assert "<ul>" in html and "<li>一</li>" in html and "<ol>" in html
    assert html.startswith("<p>")


@pytest.mark.parametrize(
    ("body", "forbidden"),
    [
        ("<script>alert(1)</script>安全", "<script"),
        ("[x](javascript:alert(1))", "javascript:"),
        ("[x](/admin/)", 'href="/admin/"'),
        ('<a href="https://e.com" onclick="x()">y</a>', "onclick"),
        ("![圖](https://e.com/a.png)", "<img"),
        ("# 標題", "<h1"),
        ('<iframe src="https://e.com"></iframe>', "<iframe"),
    ],
)
def test_render_note_removes_everything_else(body, forbidden):
    assert forbidden not in markup(render_note(body))


def markup(html: str) -> str:
    """Return the tags and attributes of html as written, without its text."""
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append(f"<{tag} " + " ".join(f'{name}="{value}"' for name, value in attrs))

    Collect().feed(html)
    return " ".join(found)


def test_render_note_shows_written_html_as_text():
    """An ingest warning quotes the </p> it found: it must read as text, not end the paragraph."""
    html = render_note("Decoded one byte late before a closing </p>. Check it.\n\nAs ingested: `?!?/p>`")
    assert html == (
        "<p>Decoded one byte late before a closing &lt;/p&gt;. Check it.</p>\n"
        "<p>As ingested: <code>?!?/p&gt;</code></p>"
    )


def test_render_note_filter_in_templates():
    template = engines["django"].from_string("{% load article_notes %}{{ body|render_note }}")
    html = template.render({"body": "**粗體** <b onmouseover=x>"})
    assert "<strong>粗體</strong>" in html and "onmouseover" not in markup(html)
    assert "&lt;b onmouseover=x&gt;" in html


def test_deleted_paragraph_does_not_hand_its_notes_to_an_unrelated_mention(paragraph, admin_user):
    other = Paragraph.objects.create(section=paragraph.section, position=1, text="後來文心一言也開放了。")
    annotation = annotate(paragraph, "文心一言", admin_user)
    paragraph.delete()
    annotation.refresh_from_db()
    assert annotation.paragraph is None and annotation.orphaned
    assert not other.annotations.exists()


def test_editing_several_paragraphs_at_once_in_the_admin_moves_each_ones_annotations(
    admin_client, section, paragraph, admin_user
):
    second = Paragraph.objects.create(section=section, position=1, text="智譜發布了ChatGLM。")
    notes = [annotate(paragraph, "文心一言", admin_user), annotate(second, "ChatGLM", admin_user)]
    url = reverse("admin:articles_section_change", args=[section.pk])
    data = posted_form(admin_client.get(url))
    texts = {paragraph.pk: "據報道，" + TEXT, second.pk: "去年，智譜發布了ChatGLM。"}
    for key, value in list(data.items()):
        if key.endswith("-id") and int(value) in texts:
            data[key.removesuffix("-id") + "-text"] = texts[int(value)]
    assert admin_client.post(url, data).status_code == 302

    for note, (pk, text) in zip(notes, texts.items(), strict=True):
        note.refresh_from_db()
        assert Paragraph.objects.get(pk=pk).text == text
        assert text[note.start : note.end] == note.exact and not note.orphaned


def test_restoring_text_that_lacks_an_annotations_quote_orphans_it_and_says_so(
    admin_client, article, paragraph, admin_user
):
    with reversion.create_revision():
        reversion.add_to_revision(article)
    version = Version.objects.get_for_object(paragraph).get()
    edit(paragraph, TEXT + "隨後，智譜發布了ChatGLM。")
    note = annotate(paragraph, "ChatGLM", admin_user)
    restore = reverse("admin:articles_paragraph_revision", args=[paragraph.pk, version.pk])

    response = admin_client.post(restore, posted_form(admin_client.get(restore)), follow=True)

    paragraph.refresh_from_db()
    note.refresh_from_db()
    assert paragraph.text == TEXT and note.orphaned and note.exact == "ChatGLM"
    assert "1 annotation(s) could not be placed in the restored text and are marked orphaned." in [
        str(message) for message in response.context["messages"]
    ]
