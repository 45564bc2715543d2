"""The API never names an unpublished person or company from its own record."""

import pytest

from landscape.models import Affiliation
from tests.factories import (
    first_paragraph,
    make_alias,
    make_article,
    make_company,
    make_figure,
    make_person,
    make_quote,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stage():
    hidden = make_person(published=False, name_zh="隱名人物甲", name_en="Hidden Person", slug="hidden-person")
    make_alias("隱名別稱甲", person=hidden)
    hidden_company = make_company(
        published=False, name_zh="隱名公司乙", name_en="Hidden Company", slug="hidden-company"
    )
    make_alias("隱名別稱乙", company=hidden_company)
    shown = make_person(name_zh="公開人物", slug="shown-person")
    shown_company = make_company(name_zh="公開公司", slug="shown-company")
    article = make_article(sections=1, paragraphs=1)
    paragraph = first_paragraph(article)
    paragraph.text = "文中那位創始人說：“第一句話。”又說：“第二句話。”"
    paragraph.save()
    described = make_quote(
        paragraph,
        speaker=hidden,
        speaker_description="文中那位創始人",
        text="第一句話。",
        company=hidden_company,
    )
    bare = make_quote(paragraph, speaker=hidden, text="第二句話。", company=shown_company)
    make_figure(paragraph, company=hidden_company)
    Affiliation.objects.create(person=shown, company=hidden_company, role="顧問", start_year=2020)
    Affiliation.objects.create(person=shown, company=shown_company, role="研究員", start_year=2021)
    Affiliation.objects.create(person=shown, organisation="某大學實驗室", role="訪問學者", start_year=2018)
    return {"hidden": hidden, "hidden_company": hidden_company, "described": described, "bare": bare}


HIDDEN_NAMES = [
    "隱名人物甲",
    "隐名人物甲",
    "Hidden Person",
    "隱名別稱甲",
    "隐名别称甲",
    "hidden-person",
    "隱名公司乙",
    "隐名公司乙",
    "Hidden Company",
    "隱名別稱乙",
    "hidden-company",
]


def body(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content)
    return response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/quotes",
        "/api/v1/quotes?variant=zh-hans",
        "/api/v1/people/shown-person",
        "/api/v1/people/shown-person?variant=zh-hans",
        "/api/v1/people",
        "/api/v1/companies/shown-company",
        "/api/v1/figures",
    ],
)
def test_no_endpoint_names_an_unpublished_person_or_company(client, stage, url):
    served = body(client, url)
    for name in HIDDEN_NAMES:
        assert name not in served, name


def test_quote_by_an_unpublished_speaker_keeps_the_articles_words_unlinked(client, stage):
    quotes = {q["text"]: q for q in client.get("/api/v1/quotes").json()["items"]}

    assert quotes["第一句話。"]["speaker_name"] == "文中那位創始人"
    assert quotes["第一句話。"]["speaker"] is None and quotes["第一句話。"]["company"] is None
    assert quotes["第二句話。"]["speaker_name"] == ""
    assert quotes["第二句話。"]["company"]["slug"] == "shown-company"
    one = client.get(f"/api/v1/quotes/{stage['bare'].pk}").json()
    assert one["speaker_name"] == "" and one["speaker"] is None


def test_person_affiliations_name_only_published_companies_or_the_editors_organisation(client, stage):
    affiliations = client.get("/api/v1/people/shown-person").json()["affiliations"]

    shown = [(a["organisation"], a["role"]) for a in affiliations]
    assert shown == [("公開公司", "研究員"), ("某大學實驗室", "訪問學者")]
    assert affiliations[0]["company"]["slug"] == "shown-company"
    assert affiliations[1]["company"] is None


def test_a_speaker_published_again_is_named_and_linked(client, stage):
    stage["hidden"].published = True
    stage["hidden"].save()

    quote = client.get(f"/api/v1/quotes/{stage['bare'].pk}").json()

    assert quote["speaker_name"] == "隱名人物甲" and quote["speaker"]["slug"] == "hidden-person"
