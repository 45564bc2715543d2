"""Drive the annotate view in real headless Chromium: select a span, write a note, save, check the row."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from articles.annotations import annotation_create
from articles.models import Annotation, Article, Paragraph, Section

pytestmark = pytest.mark.django_db(transaction=True)

# A character outside the Basic Multilingual Plane before the span: one code point, two UTF-16 units.
FIRST = "𠮷野家的報道：復旦大學的邱錫鵬教授團隊發布了MOSS，這是國內第一個對話式大語言模型。"
SECOND = "之後，百度發布了文心一言，阿里發布了通義千問，大模型的競爭從此開始。"

# Map code-point offsets of a paragraph's text to DOM positions, walking the text nodes the marks split.
LOCATE_JS = """
([anchor, start, end]) => {
  const paragraph = document.querySelector(`p[data-anchor="${anchor}"]`);
  const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
  const found = {};
  let seen = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let unit = 0;
    for (const ch of node.data) {
      if (seen === start && !found.start) found.start = [node, unit];
      seen += 1;
      unit += ch.length;
      if (seen === end && !found.end) found.end = [node, unit];
    }
  }
  return found;
}
"""

SELECT_JS = f"""
([anchor, start, end]) => {{
  const found = ({LOCATE_JS})([anchor, start, end]);
  const range = document.createRange();
  range.setStart(...found.start);
  range.setEnd(...found.end);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  range.startContainer.parentElement.dispatchEvent(new MouseEvent("mouseup", {{ bubbles: true }}));
}}
"""

CHARACTER_BOXES_JS = f"""
([anchor, start, end]) => {{
  const found = ({LOCATE_JS})([anchor, start, end]);
  const box = (node, from, to) => {{
    const range = document.createRange();
    range.setStart(node, from);
    range.setEnd(node, to);
    const rect = range.getBoundingClientRect();
    return {{ left: rect.left, right: rect.right, middle: rect.top + rect.height / 2 }};
  }};
  const [firstNode, firstUnit] = found.start;
  const [lastNode, lastUnit] = found.end;
  return {{ first: box(firstNode, firstUnit, firstUnit + 1), last: box(lastNode, lastUnit - 1, lastUnit) }};
}}
"""


@pytest.fixture
def article(django_user_model):
    article = Article.objects.create(title="百模大戰一週年", slug="browser-annotate")
    section = Section.objects.create(article=article, position=0)
    Paragraph.objects.create(section=section, position=0, text=FIRST)
    Paragraph.objects.create(section=section, position=1, text=SECOND)
    return article


@pytest.fixture
def contributor_page(chromium, live_server, django_user_model):
    user = django_user_model.objects.create_user("browser-contributor", is_staff=True)
    user.groups.add(Group.objects.get(name="Contributor"))
    client = Client()
    client.force_login(user)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Failed requests are checked by status below (the browser's own favicon request 404s harmlessly).
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and errors.append(message.text)
        ),
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and errors.append(f"{response.status} {response.url}")
        ),
    )
    page.user = user
    page.errors = errors
    yield page
    context.close()


def open_annotate(page, live_server, article):
    page.goto(live_server.url + reverse("admin:articles_article_annotate", args=[article.pk]))
    assert page.locator("#annotate-form").is_hidden()


def fill_and_save(page, kind, visibility, note):
    form = page.locator("#annotate-form")
    assert form.is_visible()
    form.locator("select[name=kind]").select_option(kind)
    form.locator("select[name=visibility]").select_option(visibility)
    form.locator("textarea[name=body]").fill(note)
    with page.expect_navigation():
        form.locator("input[type=submit]").click()


def test_select_a_span_across_a_highlight_and_annotate_it(contributor_page, live_server, article):
    page = contributor_page
    first = Paragraph.objects.get(text=FIRST)
    existing = FIRST.index("邱錫鵬")
    annotation_create(
        paragraph=first,
        start=existing,
        end=existing + 3,
        kind="context",
        visibility="public",
        body="復旦大學教授",
        created_by=page.user,
    )
    open_annotate(page, live_server, article)
    assert page.locator(f"p[data-anchor='{first.anchor}'] mark").count() == 1

    quote = "復旦大學的邱錫鵬教授團隊"  # starts before the highlight and ends after it
    start = FIRST.index(quote)
    page.evaluate(SELECT_JS, [first.anchor, start, start + len(quote)])
    assert page.locator("#annotate-quote-text").text_content() == quote
    fill_and_save(page, "factcheck", "public", "**核實**：MOSS 於 2023 年 2 月發布。")

    annotation = Annotation.objects.get(kind="factcheck")
    assert (annotation.exact, annotation.start, annotation.end) == (quote, start, start + len(quote))
    assert annotation.paragraph == first and annotation.visibility == "public"
    assert annotation.created_by == page.user
    assert page.url.endswith(f"#annotation-{annotation.pk}")
    assert page.locator(f"#annotation-{annotation.pk}").is_visible()
    assert page.locator(f"#annotation-{annotation.pk} strong").text_content() == "核實"
    assert page.errors == []


def test_drag_the_mouse_over_a_span_and_annotate_it(contributor_page, live_server, article):
    page = contributor_page
    second = Paragraph.objects.get(text=SECOND)
    open_annotate(page, live_server, article)

    quote = "百度發布了文心一言"
    start = SECOND.index(quote)
    boxes = page.evaluate(CHARACTER_BOXES_JS, [second.anchor, start, start + len(quote)])
    assert boxes["first"]["middle"] == pytest.approx(boxes["last"]["middle"], abs=2), "the span wraps"
    page.mouse.move(boxes["first"]["left"] + 2, boxes["first"]["middle"])
    page.mouse.down()
    page.mouse.move(boxes["last"]["right"] - 2, boxes["last"]["middle"], steps=8)
    page.mouse.up()
    assert page.locator("#annotate-quote-text").text_content() == quote
    fill_and_save(page, "note", "internal", "文心一言於 2023 年 3 月 16 日發布。")

    annotation = Annotation.objects.get()
    assert (annotation.exact, annotation.start, annotation.end) == (quote, start, start + len(quote))
    assert annotation.paragraph == second and annotation.kind == "note"
    assert page.locator(f"p[data-anchor='{second.anchor}'] mark").text_content() == quote
    assert page.errors == []


def test_a_selection_over_two_paragraphs_is_refused_in_the_page(contributor_page, live_server, article):
    page = contributor_page
    first, second = Paragraph.objects.order_by("position")
    open_annotate(page, live_server, article)
    page.evaluate(
        """([a, b]) => {
          const range = document.createRange();
          range.setStart(document.querySelector(`p[data-anchor="${a}"]`).firstChild, 3);
          range.setEnd(document.querySelector(`p[data-anchor="${b}"]`).firstChild, 3);
          window.getSelection().removeAllRanges();
          window.getSelection().addRange(range);
          document.getElementById("annotate-text").dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
        }""",
        [first.anchor, second.anchor],
    )
    assert "one paragraph" in page.locator("#annotate-hint").text_content()
    assert page.locator("#annotate-form").is_hidden()
    assert not Annotation.objects.exists()


def test_on_a_phone_a_touch_selection_opens_the_form_on_screen(contributor_page, live_server, article):
    """Touch selection handles send no mouseup, and the form must not wait below the whole text."""
    page = contributor_page
    page.set_viewport_size({"width": 390, "height": 844})
    second = Paragraph.objects.get(text=SECOND)
    open_annotate(page, live_server, article)

    quote = "文心一言"
    start = SECOND.index(quote)
    page.evaluate(
        f"""([anchor, start, end]) => {{
          const found = ({LOCATE_JS})([anchor, start, end]);
          const range = document.createRange();
          range.setStart(...found.start);
          range.setEnd(...found.end);
          window.getSelection().removeAllRanges();
          window.getSelection().addRange(range);
        }}""",
        [second.anchor, start, start + len(quote)],
    )
    form = page.locator("#annotate-form")
    form.wait_for(state="visible")
    box = form.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844, "the form is off screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#annotate-quote-text").text_content() == quote
    fill_and_save(page, "note", "internal", "手機上加的備註。")

    annotation = Annotation.objects.get()
    assert (annotation.exact, annotation.start) == (quote, start)
    assert page.errors == []
