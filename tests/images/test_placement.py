"""Where images go: an article's lead image and image paragraphs, a company's logo, a person's portrait.

Each is shown on its page, in the API with every rendition, in OpenGraph and JSON-LD; which image a place
shows is frozen with the published version, what the image says of itself is read live; an image a reader
may not be shown (no alt text, not decorative) is never shown; nothing of an unpublished record shows.
"""

import itertools
import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.checks import prepublish_findings
from articles.models import Article, ArticleVersion, Paragraph
from core import frontcache
from images.models import Image
from integrations.signals import _image_records
from tests.factories import make_article, make_company, make_person, paragraphs, publish
from tests.images.support import make_image

pytestmark = pytest.mark.django_db

CAPTION = "（圖源：美區蘋果商店截圖）"
_colours = itertools.count(1)


def new_image(**options) -> Image:
    """A fresh image (its own pixels, so the library never hands back another test's)."""
    n = next(_colours) * 5
    options.setdefault("size", (1600, 900))
    return make_image(f"image-{n}.jpg", color=(n % 256, n // 256 % 256, 90), **options)


def illustrated(*, lead=True, screenshot=True, status=Article.Status.PUBLISHED, **fields):
    """A published article whose caption paragraph shows a screenshot, with a lead image."""
    article = make_article(
        "第一段：大模型的算力。", CAPTION, "第三段。", status=Article.Status.DRAFT, **fields
    )
    caption = paragraphs(article)[1]
    caption.kind = Paragraph.Kind.IMAGE
    if screenshot:
        caption.image = new_image(alt_text="App Store 的評分截圖", size=(1200, 800))
    caption.save()
    if lead:
        article.lead_image = new_image(alt_text="發佈會現場")
    article.status = status
    if status in Article.PUBLIC_STATUSES:
        article.publish_at = timezone.now() - timedelta(hours=1)
    article.save()
    if status in Article.PUBLIC_STATUSES:
        publish(article)
    return article, caption


def page(article) -> str:
    response = Client().get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def document(article) -> dict:
    response = Client().get(reverse("api-v1:get_article", kwargs={"slug": article.slug}))
    assert response.status_code == 200
    return response.json()


def image_paragraph(body: dict) -> dict:
    return next(p for s in body["sections"] for p in s["paragraphs"] if p["kind"] == "caption")


def og(html: str) -> dict[str, str]:
    return dict(re.findall(r'<meta property="(og:image[^"]*)" content="([^"]*)">', html))


def json_ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


# --- The article page ------------------------------------------------------------------------------------


def test_the_lead_image_stands_at_the_top_fetched_at_once_with_its_box_reserved():
    article, _ = illustrated()
    html = page(article)
    lead = html[html.index('<figure class="lead-image">') :]
    lead = lead[: lead.index("</figure>")]
    image = article.lead_image
    assert html.index('<figure class="lead-image">') < html.index('class="article-body"')
    img = re.search(r"<img [^>]*>", lead).group(0)
    assert 'alt="發佈會現場"' in img and 'fetchpriority="high"' in img and "loading=" not in img
    assert re.search(r'width="\d+" height="\d+"', img)
    assert 'sizes="(min-width: 40rem) 38rem, calc(100vw - 2rem)"' in img
    # Every lead rendition is offered; the 16:9 crop of a 1600×900 original.
    urls = {r.file.url for r in image.renditions.filter(spec="lead", format="jpeg")}
    assert urls and all(url in img for url in urls)
    assert 'width="1600" height="900"' in img


def test_an_image_paragraph_is_a_lazy_figure_with_its_caption_and_credit():
    article, caption = illustrated(image_credit="美區蘋果商店")
    html = page(article)
    figure = html[html.index(f'<figure class="article-image" id="{caption.anchor}">') :]
    figure = figure[: figure.index("</figure>")]
    assert 'loading="lazy"' in figure and 'alt="App Store 的評分截圖"' in figure
    assert "<figcaption>" in figure and CAPTION in figure
    # No credit of its own: the ingest's 圖片來源 line is its credit.
    assert "圖片來源：美區蘋果商店" in figure
    assert 'class="lost-image"' not in html


def test_an_image_credit_of_its_own_wins_over_the_articles():
    article, caption = illustrated(image_credit="美區蘋果商店")
    Image.objects.filter(pk=caption.image_id).update(credit="Apple")
    html = page(article)
    assert "圖片來源：Apple" in html


def test_a_paragraph_awaiting_its_file_reads_exactly_as_a_lost_image():
    article, caption = illustrated(screenshot=False, lead=False)
    html = page(article)
    assert f'<figure class="lost-image" id="{caption.anchor}">' in html
    assert f"<figcaption>{CAPTION}</figcaption>" in html
    assert "<img" not in html[html.index("<main") :]


@pytest.mark.parametrize("where", ["lead", "paragraph"])
def test_an_image_without_alt_text_is_never_shown(where):
    article, caption = illustrated()
    image = article.lead_image if where == "lead" else caption.image
    image.alt_text = ""
    image.save()
    html = page(article)
    body = document(article)
    assert image.renditions.first().file.url not in html
    if where == "lead":
        assert '<figure class="lead-image">' not in html and body["lead_image"] is None
        assert (
            og(html)["og:image"].endswith("/static/img/baimo-logo.svg")
            or "baimo-logo" in og(html)["og:image"]
        )
    else:
        assert 'class="lost-image"' in html and image_paragraph(body)["image"] is None


def test_a_decorative_image_is_shown_with_an_empty_alt():
    article, caption = illustrated(lead=False)
    Image.objects.filter(pk=caption.image_id).update(alt_text="", decorative=True)
    html = page(article)
    assert re.search(r'<img [^>]*alt=""', html)
    assert image_paragraph(document(article))["image"]["decorative"] is True


def test_which_image_a_place_shows_waits_for_a_publish_what_it_says_does_not():
    article, _ = illustrated()
    shown = article.lead_image
    article.lead_image = new_image(alt_text="另一張")
    article.save()
    html = page(article)
    assert shown.renditions.first().file.url in html
    assert article.lead_image.renditions.first().file.url not in html
    # Alt text is read live: no publish needed.
    shown.alt_text = "發佈會現場，台上三人"
    shown.save()
    assert 'alt="發佈會現場，台上三人"' in page(article)
    publish(article)
    assert article.lead_image.renditions.first().file.url in page(article)


# --- OpenGraph and JSON-LD -------------------------------------------------------------------------------


def test_opengraph_and_json_ld_show_the_og_rendition_with_its_size_and_alt():
    article, _ = illustrated()
    html = page(article)
    meta = og(html)
    og_rendition = article.lead_image.renditions.get(spec="og")
    assert meta["og:image"] == f"http://testserver{og_rendition.file.url}"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:image:alt"] == "發佈會現場"
    image = json_ld(html)["image"]
    assert image == [
        {
            "@type": "ImageObject",
            "url": f"http://testserver{og_rendition.file.url}",
            "width": 1200,
            "height": 630,
            "caption": "發佈會現場",
        }
    ]


def test_without_an_image_the_site_logo_stays_the_default():
    article = make_article("一段。")
    html = page(article)
    assert og(html) == {"og:image": "http://testserver/static/img/baimo-logo.svg"}
    assert json_ld(html)["image"] == ["http://testserver/static/img/baimo-logo.svg"]


# --- The API ---------------------------------------------------------------------------------------------


def test_the_article_document_gives_every_rendition_with_alt_text_and_credit():
    article, _ = illustrated(image_credit="美區蘋果商店")
    body = document(article)
    lead = body["lead_image"]
    renditions = article.lead_image.renditions.filter(spec="lead")
    assert lead["role"] == "lead" and lead["alt"] == "發佈會現場" and lead["credit"] == "美區蘋果商店"
    assert {(r["url"], r["width"], r["height"], r["format"]) for r in lead["renditions"]} == {
        (f"http://testserver{r.file.url}", r.width, r.height, r.format) for r in renditions
    }
    inline = image_paragraph(body)["image"]
    assert inline["alt"] == "App Store 的評分截圖" and inline["renditions"]
    assert all(r["url"].startswith("http://testserver/") for r in inline["renditions"])
    assert all(
        p["image"] is None for s in body["sections"] for p in s["paragraphs"] if p["kind"] != "caption"
    )


def test_the_document_converts_alt_text_to_the_requested_script():
    article, _ = illustrated()
    Image.objects.filter(pk=article.lead_image_id).update(alt_text="發佈會現場")
    url = reverse("api-v1:get_article", kwargs={"slug": article.slug})
    body = Client().get(url, {"variant": "zh-hans"}).json()
    assert body["lead_image"]["alt"] == "发布会现场"


def test_company_logo_and_person_portrait_on_their_pages_and_in_the_api():
    logo = new_image(alt_text="甲辰智能的標誌", size=(400, 400))
    portrait = new_image(alt_text="乙巳的照片", size=(500, 600))
    company = make_company("甲辰智能", logo=logo)
    person = make_person("乙巳", portrait=portrait)
    client = Client()
    company_html = client.get(company.get_absolute_url()).content.decode()
    person_html = client.get(person.get_absolute_url()).content.decode()
    assert 'alt="甲辰智能的標誌"' in company_html and 'alt="乙巳的照片"' in person_html
    square = logo.renditions.filter(spec="logo", format="jpeg").order_by("width").last()
    assert (square.width, square.height) == (384, 384)
    assert f'width="{square.width}" height="{square.height}"' in company_html
    assert json_ld(company_html)["logo"]["url"].endswith(square.file.url)
    assert og(person_html)["og:image:alt"] == "乙巳的照片"
    company_doc = client.get(reverse("api-v1:get_company", kwargs={"slug": company.slug})).json()
    person_doc = client.get(reverse("api-v1:get_person", kwargs={"slug": person.slug})).json()
    assert company_doc["logo"]["role"] == "logo" and company_doc["logo"]["alt"] == "甲辰智能的標誌"
    assert {r["width"] for r in company_doc["logo"]["renditions"]} == {96, 192, 384}
    assert person_doc["portrait"]["alt"] == "乙巳的照片"
    assert all(r["width"] == r["height"] for r in person_doc["portrait"]["renditions"])


def test_a_company_without_a_logo_says_null():
    company = make_company("丙午科技")
    body = Client().get(reverse("api-v1:get_company", kwargs={"slug": company.slug})).json()
    assert body["logo"] is None


# --- Visibility ------------------------------------------------------------------------------------------


def test_nothing_of_an_unpublished_record_shows_its_image_anywhere_public():
    article, caption = illustrated(status=Article.Status.DRAFT)
    hidden_company = make_company("丁未", logo=new_image(alt_text="丁未的標誌"), published=False)
    files = [
        *article.lead_image.renditions.values_list("file", flat=True),
        *caption.image.renditions.values_list("file", flat=True),
        *hidden_company.logo.renditions.values_list("file", flat=True),
    ]
    client = Client()
    for url in ("/", "/articles/", "/landscape/", "/api/v1/articles", "/api/v1/companies", "/sitemap.xml"):
        body = client.get(url).content.decode()
        assert not any(name in body for name in files), url
    assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get(hidden_company.get_absolute_url()).status_code == 404


def test_a_card_shows_its_lead_image_small_and_lazy():
    illustrated()
    html = Client().get("/articles/").content.decode()
    card = re.search(r'<img [^>]*class="card-image"[^>]*>', html).group(0)
    assert 'loading="lazy"' in card and 'alt="發佈會現場"' in card


# --- The pre-publish check -------------------------------------------------------------------------------


def test_the_check_lists_paragraphs_awaiting_their_file_and_images_without_alt():
    article, caption = illustrated(screenshot=False, status=Article.Status.DRAFT)
    codes = {finding.code: finding.count for finding in prepublish_findings(article)}
    assert codes["images-awaiting-file"] == 1 and "images-without-alt" not in codes
    caption.image = new_image(alt_text="")
    caption.save()
    Image.objects.filter(pk=article.lead_image_id).update(alt_text="")
    codes = {finding.code: finding.count for finding in prepublish_findings(article)}
    assert "images-awaiting-file" not in codes and codes["images-without-alt"] == 2


def test_an_image_paragraph_is_the_only_kind_that_holds_an_image():
    article = make_article("一段。")
    paragraph = paragraphs(article)[0]
    paragraph.image = new_image()
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        paragraph.save()


# --- What a change bans and notes ------------------------------------------------------------------------


def _bans(change) -> set[str]:
    from django.test import TestCase

    start = len(frontcache.sent)
    with TestCase.captureOnCommitCallbacks(execute=True):
        change()
    return set().union(*list(frontcache.sent)[start:])


def test_an_image_edit_bans_the_pages_that_show_it_and_notes_their_documents():
    article, caption = illustrated()
    company = make_company("戊申", logo=caption.image)
    screenshot = Image.objects.get(pk=caption.image_id)

    def edit():
        screenshot.alt_text = "新的替代文字"
        screenshot.save()

    assert _bans(edit) == {f"article-{article.pk}", f"company-{company.pk}"}
    lead = Image.objects.get(pk=article.lead_image_id)

    def edit_lead():
        lead.credit = "新華社"
        lead.save()

    # A lead image is on the article's card too: every list of articles.
    assert _bans(edit_lead) == {f"article-{article.pk}", "article-list"}
    records = {(record.kind, record.object_id) for record in _image_records(screenshot.pk)}
    assert records == {("article", article.pk), ("company", company.pk)}


def test_an_image_only_a_working_copy_shows_bans_nothing():
    article, _ = illustrated()
    unpublished = new_image(alt_text="尚未發佈")
    article.lead_image = unpublished
    article.save()

    def edit():
        unpublished.alt_text = "仍未發佈"
        unpublished.save()

    assert _bans(edit) == set()


# --- Queries ---------------------------------------------------------------------------------------------


def _queries(url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert Client().get(url).status_code == 200
    return len(queries)


def test_an_article_page_with_images_costs_what_one_without_costs(settings):
    plain = make_article("第一段：大模型的算力。", CAPTION, "第三段。")
    one, _ = illustrated(lead=False)
    many, _ = illustrated()
    section = paragraphs(many)[0].section
    for extra in range(3):
        Paragraph.objects.create(
            section=section, position=10 + extra, kind=Paragraph.Kind.IMAGE, text="圖", image=new_image()
        )
    publish(many)
    assert ArticleVersion.objects.get(live_for=many).images.count() == 5
    for shown in (plain, one, many):
        for url in (shown.get_absolute_url(), reverse("api-v1:get_article", kwargs={"slug": shown.slug})):
            Client().get(url)
            # Served as stored: the live version and its current render, in one query, images or not.
            assert _queries(url) == 1
    # Rendered afresh, the images and all their renditions are two reads, however many there are.
    settings.READER_STORED_RENDERS = False
    counts = {
        name: _queries(a.get_absolute_url()) for name, a in (("plain", plain), ("one", one), ("many", many))
    }
    assert counts["one"] == counts["many"] == counts["plain"] + 2
