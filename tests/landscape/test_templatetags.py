import pytest
from django.template import Context, Template

from landscape.models import Company, Mention, Person
from landscape.selectors import charts_for_paragraphs, mentions_by_paragraph
from tests.landscape.factories import (
    first_paragraph,
    make_company,
    make_figure,
    make_mention,
    make_person,
    set_text,
)
from tests.landscape.test_pages import paragraphs_of


def mention(text, start, end, entity):
    field = "company" if isinstance(entity, Company) else "person"
    return Mention(
        start=start, end=end, text=text[start:end], status=Mention.Status.CONFIRMED, **{field: entity}
    )


def render(template, **context):
    return Template("{% load landscape_tags %}" + template).render(Context(context))


def test_link_mentions_escapes_text_and_links_published_entities():
    text = "<b>騰訊</b> & 王小川說“AI”"
    tencent = Company(name_zh="騰訊", slug="tencent", published=True)
    wang = Person(name_zh="王小川", slug="wang-xiaochuan", published=True)
    mentions = [mention(text, 3, 5, tencent), mention(text, 12, 15, wang)]

    html = render("{{ text|link_mentions:mentions }}", text=text, mentions=mentions)

    assert html == (
        '&lt;b&gt;<a class="mention mention-company" href="/companies/tencent/">騰訊</a>&lt;/b&gt; &amp; '
        '<a class="mention mention-person" href="/people/wang-xiaochuan/">王小川</a>說“AI”'
    )


def test_link_mentions_skips_stale_overlapping_and_unpublished():
    text = "字節跳動與阿里"
    bytedance = Company(name_zh="字節跳動", slug="bytedance", published=True)
    hidden = Company(name_zh="阿里", slug="alibaba", published=False)
    stale = Mention(start=0, end=2, text="騰訊", company=bytedance)
    overlapping = mention(text, 2, 4, bytedance)
    whole = mention(text, 0, 4, bytedance)
    unpublished = mention(text, 5, 7, hidden)

    html = render(
        "{{ text|link_mentions:mentions }}", text=text, mentions=[stale, whole, overlapping, unpublished]
    )

    assert html == '<a class="mention mention-company" href="/companies/bytedance/">字節跳動</a>與阿里'


def test_link_mentions_without_mentions_still_escapes():
    assert render("{{ text|link_mentions:None }}", text="a<b") == "a&lt;b"


def test_highlight_mentions_marks_spans():
    text = "百川智能<x>"
    baichuan = Company(name_zh="百川智能", slug="baichuan", published=True)
    html = render(
        "{{ text|highlight_mentions:mentions }}", text=text, mentions=[mention(text, 0, 4, baichuan)]
    )
    assert html == "<mark>百川智能</mark>&lt;x&gt;"


@pytest.mark.django_db
def test_article_page_helpers_fetch_in_one_query_each(article_factory, django_assert_num_queries):
    article = article_factory(sections=1, paragraphs=3)
    figures_paragraph, caption, after = paragraphs_of(article)
    set_text(figures_paragraph, "OpenAI的ChatGPT有47萬個評分；王小川說。")
    set_text(caption, "（圖源：美區蘋果商店截圖）")
    caption.kind = caption.Kind.CAPTION
    caption.save()
    openai = make_company(name_zh="OpenAI", slug="openai")
    wang = make_person(name_zh="王小川", slug="wang-xiaochuan")
    make_mention(paragraph=figures_paragraph, start=0, end=6, company=openai)
    make_mention(paragraph=figures_paragraph, start=22, end=25, person=wang)
    make_mention(paragraph=after, start=0, end=2, company=openai, status=Mention.Status.REJECTED)
    make_figure(
        paragraph=figures_paragraph, chart_label="ChatGPT", value=470000, chart_group="app-store-ratings"
    )
    make_figure(paragraph=figures_paragraph, chart_label="Pi", value=1336, chart_group="app-store-ratings")
    paragraphs = paragraphs_of(article)

    with django_assert_num_queries(1):
        mentions = mentions_by_paragraph(paragraphs)
    with django_assert_num_queries(1):
        charts = charts_for_paragraphs(paragraphs)

    assert [m.text for m in mentions[figures_paragraph.pk]] == ["OpenAI", "王小川"]
    assert after.pk not in mentions
    # The chart stands where the lost image was: after the caption, not after the paragraph with the numbers.
    assert list(charts) == [caption.anchor]
    assert "47萬個" in charts[caption.anchor] and "<svg" in charts[caption.anchor]
    with django_assert_num_queries(0):
        html = render(
            "{% for p in paragraphs %}<p>{% paragraph_text p mentions %}</p>"
            "{% paragraph_chart p charts %}{% endfor %}",
            paragraphs=paragraphs,
            mentions=mentions,
            charts=charts,
        )
    assert 'href="/companies/openai/">OpenAI</a>' in html
    assert html.index("（圖源：美區蘋果商店截圖）") < html.index("<svg")


@pytest.mark.django_db
def test_chart_follows_its_paragraph_when_no_caption_comes_next(article_factory):
    article = article_factory(sections=1, paragraphs=2)
    first = first_paragraph(article)
    make_figure(paragraph=first, chart_group="growth", chart_label="A", value=3)
    assert list(charts_for_paragraphs(paragraphs_of(article))) == [first.anchor]
    assert charts_for_paragraphs([]) == {}
