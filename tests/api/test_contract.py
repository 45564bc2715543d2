"""The API's contract, endpoint by endpoint, against the curated seed content."""

import json

import pytest
from django.db.models import Q

from articles.models import Annotation, Article, Paragraph
from core.variants import HANS, convert
from landscape.models import Company, Figure, Person, Quote
from tests.factories import make_annotation, publish
from tests.seed import SEED_SLUG

ARTICLE_SUMMARY_KEYS = {"slug", "title", "summary", "language", "publish_at", "url", "topics"}
ARTICLE_DETAIL_KEYS = ARTICLE_SUMMARY_KEYS | {"updated_at", "credits", "lead_image", "sections"}
ARTICLE_DETAIL_KEYS |= {"annotations", "mentions"}
COMPANY_KEYS = {"slug", "name_zh", "name_en", "aliases", "layer", "layer_label", "country", "founded"}
COMPANY_KEYS |= {"website", "url"}
QUOTE_KEYS = {"id", "text", "speaker_name", "speaker", "speaker_role", "occasion", "company", "featured"}
QUOTE_KEYS |= {"article", "paragraph", "url"}
FIGURE_KEYS = {"id", "label", "chart_label", "value", "unit", "as_of", "chart_group", "company", "product"}
FIGURE_KEYS |= {"article", "paragraph", "url"}

pytestmark = pytest.mark.usefixtures("seed")


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def walk(client, url, **params) -> list[dict]:
    """Page through a whole list ten at a time, the way an integrator would."""
    items, offset = [], 0
    while True:
        page = get(client, url, limit=10, offset=offset, **params)
        items.extend(page["items"])
        offset += 10
        if offset >= page["count"]:
            assert len(items) == page["count"]
            return items


def test_article_list(client):
    page = get(client, "/api/v1/articles")
    assert page["count"] == 1
    (article,) = page["items"]
    assert set(article) == ARTICLE_SUMMARY_KEYS
    assert article["slug"] == SEED_SLUG
    assert article["title"] == "ChatGPT問世一年：百模大戰之後，中國大模型的機會在應用"
    assert article["url"] == f"http://testserver/articles/{SEED_SLUG}/"
    assert article["language"] == "zh-Hant"
    assert {topic["slug"] for topic in article["topics"]} == {"bai-mo-da-zhan", "generative-ai"}


