"""The admin's preview frame: a working copy or a version at a phone's and a desktop's width, framed."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article
from articles.previews import preview_link_token
from tests.factories import first_paragraph, make_article, set_text

pytestmark = pytest.mark.django_db


def frame_page(article) -> str:
    return reverse("admin:articles_article_preview", args=[article.pk])


def frames(response) -> list[tuple[str, str, str]]:
    """Return each iframe's (src, width, height) as the page gives them."""
    html = response.content.decode()
    return [
        (unescape(src), width, height)
        for src, width, height in re.findall(r'<iframe src="([^"]+)" width="(\d+)" height="(\d+)"', html)
    ]


def links(response) -> dict[str, str]:
    """Return the toolbar's links by their text."""
    tools = response.content.decode().split('class="preview-tools"', 1)[1].split("</nav>", 1)[0]
    return {text: unescape(href) for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', tools)}


def directives(response) -> dict[str, str]:
    """Return the response's CSP directives, without the nonce a page may add to its header."""
    header = re.sub(r" 'nonce-[^']+'", "", response.headers["Content-Security-Policy"])
    return dict([*part.strip().split(" ", 1), ""][:2] for part in header.split(";") if part.strip())


@pytest.fixture
def article():
    article = make_article("原來的段落。", title="框架預覽")
    set_text(first_paragraph(article), "預覽裡的段落。")
    return article


def test_the_frame_page_shows_the_working_copy_at_a_phones_and_a_desktops_width(editor_client, article):
    response = editor_client.get(frame_page(article))
    assert response.status_code == 200
    source = reverse("preview_article", args=[article.pk])
    assert frames(response) == [
        (f"{source}?variant=zh-hant&pinyin=0", "390", "844"),
        (f"{source}?variant=zh-hant&pinyin=0", "1280", "900"),
    ]
    # What the frames show is the reader's page of the working copy, not the live one.
    framed = editor_client.get(frames(response)[0][0])
    assert framed.status_code == 200 and "預覽裡的段落" in framed.content.decode()


def test_the_toggles_switch_script_pinyin_and_width(editor_client, article):
    tools = links(editor_client.get(frame_page(article)))
    simplified = editor_client.get(tools["简体"])
    (src, *_), _desktop = frames(simplified)
    assert src.endswith("?variant=zh-hans&pinyin=0")
    with_pinyin = editor_client.get(links(simplified)["拼音"])
    (src, *_), _desktop = frames(with_pinyin)
    assert src.endswith("?variant=zh-hans&pinyin=1")
    assert 'aria-checked="true" lang="zh-Hant">拼音' in with_pinyin.content.decode()
    phone = editor_client.get(links(with_pinyin)["Phone"])
    assert [(width, height) for _, width, height in frames(phone)] == [("390", "844")]
    assert frames(phone)[0][0].endswith("?variant=zh-hans&pinyin=1")  # the other choices are kept

    framed = editor_client.get(frames(phone)[0][0]).content.decode()
    assert "预览里的段落" not in framed  # with pinyin each character is in its own ruby
    assert "<ruby>预<rt>yù</rt></ruby>" in framed and "<ruby>览<rt>lǎn</rt></ruby>" in framed


def test_a_past_version_is_framed_from_its_own_preview(editor_client, article):
    response = editor_client.get(frame_page(article), {"version": "1"})
    source = reverse("preview_version", args=[article.pk, 1])
    assert {src for src, _, _ in frames(response)} == {f"{source}?variant=zh-hant&pinyin=0"}
    assert "原來的段落" in editor_client.get(frames(response)[0][0]).content.decode()
    assert "Preview of version 1" in response.content.decode()
    for missing in ("2", "x", "-1"):
        assert editor_client.get(frame_page(article), {"version": missing}).status_code == 404


def test_the_article_pages_open_the_frame_page(editor_client, article):
    frame = frame_page(article)
    change = editor_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert f'<a href="{frame}" class="previewlink">Preview</a>' in change
    changes = editor_client.get(reverse("admin:articles_article_changes", args=[article.pk])).content.decode()
    assert f'<a href="{frame}">Preview the working copy</a>' in changes
    versions = editor_client.get(reverse("admin:articles_article_versions", args=[article.pk]))
    assert f'<a href="{frame}?version=1">Preview</a>' in versions.content.decode()


def test_the_frame_page_needs_the_view_permission(client, contributor, django_user_model, article):
    client.force_login(contributor)  # contributors may view articles
    assert client.get(frame_page(article)).status_code == 200
    stranger = django_user_model.objects.create_user("staff-without-articles", is_staff=True)
    client.force_login(stranger)
    assert client.get(frame_page(article)).status_code == 403
    anonymous = Client().get(frame_page(article))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("admin:login"))
    assert Client().get(reverse("preview_article", args=[article.pk])).status_code == 302


def test_only_an_editors_preview_may_be_framed_and_only_by_this_site(editor_client, article):
    preview = editor_client.get(reverse("preview_article", args=[article.pk]))
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert directives(preview)["frame-ancestors"] == "'self'"
    # The rest of the policy is the site's own, as the live page has it.
    live_article = Article.objects.get(pk=article.pk).live_version.get_absolute_url()
    assert {**directives(preview), "frame-ancestors": "'none'"} == directives(Client().get(live_article))
    version = editor_client.get(reverse("preview_version", args=[article.pk, 1]))
    assert version["X-Frame-Options"] == "SAMEORIGIN" and directives(version)["frame-ancestors"] == "'self'"

    token, _ = preview_link_token(article, hours=1)
    for response in (
        Client().get(reverse("preview_shared", args=[token])),  # an outside reviewer's link
        editor_client.get(frame_page(article)),
        editor_client.get(reverse("admin:articles_article_change", args=[article.pk])),
        Client().get(live_article),
    ):
        assert response.status_code == 200
        assert response["X-Frame-Options"] == "DENY"
        assert directives(response)["frame-ancestors"] == "'none'"
