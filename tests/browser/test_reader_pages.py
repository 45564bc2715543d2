"""Every public page in real headless Chromium, on a phone and on a desktop."""

import pytest

from tests.browser.support import DESKTOP, PHONE, axe_violations

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


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_page_renders_without_errors_or_sideways_scrolling(live_server, new_page, seed, viewport, name):
    page = new_page(viewport)
    response = page.goto(live_server.url + PUBLIC_PAGES[name])
    assert response.status == 200
    assert page.console.errors == []
    # Nothing wider than the screen: a phone reader never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.parametrize("name", AXE_PAGES)
def test_no_serious_accessibility_violations(live_server, new_page, seed, name):
    page = new_page(PHONE)
    page.goto(live_server.url + PUBLIC_PAGES[name])
    assert axe_violations(page) == []


def test_paragraph_anchor_link_lands_on_the_paragraph(live_server, new_page, seed):
    page = new_page(PHONE)
    page.goto(f"{live_server.url}{ARTICLE}#p-10")
    assert page.evaluate("document.querySelector(':target').id") == "p-10"


def test_reader_switches_to_simplified_and_it_persists(live_server, new_page, seed):
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


def test_reader_turns_pinyin_on_and_off(live_server, new_page, seed):
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
def test_annotation_note_shows_at_its_span(live_server, new_page, seed, viewport):
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
        # Beside the text on a wide screen, starting beside the paragraph (level with it, or just below the
        # note before it when that one is still running).
        assert notes_box["x"] >= paragraph_box["x"] + paragraph_box["width"]
        assert paragraph_box["y"] - 1 <= notes_box["y"] < paragraph_box["y"] + paragraph_box["height"]
    page.locator(f"#{note_id}-ref").click()
    assert page.evaluate("document.querySelector(':target').id") == note_id
    assert span_box["width"] > 0


def test_reader_searches_and_lands_on_the_paragraph(live_server, new_page, seed):
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


def test_notes_beside_the_text_never_push_paragraphs_apart_or_overlap(live_server, new_page, seed):
    page = new_page(DESKTOP)
    page.goto(live_server.url + ARTICLE)
    layout = page.evaluate(
        """() => {
        const box = (el) => el.getBoundingClientRect();
        const gaps = [...document.querySelectorAll('.para-block.has-notes')].map((block) => {
            const next = block.nextElementSibling;
            const text = block.querySelector(':scope > p, :scope > figure');
            return next ? box(next).top - box(text).bottom : 0;
        });
        const notes = [...document.querySelectorAll('aside.notes')].map((a) => [box(a).top, box(a).bottom]);
        const paragraphGap = parseFloat(getComputedStyle(document.querySelector('#p-02')).marginBottom);
        return {gaps, notes, paragraphGap};
    }"""
    )
    # The paragraph after an annotated one follows at the usual paragraph spacing, however long the note.
    assert layout["gaps"] and max(layout["gaps"]) <= layout["paragraphGap"] + 1
    for (_, bottom), (top, _) in zip(layout["notes"], layout["notes"][1:], strict=False):
        assert top >= bottom


def test_reading_tools_say_which_script_is_on_and_whether_pinyin_is(live_server, new_page, seed):
    page = new_page(PHONE)
    page.goto(live_server.url + ARTICLE)
    assert page.inner_text(".script-switch [aria-current=true]") == "繁體"
    assert page.get_attribute("[data-toggle=pinyin]", "role") == "switch"
    assert page.get_attribute("[data-toggle=pinyin]", "aria-checked") == "false"
    page.click("[data-toggle=script]")
    page.wait_for_load_state()
    assert page.inner_text(".script-switch [aria-current=true]") == "简体"
    page.click("[data-toggle=pinyin]")
    page.wait_for_load_state()
    assert page.get_attribute("[data-toggle=pinyin]", "aria-checked") == "true"
    # The summary is read with pinyin too, and the toggles stay inside a phone's width.
    assert page.locator(".summary rt").count() > 0
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_skip_link_is_hidden_until_focused_and_focus_is_visible(live_server, new_page, seed):
    for viewport in (PHONE, DESKTOP):
        page = new_page(viewport)
        page.goto(live_server.url + ARTICLE)
        skip = page.locator(".skip-link")
        assert skip.bounding_box()["y"] + skip.bounding_box()["height"] <= 0  # not even a sliver shows
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert skip.bounding_box()["y"] >= 0
        page.keyboard.press("Tab")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
        assert float(outline.removesuffix("px")) >= 2
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        # Past the header: the next stop is in the article (its table of contents).
        assert page.evaluate("document.activeElement.closest('main') !== null")


def test_landscape_is_drawn_in_layers_with_overseas_apart(live_server, new_page, seed):
    for viewport in (PHONE, DESKTOP):
        page = new_page(viewport)
        page.goto(live_server.url + "/landscape/")
        tops = {
            layer: page.locator(f"#layer-{layer}").bounding_box()["y"]
            for layer in ("startup", "platform", "ai1", "research", "overseas")
        }
        assert tops["startup"] < tops["platform"] <= tops["ai1"] < tops["research"]
        overseas = page.locator(".landscape-overseas").bounding_box()
        china = page.locator(".landscape-china").bounding_box()
        # Apart: beside the Chinese layers on a wide screen, after them on a phone.
        assert overseas["x"] >= china["x"] + china["width"] or overseas["y"] >= china["y"] + china["height"]
        if viewport is PHONE:
            # Chinese names only on a phone, so that the whole map fits in a couple of screens.
            assert not page.locator(".chip-en").first.is_visible()
            assert china["height"] < 2 * PHONE["height"]


def test_missing_page_looks_like_the_site(live_server, new_page, seed):
    page = new_page(PHONE)
    failed = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    response = page.goto(live_server.url + "/articles/no-such-article/")
    assert response.status == 404
    assert page.inner_text("h1") == "找不到這一頁"
    assert page.locator("nav.site-nav").is_visible() and page.locator("input[type=search]").is_visible()
    assert failed == [live_server.url + "/articles/no-such-article/"]  # nothing else on the page is missing
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