def test_article_in_simplified_script_with_its_public_annotations(client):
    response = client.get(f"/api/v1/articles/{SEED_SLUG}", {"variant": "zh-hans"})
    assert response["Content-Language"] == "zh-Hans"
    article = response.json()
    assert set(article) == ARTICLE_DETAIL_KEYS
    assert article["title"] == "ChatGPT问世一年：百模大战之后，中国大模型的机会在应用"
    assert article["language"] == "zh-Hans"
    assert [s["heading"] for s in article["sections"]][1:3] == [
        "2023年，大模型完成三级跳",
        "中国大模型核心竞争力在哪儿？",
    ]

    public = Annotation.objects.public().filter(article__slug=SEED_SLUG)
    assert {a["id"] for a in article["annotations"]} == {
        str(uid) for uid in public.values_list("uid", flat=True)
    }
    texts = {p["anchor"]: p["text"] for s in article["sections"] for p in s["paragraphs"]}
    for annotation in article["annotations"]:
        quote, position = annotation["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector"
        assert position["type"] == "TextPositionSelector"
        text = texts[annotation["target"]["paragraph"]]
        assert text[position["start"] : position["end"]] == quote["exact"]
        assert text[: position["start"]].endswith(quote["prefix"])
        assert text[position["end"] :].startswith(quote["suffix"])
    moss = next(a for a in article["annotations"] if a["id"] == "b25c1ee4-42a5-568a-930b-86de30404bdf")
    assert moss["kind"] == "context"
    assert moss["target"]["selector"][0]["exact"] == "Moss系统"
    assert moss["target"]["source"].endswith(f"/articles/{SEED_SLUG}/#p-15")
    fact_check = next(a for a in article["annotations"] if a["id"] == "7adb51f0-9206-51e6-b1ab-b58d5b4f3123")
    assert fact_check["kind"] == "factcheck"
    assert "<strong>核实说明</strong>" in fact_check["note_html"]
    assert fact_check["note_text"].startswith("核实说明：254")
    assert "國" not in json.dumps([s["paragraphs"] for s in article["sections"]], ensure_ascii=False)


def test_article_in_full_as_stored(client):
    article = get(client, f"/api/v1/articles/{SEED_SLUG}")
    stored = Article.objects.get(slug=SEED_SLUG)
    paragraphs = Paragraph.objects.filter(section__article=stored).order_by("section__position", "position")
    served = [p for s in article["sections"] for p in s["paragraphs"]]
    assert [(p["anchor"], p["kind"], p["text"]) for p in served] == [
        (p.anchor, p.kind, p.text) for p in paragraphs
    ]
    assert served[0]["url"] == f"http://testserver/articles/{SEED_SLUG}/#{served[0]['anchor']}"
    assert any(p["kind"] == "caption" for p in served)
    assert article["credits"] == {
        "original_source": "光錐智能",
        "author": "",
        "image_credit": "由無界 AI生成",
        "publisher": "芒果財經",
        "reprint_url": "http://lequren.com/1081821.html",
        "disclaimer": stored.disclaimer,
        "notice": stored.notice,
    }
    body = json.dumps(article, ensure_ascii=False)
    assert "raw_text" not in body and "ingest_report" not in body
    assert "現(xiàn)" not in body  # a pinyin reading that only the raw text holds


def test_article_mentions_link_published_entities_at_their_offsets(client):
    article = get(client, f"/api/v1/articles/{SEED_SLUG}")
    texts = {p["anchor"]: p["text"] for s in article["sections"] for p in s["paragraphs"]}
    assert len(article["mentions"]) > 20
    for mention in article["mentions"]:
        assert texts[mention["paragraph"]][mention["start"] : mention["end"]] == mention["text"]
        entity = mention["entity"]
        model = Company if entity["type"] == "company" else Person
        assert model.objects.get(slug=entity["slug"]).published
        assert (
            entity["url"]
            == f"http://testserver/{'companies' if model is Company else 'people'}/{entity['slug']}/"
        )
    feynman = next(m for m in article["mentions"] if m["entity"]["slug"] == "richard-feynman")
    assert feynman["text"] == "費曼"


def test_a_mention_names_its_entity_with_the_fields_every_other_reference_uses(client):
    """An integrator joins a mention's entity with /companies or /people items: same field names."""
    article = get(client, f"/api/v1/articles/{SEED_SLUG}")
    openai = next(m["entity"] for m in article["mentions"] if m["entity"]["slug"] == "openai")
    company = get(client, "/api/v1/companies/openai")
    assert set(openai) == {"type", "slug", "name_zh", "name_en", "url"}
    assert {key: openai[key] for key in ("slug", "name_zh", "name_en", "url")} == {
        key: company[key] for key in ("slug", "name_zh", "name_en", "url")
    }
    person = next(m["entity"] for m in article["mentions"] if m["entity"]["type"] == "person")
    assert person["name_en"] == get(client, f"/api/v1/people/{person['slug']}")["name_en"]


def test_company_list_pages_through_every_published_company(client):
    companies = walk(client, "/api/v1/companies")
    assert {c["slug"] for c in companies} == set(Company.objects.published().values_list("slug", flat=True))
    assert all(set(c) == COMPANY_KEYS for c in companies)
    bytedance = next(c for c in companies if c["slug"] == "bytedance")
    assert bytedance["aliases"] == ["字節"]
    assert bytedance["layer"] == "platform"
    assert bytedance["layer_label"] == "互聯網大廠"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"layer": "research", "q": "清華"}, {"tsinghua-university"}),
        ({"q": "字节"}, {"bytedance"}),  # a Simplified query finds the Traditional alias 字節
        ({"q": "softbank"}, {"softbank"}),
        ({"q": "輝達"}, {"nvidia"}),
        ({"country": "jp"}, {"softbank"}),
    ],
)
def test_company_filters(client, params, expected):
    assert {c["slug"] for c in get(client, "/api/v1/companies", **params)["items"]} == expected


def test_company_layer_filter(client):
    startups = walk(client, "/api/v1/companies", layer="startup")
    assert {c["slug"] for c in startups} == {"baichuan", "zhipu-ai", "moonshot-ai", "modelbest", "minimax"}


