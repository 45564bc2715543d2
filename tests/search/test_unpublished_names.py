"""Search never names an unpublished person or company from its own record, on the page or in the API."""

import pytest

from search.selectors import search
from tests.factories import make_article, make_company, make_person, make_quote, paragraphs

pytestmark = pytest.mark.django_db


def hits(query: str) -> list[tuple[str, str]]:
    return [(hit.title, hit.snippet_text) for hit in search(query, limit=100).hits]


@pytest.fixture
def quoted():
    """A published article quoting an unpublished speaker whom the article itself calls 文中那位創始人."""
    article = make_article("文中那位創始人說：理想上慢一步。又說：落地上快三步。", title="公開文章")
    speaker = make_person("隱名人物甲", "Hidden Person", published=False)
    described = make_quote(paragraphs(article)[0], "理想上慢一步。", speaker)
    described.speaker_description = "文中那位創始人"
    described.speaker_role = "創始人"
    described.save()
    make_quote(paragraphs(article)[0], "落地上快三步。", speaker)
    return speaker


def test_quote_hit_does_not_name_an_unpublished_speaker(quoted):
    assert hits("理想") == [
        ("文中那位創始人", "“理想上慢一步。”——文中那位創始人，創始人"),
        ("公開文章", "文中那位創始人說：理想上慢一步。又說：落地上快三步。"),
    ]
    assert ("公開文章", "“落地上快三步。”") in hits("落地")
    assert hits("隱名") == hits("Hidden") == []


def test_the_search_page_and_the_api_do_not_name_them_either(client, quoted):
    make_company("隱名公司乙", "Hidden Company", aliases=["隱名別稱乙"], published=False)
    for url in ("/search?q=理想", "/search?q=落地", "/api/v1/search?q=理想", "/api/v1/search?q=落地"):
        served = client.get(url).content.decode()
        assert "理想上慢一步" in served or "落地上快三步" in served
        for name in ("隱名人物甲", "Hidden Person", "隱名公司乙", "隱名別稱乙", "Hidden Company"):
            assert name not in served, (url, name)


def test_quote_hits_follow_their_speaker_being_published_and_unpublished(quoted):
    quoted.published = True
    quoted.save()
    assert ("隱名人物甲", "“落地上快三步。”——隱名人物甲") in hits("落地")
    assert [title for title, _ in hits("隱名")] == ["隱名人物甲", "隱名人物甲", "隱名人物甲"]

    quoted.published = False
    quoted.save()
    assert hits("隱名") == []
