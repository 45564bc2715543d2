"""Two editors on one object: the second save is refused, keeps what was typed, and says what changed."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from articles.models import Article, Paragraph, Section
from core.conflicts import FIELD
from landscape.models import Company
from tests.admin_support import posted_form
from tests.conftest import PASSWORD
from tests.factories import make_company

pytestmark = pytest.mark.django_db


@pytest.fixture
def section(db):
    article = Article.objects.create(title="百模大戰", slug="hundred-models")
    section = Section.objects.create(article=article, position=0, heading="開頭")
    Paragraph.objects.create(section=section, position=0, text="第一段原文。")
    Paragraph.objects.create(section=section, position=1, text="第二段原文。")
    return section


def _texts(section: Section) -> list[str]:
    return list(section.paragraphs.order_by("position").values_list("text", flat=True))


def _paragraph_field(data: dict, text: str) -> str:
    return next(name for name, value in data.items() if value == text)


def test_second_save_of_a_section_is_refused_and_keeps_what_was_typed(client, editor, section):
    client.force_login(editor)
    url = reverse("admin:articles_section_change", args=[section.pk])
    first, second = posted_form(client.get(url)), posted_form(client.get(url))

    first[_paragraph_field(first, "第一段原文。")] = "第一段，甲改過。"
    assert client.post(url, first).status_code == 302

    second[_paragraph_field(second, "第二段原文。")] = "第二段，乙改過。"
    refused = client.post(url, second)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Someone else saved this section after you opened it" in page
    assert "“第一段原文。” → “第一段，甲改過。”" in page  # what the other editor changed
    assert "第二段，乙改過。" in page  # what this editor typed is still in the form
    texts = list(
        Paragraph.objects.filter(section=section).order_by("position").values_list("text", flat=True)
    )
    assert texts == ["第一段，甲改過。", "第二段原文。"]  # nothing of the refused save was written

    # The refused form now carries the fresh state: saving again keeps this editor's version on purpose.
    again = posted_form(refused)
    assert again[_paragraph_field(again, "第二段，乙改過。")]
    assert client.post(url, again).status_code == 302
    texts = list(
        Paragraph.objects.filter(section=section).order_by("position").values_list("text", flat=True)
    )
    assert texts == ["第一段原文。", "第二段，乙改過。"]


def test_a_form_opened_after_the_last_save_saves(client, editor, section):
    client.force_login(editor)
    url = reverse("admin:articles_section_change", args=[section.pk])
    data = posted_form(client.get(url))
    assert data[FIELD]
    data["heading"] = "新的開頭"
    assert client.post(url, data).status_code == 302
    section.refresh_from_db()
    assert section.heading == "新的開頭"


def test_a_change_made_outside_the_form_also_counts(client, editor):
    company = make_company(name_zh="月之暗面", slug="moonshot")
    client.force_login(editor)
    url = reverse("admin:landscape_company_change", args=[company.pk])
    data = posted_form(client.get(url))
    Company.objects.filter(pk=company.pk).update(summary="由匯入寫入的簡介")  # an import, a script
    data["name_en"] = "Moonshot AI"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "“” → “由匯入寫入的簡介”" in response.content.decode()
    company.refresh_from_db()
    assert company.name_en != "Moonshot AI" and company.summary == "由匯入寫入的簡介"

    # Saved again, the form keeps what this editor typed, over the other change on purpose.
    again = posted_form(response)
    assert again["name_en"] == "Moonshot AI"
    assert client.post(url, again).status_code == 302
    company.refresh_from_db()
    assert company.name_en == "Moonshot AI"


def test_a_damaged_record_is_refused_with_words(client, editor, section):
    client.force_login(editor)
    url = reverse("admin:articles_section_change", args=[section.pk])
    data = posted_form(client.get(url))
    data[FIELD] = data[FIELD][:-4] + "AAAA"
    data["heading"] = "不該寫入"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "record of when it was opened is damaged" in response.content.decode()
    section.refresh_from_db()
    assert section.heading == "開頭"


def test_a_workflow_step_from_a_page_opened_before_another_save_is_refused(client, editor, section):
    article = section.article
    client.force_login(editor)
    change_url = reverse("admin:articles_article_change", args=[article.pk])
    state = client.get(change_url).context["opened_state"]
    Article.objects.filter(pk=article.pk).update(title="百模大戰（改題）")
    publish = reverse("admin:articles_article_workflow", args=[article.pk, "publish"])
    response = client.post(publish, {FIELD: state}, follow=True)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    page = response.content.decode()
    assert "Not published: someone else saved this article after you opened it" in page
    assert "“百模大戰” → “百模大戰（改題）”" in page

    fresh = client.get(change_url).context["opened_state"]
    client.post(publish, {FIELD: fresh, "confirm": "yes"})  # past the pre-publish check
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED


def test_an_editor_is_told_who_else_is_editing_and_can_take_over(client, editor, django_user_model, section):

    other = django_user_model.objects.create_user(
        "second-editor", password="a-test-password-9", is_staff=True
    )
    other.groups.add(Group.objects.get(name="Editor"))
    article = section.article
    url = reverse("admin:articles_article_change", args=[article.pk])
    take_over = reverse("admin:articles_article_take_over", args=[article.pk])

    client.force_login(editor)
    assert "editing_notice" not in client.get(url).context  # the first to open it is not warned
    client.force_login(other)
    page = client.get(url).content.decode()
    assert "editor-user opened this article for editing at" in page and take_over in page

    assert client.get(take_over).status_code == 405  # taking over is a POST, never a link a crawler follows
    assert client.post(take_over).status_code == 302
    assert "editing_notice" not in client.get(url).context
    client.force_login(editor)
    assert "second-editor opened this article for editing at" in client.get(url).content.decode()

    # Saving ends one's editing: the other editor is no longer told.
    client.force_login(other)
    response = client.get(url)
    data = posted_form(response)
    data["title"] = "百模大戰（二稿）"
    assert client.post(url, data).status_code == 302
    client.force_login(editor)
    assert "editing_notice" not in client.get(url).context


def test_taking_over_needs_the_change_permission(client, django_user_model, section):
    viewer = django_user_model.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    client.force_login(viewer)
    response = client.post(reverse("admin:articles_article_take_over", args=[section.article.pk]))
    assert response.status_code == 403