def test_company_detail(client):
    company = get(client, "/api/v1/companies/openai", variant="zh-hans")
    assert set(company) == COMPANY_KEYS | {"summary", "logo", "products", "people"}
    assert {"chatgpt", "gpt-4"} <= {p["slug"] for p in company["products"]}
    chatgpt = next(p for p in company["products"] if p["slug"] == "chatgpt")
    assert chatgpt["url"] == "http://testserver/companies/openai/#product-chatgpt"
    baichuan = get(client, "/api/v1/companies/baichuan")
    assert [entry["person"]["slug"] for entry in baichuan["people"]] == ["wang-xiaochuan"]


def test_people_list_and_detail(client):
    people = walk(client, "/api/v1/people")
    assert {p["slug"] for p in people} == set(Person.objects.published().values_list("slug", flat=True))
    assert set(people[0]) == {"slug", "name_zh", "name_en", "aliases", "url"}
    qiu = get(client, "/api/v1/people/qiu-xipeng", variant="zh-hans")
    assert qiu["name_zh"] == "邱锡鹏"
    assert set(qiu) == {"slug", "name_zh", "name_en", "aliases", "url", "bio", "portrait", "affiliations"}
    fudan = [a for a in qiu["affiliations"] if a["company"] and a["company"]["slug"] == "fudan-university"]
    assert fudan and fudan[0]["organisation"] == "复旦大学"
    assert {p["slug"] for p in get(client, "/api/v1/people", q="锡鹏")["items"]} == {"qiu-xipeng"}


def test_quote_list_pages_through_every_quote(client):
    quotes = walk(client, "/api/v1/quotes")
    assert {q["id"] for q in quotes} == set(Quote.objects.public().values_list("pk", flat=True))
    assert all(set(q) == QUOTE_KEYS for q in quotes)
    feynman = next(q for q in quotes if q["speaker"] and q["speaker"]["slug"] == "richard-feynman")
    assert feynman["text"].startswith("我們每個人都有一把開啟通往天堂的鑰匙")
    assert feynman["article"]["slug"] == SEED_SLUG
    assert feynman["url"] == f"http://testserver/articles/{SEED_SLUG}/#{feynman['paragraph']}"
    unnamed = [q for q in quotes if q["speaker"] is None]
    assert unnamed and all(q["speaker_name"] for q in unnamed)


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"speaker": "wang-xiaochuan"}, lambda q: q["speaker"]["slug"] == "wang-xiaochuan"),
        ({"company": "fudan-university"}, lambda q: q["company"]["slug"] == "fudan-university"),
        ({"article": SEED_SLUG}, lambda q: q["article"]["slug"] == SEED_SLUG),
    ],
)
def test_quote_filters(client, params, check):
    quotes = get(client, "/api/v1/quotes", limit=100, **params)["items"]
    assert quotes and all(check(q) for q in quotes)


def test_quote_detail_by_id(client):
    quote = Quote.objects.get(text__startswith="理想上慢一步")
    served = get(client, f"/api/v1/quotes/{quote.pk}", variant="zh-hans")
    assert served["text"] == "理想上慢一步，落地上快三步。"
    assert served["speaker"]["slug"] == "wang-xiaochuan"
    assert served["company"]["slug"] == "baichuan"


def test_figure_list_and_filters(client):
    figures = walk(client, "/api/v1/figures")
    assert {f["id"] for f in figures} == set(Figure.objects.public().values_list("pk", flat=True))
    assert all(set(f) == FIGURE_KEYS for f in figures)
    ratings = get(client, "/api/v1/figures", chart_group="app-store-ratings")["items"]
    assert len(ratings) == 8
    assert [f["value"] for f in ratings] == sorted((f["value"] for f in ratings), reverse=True)
    openai = get(client, "/api/v1/figures", company="openai", limit=100)["items"]
    about_openai = Figure.objects.filter(Q(company__slug="openai") | Q(product__company__slug="openai"))
    assert {f["id"] for f in openai} == set(about_openai.values_list("pk", flat=True))
    chatgpt = get(client, "/api/v1/figures", product="chatgpt")["items"]
    assert {f["product"]["slug"] for f in chatgpt} == {"chatgpt"}
    assert get(client, "/api/v1/figures", article=SEED_SLUG)["count"] == len(figures)


def test_figure_detail_by_id(client):
    figure = Figure.objects.get(label="八個月內中國誕生的大模型")
    served = get(client, f"/api/v1/figures/{figure.pk}", variant="zh-hans")
    assert served["label"] == "八个月内中国诞生的大模型"
    assert served["value"] == 238
    assert served["article"]["slug"] == SEED_SLUG


