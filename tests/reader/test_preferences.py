"""The seed article as a reader gets it: notes, mentions, script, pinyin and structured data."""

import json
import re

import pytest

from articles.models import Annotation, Paragraph
from landscape.models import Company, Mention

pytestmark = pytest.mark.django_db

SLUG = "one-year-after-chatgpt-hundred-model-war"
URL = f"/articles/{SLUG}/"


def page(client, url=URL, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_public_annotations_are_highlighted_at_their_span_with_the_note(client, seed):
    html = page(client)
    note_pattern = r'<li class="note note-\w+" id="(note-\d+)".*?</li>'
    notes = {m.group(1): m.group(0) for m in re.finditer(note_pattern, html, re.S)}
    assert len(notes) == Annotation.objects.public().filter(article=seed).count()
    paragraph_html = re.search(r'<p id="p-15">(.*?)</p>', html, re.S).group(1)
    marks = re.findall(
        r'<mark class="annotated annotated-context" data-note="(note-\d+)">(.*?)</mark>', paragraph_html
    )
    by_text = {re.sub(r"<[^>]+>", "", text): note_id for note_id, text in marks}
    assert set(by_text) == {"Moss系統", "邱錫鵬", "騰訊ConTech大會"}
    # The highlighted span and the note beside it belong together.
    assert "復旦大學計算機學院教授" in notes[by_text["邱錫鵬"]]
    assert f'href="#{by_text["邱錫鵬"]}"' in paragraph_html


def test_internal_annotations_never_reach_the_page(client, seed):
    paragraph = Paragraph.objects.get(anchor="p-20")
    Annotation.objects.create(
        article=seed,
        paragraph=paragraph,
        kind="note",
        visibility="internal",
        body="內部討論：勿公開",
        exact=paragraph.text[0:4],
        start=0,
        end=4,
    )
    html = page(client)
    assert "內部討論" not in html


def test_confirmed_mentions_link_to_entity_pages_and_unpublished_ones_do_not(client, seed):
    html = page(client)
    baichuan = Company.objects.get(slug="baichuan")
    assert f'<a class="mention" href="{baichuan.get_absolute_url()}">' in html
    baichuan.published = False
    baichuan.save()
    html = page(client)
    assert baichuan.get_absolute_url() not in html
    assert Mention.objects.filter(company=baichuan, status="confirmed").exists()


def test_simplified_script_converts_the_page_and_lang_follows(client, seed):
    html = page(client, variant="zh-hans")
    assert '<html lang="zh-Hans">' in html
    assert "百模大战" in html and "百模大戰" not in html
    # Each script has its own address, canonical for it; the others are its alternates.
    assert f'<link rel="canonical" href="http://testserver{URL}?variant=zh-hans">' in html
    assert f'<link rel="alternate" hreflang="zh-Hant" href="http://testserver{URL}?variant=zh-hant">' in html
    assert f'<link rel="alternate" hreflang="x-default" href="http://testserver{URL}">' in html


def test_the_script_is_read_from_the_url_alone(client, seed):
    client.cookies["variant"] = "zh-hans"
    assert '<html lang="zh-Hant">' in page(client, variant="zh-hant")
    response = client.get(URL, {"variant": "zh-hans"})
    assert "Cookie" not in response.get("Vary", "")
    assert "s-maxage" in response["Cache-Control"]


def test_the_toggle_remembers_the_choice_and_goes_to_its_address(client, seed):
    response = client.get(f"/reading/script/zh-hans/?next={URL}%3Fvariant%3Dzh-hant%26pinyin%3D1%23p-03")
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?pinyin=1&variant=zh-hans#p-03"
    assert response.cookies["variant"].value == "zh-hans"
    # The toggle back to the source script goes to the address without `variant`.
    response = client.get(f"/reading/script/zh-hant/?next={URL}%3Fvariant%3Dzh-hans")
    assert response["Location"] == URL
    assert response.cookies["variant"].value == "zh-hant"
    assert '<html lang="zh-Hant">' in page(client)


def test_a_remembered_choice_the_url_lacks_is_a_private_redirect_to_its_address(client, seed):
    client.get("/reading/script/zh-hans/")
    response = client.get(URL, {"page": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?page=1&variant=zh-hans"
    assert "private" in response["Cache-Control"] and "s-maxage" not in response["Cache-Control"]
    assert '<html lang="zh-Hans">' in page(client, variant="zh-hans")
    client.get("/reading/pinyin/on/")
    assert client.get(URL, {"variant": "zh-hans"})["Location"] == f"{URL}?variant=zh-hans&pinyin=1"
    # What no reader reads as a page is not redirected.
    for path in ("/api/v1/articles", "/sitemap.xml", "/robots.txt", "/reading/pinyin/off/"):
        assert "variant=" not in client.get(path).get("Location", ""), path


def test_links_within_the_site_keep_the_readers_choice(client, seed):
    html = page(client, "/", variant="zh-hans", pinyin="1")
    assert f'href="{URL}?variant=zh-hans&amp;pinyin=1"' in html
    assert 'href="/quotes/?variant=zh-hans&amp;pinyin=1"' in html
    # Static files, the API and fragments are left as they are.
    assert 'href="/api/v1/docs"' in html and 'href="#main"' in html
    article = page(client, URL, variant="zh-hans")
    assert 'href="/companies/baichuan/?variant=zh-hans"' in article
    assert "variant=" not in page(client, "/").split("<body>")[1].split("reading-tools")[0]


def test_toggle_refuses_to_redirect_off_site(client):
    response = client.get("/reading/script/zh-hans/?next=https://evil.example/")
    assert response["Location"] == "/?variant=zh-hans"
    # Our own host with a path that starts `//` once answered `Location: //evil.example/`.
    for toggle, query in (
        ("/reading/script/zh-hans/", "variant=zh-hans"),
        ("/reading/pinyin/on/", "pinyin=1"),
    ):
        response = client.get(toggle, {"next": "https://testserver//evil.example/"})
        assert response["Location"] == f"/evil.example/?{query}"


def test_pinyin_layer_puts_phrase_readings_over_the_text(client, seed):
    assert "<ruby>" not in page(client)
    html = page(client, pinyin="1")
    assert "<ruby>算<rt>suàn</rt></ruby><ruby>力<rt>lì</rt></ruby>" in html
    assert 'data-state="on"' in html


def test_article_json_ld_is_a_news_article(client, seed):
    html = page(client)
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(blocks[0])
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == seed.title
    assert data["datePublished"].startswith("2023-11-30")
    assert data["mainEntityOfPage"]["@id"] == f"http://testserver{URL}"
    assert data["isBasedOn"] == seed.reprint_url
    assert '<meta property="og:type" content="article">' in html


def test_the_lost_image_caption_carries_the_chart(client, seed):
    html = page(client)
    caption = html.split('id="p-38"')[1].split("</figure>")[0]
    assert "<svg" in caption and "47萬" in caption


def test_article_page_query_count_is_constant_with_notes_and_mentions(
    client, seed, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        page(client)
    with django_assert_max_num_queries(12):
        page(client, pinyin="1")


def test_home_page_has_lead_featured_quotes_and_landscape(client, seed, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        html = page(client, "/")
    assert seed.title in html
    assert "精選引語" in html and 'class="quote-card"' in html
    assert 'href="/companies/baichuan/"' in html and "tier-base" in html


def test_home_hides_unpublished_companies(client, seed):
    Company.objects.filter(slug="baichuan").update(published=False)
    assert 'href="/companies/baichuan/"' not in page(client, "/")


def json_ld_of(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def test_company_page_carries_organization_json_ld(client, seed):
    data = json_ld_of(page(client, "/companies/baichuan/"))
    assert data["@type"] == "Organization"
    assert data["name"] == "百川智能"
    assert data["url"] == "http://testserver/companies/baichuan/"


def test_person_page_carries_person_json_ld_with_published_affiliations(client, seed):
    data = json_ld_of(page(client, "/people/wang-xiaochuan/"))
    assert data["@type"] == "Person"
    assert data["name"] == "王小川"
    assert {"百川智能"} <= {org["name"] for org in data["affiliation"]}
    Company.objects.filter(slug="baichuan").update(published=False)
    data = json_ld_of(page(client, "/people/wang-xiaochuan/"))
    assert "百川智能" not in {org["name"] for org in data.get("affiliation", [])}


def test_json_ld_cannot_break_out_of_its_script_element(client, seed):
    Company.objects.filter(slug="baichuan").update(summary="</script><script>alert(1)</script>")
    html = page(client, "/companies/baichuan/")
    assert "<script>alert(1)" not in html
    assert json_ld_of(html)["description"] == "</script><script>alert(1)</script>"


def test_every_page_carries_opengraph_in_the_readers_script(client, seed):
    for url in ("/", "/articles/", "/landscape/", "/quotes/", "/figures/", URL, "/people/wang-xiaochuan/"):
        html = page(client, url)
        assert html.count('<meta property="og:title"') == 1, url
        assert html.count('<meta property="og:site_name"') == 1, url
        assert '<meta property="og:locale" content="zh_TW">' in html, url
    html = page(client, URL, variant="zh-hans")
    assert '<meta property="og:locale" content="zh_CN">' in html
    title = "ChatGPT问世一年：百模大战之后，中国大模型的机会在应用"
    assert f'<meta property="og:title" content="{title}">' in html
    assert f"<title>{title} — 百模</title>" in html
    # Whatever the script, the page shared is the source page.
    assert f'<meta property="og:url" content="http://testserver{URL}">' in html
    for url in ("/", "/articles/", "/landscape/", "/quotes/", "/figures/", URL, "/companies/baichuan/"):
        head = page(client, url).split("</head>")[0]
        assert head.count('rel="canonical"') == 1, url
        assert all(f'hreflang="{tag}"' in head for tag in ("zh-Hant", "zh-Hans", "x-default")), url


def test_pinyin_reads_the_summary_too(client, seed):
    summary = page(client, pinyin="1").split('<p class="summary">')[1].split("</p>")[0]
    assert "<ruby>" in summary


def test_forms_keep_the_readers_choice(client, seed):
    html = page(client, "/quotes/", variant="zh-hans", pinyin="1")
    form = html.split('<form class="filters"')[1].split("</form>")[0]
    assert '<input type="hidden" name="variant" value="zh-hans">' in form
    assert '<input type="hidden" name="pinyin" value="1">' in form
    plain = page(client, "/quotes/").split('<form class="filters"')[1].split("</form>")[0]
    assert 'name="variant"' not in plain
