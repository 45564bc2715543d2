"""A newsroom on the seed article, in real headless Chromium.

Two editors save one section at once; a contributor changes the live article and submits the changes; an
editor reviews them, previews them in the admin's frame at a phone's width in 简体 with pinyin, publishes
them past the pre-publish check, then retitles the article; an outside reviewer opens a share link until it
expires. Readers, each in a browser context of their own, see a change only once an editor publishes it.
"""

import json
import re
import types
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from reversion.models import Version

from articles import previews
from articles.models import Annotation, Article, ChangeReview, Paragraph
from core.variants import HANS, convert
from tests.browser.support import DESKTOP, PHONE
from tests.browser.test_annotate import SELECT_JS

pytestmark = pytest.mark.django_db(transaction=True)

EDITOR_A_TEXT = "2022年11月30日，是ChatGPT面世的第一天，距今已滿一年。"
EDITOR_B_TEXT = "乙編輯改寫的第二段：人類與AI的未來已經到來。"
ADDED = "投稿者補充：國內大模型已逾二百個。"
NOTE = "據工信部統計，截至十月。"
NEW_TITLE = "百模大戰一年後：中國大模型的機會在應用"

# A paragraph's text as readers read it, without the readings over it.
TEXT_WITHOUT_READINGS_JS = """
element => {
  const copy = element.cloneNode(true);
  copy.querySelectorAll("rt, rp, sup, .note-ref").forEach(node => node.remove());
  return copy.textContent;
}
"""


class Browser:
    """Open pages as a user (or as nobody), and check each page opened had no console error."""

    def __init__(self, new_page, live_server):
        self.new_page = new_page
        self.live_server = live_server
        self.pages = []

    def open(self, user=None, viewport=DESKTOP):
        page = self.new_page(viewport=viewport)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": self.live_server.url,
            }
            page.context.add_cookies([cookie])
        page.failed = []
        page.on("response", lambda response: response.status >= 400 and page.failed.append(response))
        self.pages.append(page)
        return page

    def url(self, path: str) -> str:
        return self.live_server.url + path

    def go(self, page, path: str, status: int = 200):
        response = page.goto(self.url(path))
        assert response.status == status, f"{path}: {response.status}"
        return response

    def assert_clean(self, expected_failures=()):
        """Every page: no console error, and no failed request but those expected (status, path)."""
        for page in self.pages:
            failed = [(r.status, r.url.removeprefix(self.live_server.url)) for r in page.failed]
            unexpected = [f for f in failed if f not in expected_failures]
            assert unexpected == [], unexpected
            # Chromium reports each failed load on the console too; those are the expected ones above.
            errors = [
                e for e in page.console.errors if not (failed and e.startswith("Failed to load resource"))
            ]
            assert errors == [], errors


def member(django_user_model, username: str, group: str):
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def paragraph_form(page, anchor: str):
    """Return the text box of the paragraph inline whose anchor is `anchor`, on a section's change form."""
    inline = page.locator(
        ".inline-related", has=page.locator("div.readonly", has_text=re.compile(f"^{anchor}$"))
    )
    return inline.locator("textarea")


def saved(page, button="input[name=_continue]"):
    with page.expect_navigation():
        page.click(button)


def date_modified(page):
    (payload,) = [
        json.loads(s) for s in page.locator("script[type='application/ld+json']").all_text_contents()
    ]
    return parse_datetime(payload["dateModified"])


def reader_sees(browser, path: str):
    """Open the public page in a fresh browser context, as a reader would; return the page."""
    page = browser.open(viewport=PHONE)
    browser.go(page, path)
    return page


