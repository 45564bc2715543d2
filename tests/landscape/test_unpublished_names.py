"""Public pages never name an unpublished person or company from its own record.

Where a published article names them itself, its words stand, unlinked: a quote then shows its speaker
as the article wrote it (the quote's speaker description).
"""

import json
import re

import pytest

from landscape.models import Affiliation
from tests.factories import make_company, make_figure, make_person, make_quote, set_text
from tests.landscape.test_pages import paragraphs_of

pytestmark = pytest.mark.django_db

# Marker names that no article text below contains, so seeing one on a page can only be a leak.
HIDDEN_PERSON = {"name_zh": "隱名人物甲", "name_en": "Hidden Person Alpha", "slug": "hidden-person"}
HIDDEN_COMPANY = {"name_zh": "隱名公司乙", "name_en": "Hidden Company Beta", "slug": "hidden-company"}


def hidden_names(entity) -> list[str]:
    return [entity.name_zh, entity.name_en, entity.slug, *(a.name for a in entity.aliases.all())]


@pytest.fixture
def stage(article_factory):
    """A published article quoting an unpublished person and a published one, at published companies."""
    shown_company = make_company(name_zh="公開公司", slug="shown-company")
    hidden_company = make_company(published=False, aliases=["隱名別稱乙"], **HIDDEN_COMPANY)
    hidden = make_person(published=False, aliases=["隱名別稱甲"], **HIDDEN_PERSON)
    shown = make_person(name_zh="公開人物", slug="shown-person")
    article = article_factory(title="公開文章", slug="public-article", sections=1, paragraphs=2)
    p1, p2 = paragraphs_of(article)
    set_text(p1, "文中那位創始人說：“第一句話。”又說：“第二句話。”")
    set_text(p2, "公開人物說：“第三句話。”")
    # The article calls the hidden speaker 文中那位創始人; the first quote keeps those words.
    described = make_quote(
        paragraph=p1,
        text="第一句話。",
        speaker=hidden,
        speaker_description="文中那位創始人",
        speaker_role="創始人",
        company=shown_company,
        featured=True,
    )
    bare = make_quote(paragraph=p1, text="第二句話。", speaker=hidden, company=hidden_company, featured=True)
    make_quote(paragraph=p2, text="第三句話。", speaker=shown, company=shown_company, featured=True)
    Affiliation.objects.create(person=shown, company=hidden_company, role="顧問", start_year=2020)
    Affiliation.objects.create(person=shown, company=shown_company, role="研究員", start_year=2021)
    Affiliation.objects.create(person=hidden, company=shown_company, role="創始人", start_year=2019)
    make_figure(paragraph=p2, label="某項數字", company=hidden_company)
    return {
        "hidden": hidden,
        "hidden_company": hidden_company,
        "shown": shown,
        "shown_company": shown_company,
        "described": described,
        "bare": bare,
        "article": article,
    }


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_not_named(html: str, *entities) -> None:
    for entity in entities:
        for name in hidden_names(entity):
            assert name not in html, name


@pytest.mark.parametrize("url", ["/quotes/", "/", "/companies/shown-company/", "/people/shown-person/"])
def test_no_page_names_an_unpublished_person_or_company(client, stage, url):
    assert_not_named(page(client, url), stage["hidden"], stage["hidden_company"])


def test_quote_list_attributes_an_unpublished_speaker_as_the_article_wrote_it(client, stage):
    html = page(client, "/quotes/")

    card = re.search(r"<figure class=\"quote-card\">(?:(?!</figure>).)*第一句話。.*?</figure>", html, re.S)
    assert card and "文中那位創始人" in card.group(0) and "，創始人" in card.group(0)
    assert "/people/hidden-person/" not in html
    # A quote whose article never named the speaker keeps its words and names no one.
    bare = re.search(r"<figure class=\"quote-card\">(?:(?!</figure>).)*第二句話。.*?</figure>", html, re.S)
    caption = re.search(r"<figcaption>(.*?)</figcaption>", bare.group(0), re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", "", caption).split()) == "出自《公開文章》原段落"
    assert '<a href="/people/shown-person/">公開人物</a>' in html


def test_person_page_does_not_name_an_unpublished_company_in_their_roles(client, stage):
    html = page(client, "/people/shown-person/")

    assert '<a href="/companies/shown-company/">公開公司</a>，研究員' in html
    assert "顧問" not in html  # a role at an organisation that cannot be named is left out


def test_person_page_names_the_organisation_as_the_editor_wrote_it_when_its_company_is_hidden(client, stage):
    Affiliation.objects.filter(company=stage["hidden_company"]).update(organisation="某大學實驗室")

    html = page(client, "/people/shown-person/")

    assert "某大學實驗室，顧問" in html
    assert_not_named(html, stage["hidden_company"])


def test_person_json_ld_names_only_published_companies(client, stage):
    html = page(client, "/people/shown-person/")

    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert [org["name"] for org in data["affiliation"]] == ["公開公司"]


def test_company_page_quotes_do_not_name_an_unpublished_speaker(client, stage):
    html = page(client, "/companies/shown-company/")

    assert "第一句話。" in html and "文中那位創始人" in html
    assert_not_named(html, stage["hidden"])
    assert "/people/hidden-person/" not in html


def test_a_speaker_published_again_is_named_and_linked(client, stage):
    stage["hidden"].published = True
    stage["hidden"].save()

    html = page(client, "/quotes/")

    assert '<a href="/people/hidden-person/">隱名人物甲</a>' in html
