"""Every public page in real headless Chromium, on a phone and on a desktop."""

import pytest
from django.core.management import call_command

from tests.browser_support import DESKTOP, PHONE, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED_SLUG = "one-year-after-chatgpt-hundred-model-war"
ARTICLE = f"/articles/{SEED_SLUG}/"
PUBLIC_PAGES = {
    "home": "/",
    "articles": "/articles/",
    "article": ARTICLE,
    "landscape": "/landscape/",
    "company": "/companies/baichuan/",
    "person": "/people/wang-xiaochuan/",
    "quotes": "/quotes/",
    "figures": "/figures/",
    "search": "/search?q=算力",
}
AXE_PAGES = ["home", "article", "landscape", "company", "quotes", "search"]


@pytest.fixture
def seeded(db):
    call_command("load_seed", verbosity=0)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_page_renders_without_errors_or_sideways_scrolling(live_server, new_page, seeded, viewport, name):
    page = new_page(viewport)
    response = page.goto(live_server.url + PUBLIC_PAGES[name])
    assert response.status == 200
    assert page.console.errors == []
    # Nothing wider than the screen: a phone reader never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.parametrize("name", AXE_PAGES)
def test_no_serious_accessibility_violations(live_server, new_page, seeded, name):
    page = new_page(PHONE)
    page.goto(live_server.url + PUBLIC_PAGES[name])
    assert axe_violations(page) == []


def test_paragraph_anchor_link_lands_on_the_paragraph(live_server, new_page, seeded):
    page = new_page(PHONE)
    page.goto(f"{live_server.url}{ARTICLE}#p-10")
    assert page.evaluate("document.querySelector(':target').id") == "p-10"


def test_reader_switches_to_simplified_and_it_persists(live_server, new_page, seeded):
    page = new_page(PHONE)
    page.goto(live_server.url + ARTICLE)
    assert page.get_attribute("html", "lang") == "zh-Hant"
    page.click("[data-toggle=script]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh-Hans"
    assert "百模大战" in page.inner_text("h1")
    # The choice follows the reader to the next page.
    page.click("nav.site-nav >> text=版图")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    assert "中国大模型版图" in page.inner_text("h1")


def test_reader_turns_pinyin_on_and_off(live_server, new_page, seeded):
    page = new_page(PHONE)
    page.goto(live_server.url + ARTICLE)
    assert page.locator("#p-30 ruby").count() == 0
    page.click("[data-toggle=pinyin]")
    page.wait_for_load_state()
    readings = page.locator("#p-30 rt").all_inner_texts()
    assert readings[:3] == ["zài", "suàn", "lì"]  # 在算力…
    assert page.locator("#p-30 rt").first.is_visible()
    page.click("[data-toggle=pinyin]")
    page.wait_for_load_state()
    assert page.locator("#p-30 ruby").count() == 0


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_annotation_note_shows_at_its_span(live_server, new_page, seeded, viewport):
    page = new_page(viewport)
    page.goto(live_server.url + ARTICLE)
    mark = page.locator("#p-15 mark.annotated", has_text="邱錫鵬")
    note_id = mark.get_attribute("data-note")
    note = page.locator(f"#{note_id}")
    assert note.is_visible() and "復旦大學" in note.inner_text()
    notes_box = note.locator("xpath=ancestor::aside").bounding_box()
    span_box, paragraph_box = mark.bounding_box(), page.locator("#p-15").bounding_box()
    if viewport is PHONE:
        # Under the paragraph on a phone.
        assert notes_box["y"] >= paragraph_box["y"] + paragraph_box["height"] - 1
    else:
        # Beside the text on a wide screen, starting level with the paragraph.
        assert notes_box["x"] >= paragraph_box["x"] + paragraph_box["width"]
        assert abs(notes_box["y"] - paragraph_box["y"]) < 30
    page.locator(f"#{note_id}-ref").click()
    assert page.evaluate("document.querySelector(':target').id") == note_id
    assert span_box["width"] > 0


def test_reader_searches_and_lands_on_the_paragraph(live_server, new_page, seeded):
    page = new_page(PHONE)
    page.goto(live_server.url + "/")
    page.click("nav.site-nav >> text=搜尋")
    page.fill("input[type=search]", "算力")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    hit = page.locator(".search-hit-paragraph a[href*='#p-']").first
    href = hit.get_attribute("href")
    hit.click()
    page.wait_for_load_state()
    anchor = href.split("#")[1]
    assert page.evaluate("document.querySelector(':target').id") == anchor
    assert "算力" in page.inner_text(f"#{anchor}")