def test_operation_ids_stay_as_clients_generated_from_the_schema_know_them(client):
    schema = get(client, "/api/v1/openapi.json")
    ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert ids == {
        "articles_api_list_articles",
        "articles_api_get_article",
        "landscape_api_list_companies",
        "landscape_api_get_company",
        "landscape_api_list_people",
        "landscape_api_get_person",
        "landscape_api_list_quotes",
        "landscape_api_get_quote",
        "landscape_api_list_figures",
        "landscape_api_get_figure",
        "config_search_api_search_published",
        "changes_api_list_changes",
    }


def test_schema_and_docs_are_served(client):
    schema = get(client, "/api/v1/openapi.json")
    assert schema["info"]["title"] == "Baimo API"
    assert {
        "/api/v1/articles",
        "/api/v1/articles/{slug}",
        "/api/v1/companies",
        "/api/v1/companies/{slug}",
        "/api/v1/people",
        "/api/v1/people/{slug}",
        "/api/v1/quotes",
        "/api/v1/quotes/{id}",
        "/api/v1/figures",
        "/api/v1/figures/{id}",
        "/api/v1/search",
        "/api/v1/changes",
    } == set(schema["paths"])
    errors = schema["paths"]["/api/v1/articles"]["get"]["responses"]["400"]["content"]
    assert set(errors) == {"application/problem+json"}
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"openapi.json" in docs.content


def test_search_finds_a_company_by_a_simplified_alias(client):
    hits = get(client, "/api/v1/search", q="字节")
    first = hits["items"][0]
    assert set(first) == {"type", "title", "snippet", "snippet_html", "url", "anchor"}
    assert (first["type"], first["title"], first["anchor"]) == ("company", "字節跳動", None)
    assert first["url"] == "http://testserver/companies/bytedance/"
    assert "<mark>字節</mark>" in first["snippet_html"]


def test_search_paragraph_hits_link_to_their_anchor(client):
    hits = walk(client, "/api/v1/search", q="算力", type="paragraph")
    assert hits and {hit["type"] for hit in hits} == {"paragraph"}
    anchors = set(Paragraph.objects.filter(section__article__slug=SEED_SLUG).values_list("anchor", flat=True))
    for hit in hits:
        assert hit["anchor"] in anchors
        assert hit["url"] == f"http://testserver/articles/{SEED_SLUG}/#{hit['anchor']}"
        assert "算力" in hit["snippet"]


def test_search_in_simplified_script(client):
    as_stored = get(client, "/api/v1/search", q="王小川", type="quote")["items"]
    simplified = get(client, "/api/v1/search", q="王小川", type="quote", variant="zh-hans")["items"]
    assert as_stored and all(hit["title"] == "王小川" for hit in simplified)
    assert [hit["snippet"] for hit in simplified] == [convert(hit["snippet"], HANS) for hit in as_stored]
    assert [hit["snippet"] for hit in simplified] != [hit["snippet"] for hit in as_stored]
    assert [hit["url"] for hit in simplified] == [hit["url"] for hit in as_stored]


def test_docs_load_swagger_from_our_own_static_files(client):
    docs = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn.jsdelivr.net" not in docs
    bundle = client.get("/static/ninja/swagger-ui-bundle.js")
    assert bundle.status_code == 200


def test_internal_notes_stay_out_and_misplaced_notes_are_flagged(client):
    paragraph = Paragraph.objects.get(anchor="p-08")
    internal = make_annotation(
        paragraph, 0, 4, visibility=Annotation.Visibility.INTERNAL, body="內部提醒：待核實"
    )
    misplaced = make_annotation(paragraph, 0, 4, body="位置已過時的註釋")
    Annotation.objects.filter(pk=misplaced.pk).update(start=10, end=14)  # the quote is no longer there
    publish(paragraph.section.article)
    response = client.get(f"/api/v1/articles/{SEED_SLUG}", {"variant": "zh-hans"})
    body = response.content.decode()
    assert str(internal.uid) not in body and "內部提醒" not in body and "内部提醒" not in body
    served = {a["id"]: a for a in response.json()["annotations"]}
    flagged = served[str(misplaced.uid)]
    assert flagged["orphaned"] is True
    assert flagged["target"]["selector"][0]["exact"] == convert(misplaced.exact, HANS)
    assert flagged["note_text"] == "位置已过时的注释"
    assert not any(a["orphaned"] for uid, a in served.items() if uid != str(misplaced.uid))