def test_a_newsroom_edits_reviews_previews_and_publishes_one_article(
    new_page, live_server, fresh_seed, django_user_model, monkeypatch
):
    article = fresh_seed
    old_path = article.get_absolute_url()
    anna = member(django_user_model, "anna-editor", "Editor")
    bo = member(django_user_model, "bo-editor", "Editor")
    chen = member(django_user_model, "chen-contributor", "Contributor")
    browser = Browser(new_page, live_server)
    section = article.sections.order_by("position").first()
    section_form = reverse("admin:articles_section_change", args=[section.pk])
    change_form = reverse("admin:articles_article_change", args=[article.pk])
    p01, p02, p03 = Paragraph.objects.filter(section=section).order_by("position")[:3]
    before = reader_sees(browser, old_path)
    modified_before = date_modified(before)

    # Editor A and editor B open the same section at once; B is told that A has it open.
    a, b = browser.open(anna), browser.open(bo)
    browser.go(a, section_form)
    browser.go(b, section_form)
    assert "anna-editor opened this section for editing" in b.locator(".editing-notice").inner_text()
    paragraph_form(a, p01.anchor).fill(EDITOR_A_TEXT)
    saved(a)
    assert "was changed successfully" in a.locator(".messagelist").inner_text()
    # B's save comes second: refused, with what A changed, and B's typing still in the form.
    paragraph_form(b, p02.anchor).fill(EDITOR_B_TEXT)
    saved(b)
    refused = b.locator(".errorlist.nonfield").inner_text()
    assert "Someone else saved this section after you opened it" in refused
    assert f"paragraph {p01.anchor}: text: “{p01.text}” → “{EDITOR_A_TEXT}”" in refused
    assert paragraph_form(b, p02.anchor).input_value() == EDITOR_B_TEXT
    assert Paragraph.objects.get(pk=p02.pk).text == p02.text

    # A contributor edits a paragraph of the live article and adds a public note to the new words.
    c = browser.open(chen)
    browser.go(c, section_form)
    paragraph_form(c, p03.anchor).fill(ADDED + p03.text)
    saved(c)
    browser.go(c, reverse("admin:articles_article_annotate", args=[article.pk]))
    start = ADDED.index("國內大模型")
    c.evaluate(SELECT_JS, [p03.anchor, start, start + len("國內大模型")])
    assert c.locator("#annotate-quote-text").text_content() == "國內大模型"
    c.select_option("#annotate-form select[name=kind]", "note")
    c.select_option("#annotate-form select[name=visibility]", "public")
    c.fill("#annotate-form textarea[name=body]", NOTE)
    saved(c, "#annotate-form input[type=submit]")
    assert Annotation.objects.get(body=NOTE).visibility == Annotation.Visibility.PUBLIC

    # Readers see none of it: not A's edit, not the contributor's, not the note.
    reader = reader_sees(browser, old_path)
    body = reader.locator("main").inner_text()
    assert (
        p03.text[:20] in body and "投稿者補充" not in body and NOTE not in body and "距今已滿一年" not in body
    )
    assert date_modified(reader) == modified_before

    # The contributor submits the changes for review.
    browser.go(c, change_form)
    c.fill("#submit-changes-message", "補充了大模型的數量")
    saved(c, ".workflow-submit-changes button")
    assert "Changes submitted for review" in c.locator(".messagelist").inner_text()
    assert ChangeReview.objects.awaiting().get(article=article).submitted_by == chen

    # An editor finds them awaiting review and reads the changes against the live version.
    browser.go(a, reverse("admin:articles_article_changelist") + "?live=review")
    with a.expect_navigation():
        a.locator("#result_list a", has_text=article.title[:10]).click()
    with a.expect_navigation():
        a.click(".review-pending a")
    changed = a.locator(".compare-table").nth(1).inner_text()  # the text
    assert "投稿者補充" in changed and "距今已滿一年" in changed
    assert NOTE in a.locator(".compare-table").nth(2).inner_text()  # the public notes

    # The preview frame: the working copy at 390 px, switched to 简体 with pinyin by the toggles.
    with a.expect_navigation():
        a.get_by_role("link", name="Preview the working copy").click()
    assert a.locator("iframe").count() == 2
    with a.expect_navigation():
        a.locator(".preview-tools").get_by_role("link", name="简体").click()
    with a.expect_navigation():
        a.locator(".preview-tools").get_by_role("switch", name="拼音").click()
    phone = a.frame_locator("iframe[name=preview-phone]")
    phone.locator(f"#{p03.anchor}").wait_for()
    frame = a.frame(name="preview-phone")
    assert frame.evaluate("window.innerWidth") == 390
    assert frame.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    assert frame.evaluate("document.documentElement.lang") == "zh-Hans"
    paragraph = phone.locator(f"#{p03.anchor}")
    assert paragraph.locator("ruby").count() > 20
    read = paragraph.evaluate(TEXT_WITHOUT_READINGS_JS)
    assert convert(ADDED, HANS) in read  # 投稿者补充：国内大模型已逾二百个。
    assert "bǔ" in paragraph.locator("rt").all_text_contents()  # 补
    assert convert(NOTE, HANS) in phone.locator("aside.notes").first.inner_text()
    assert "Preview of the working copy" in phone.locator(".preview-banner").inner_text()

    # Approve and publish from the changes view, past the pre-publish check.
    browser.go(a, reverse("admin:articles_article_changes", args=[article.pk]))
    with a.expect_navigation():
        a.get_by_role("button", name="Publish the changes").click()
    findings = a.locator(".prepublish-findings li").all_inner_texts()
    assert findings  # the seed's lost screenshot, at least: a caption without its image
    with a.expect_navigation():
        a.get_by_role("button", name="Publish anyway").click()
    assert "published" in a.locator(".messagelist").inner_text()
    assert ChangeReview.objects.get(article=article).decision == ChangeReview.Decision.APPROVED
    recorded = Version.objects.get_for_object(article).first().revision
    assert recorded.user == anna
    assert (
        recorded.comment == f"Published changes submitted by chen-contributor, despite: {'; '.join(findings)}"
    )

    reader = reader_sees(browser, old_path)
    body = reader.locator("main").inner_text()
    assert "投稿者補充" in body and NOTE in body and "距今已滿一年" in body and EDITOR_B_TEXT not in body
    assert date_modified(reader) > modified_before

    # The editor retitles the article; an empty slug is made from the new title in pinyin.
    browser.go(a, change_form)
    a.fill("#id_title", NEW_TITLE)
    a.fill("#id_slug", "")
    saved(a)
    new_slug = Article.objects.get(pk=article.pk).slug
    assert new_slug.startswith("bai-mo-da-zhan-yi-nian-hou")
    browser.go(reader, old_path)  # not published yet: the old address still serves the article
    assert reader.locator("h1").inner_text() == article.title
    with a.expect_navigation():
        a.get_by_role("button", name="Publish changes").click()
    with a.expect_navigation():
        a.get_by_role("button", name="Publish anyway").click()
    new_path = reverse("articles:detail", args=[new_slug])
    moved = reader.request.get(browser.url(old_path), max_redirects=0)
    assert moved.status == 301 and moved.headers["location"].endswith(new_path)
    browser.go(reader, new_path)
    assert reader.locator("h1").inner_text() == NEW_TITLE

    # An outside reviewer opens a share link made in the admin, until it expires.
    browser.go(a, change_form)
    a.fill("#share-hours", "1")
    saved(a, ".workflow-share button")
    (link,) = re.findall(r"https?://\S+/preview/[^/\s]+/", a.locator(".messagelist").inner_text())
    outside = browser.open(viewport=PHONE)
    shared = outside.goto(link)
    assert shared.status == 200 and shared.headers["x-robots-tag"] == "noindex, nofollow"
    assert "Preview of the working copy" in outside.locator(".preview-banner").inner_text()
    assert outside.locator("h1").inner_text() == NEW_TITLE
    # Two hours later, for the share links alone: the reviewer's reload answers 410 Gone.
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(
        previews, "timezone", types.SimpleNamespace(now=lambda: later, localtime=timezone.localtime)
    )
    gone = outside.reload()
    assert gone.status == 410 and "expired" in outside.locator("main").inner_text()

    browser.assert_clean(expected_failures=[(410, link.removeprefix(live_server.url))])
