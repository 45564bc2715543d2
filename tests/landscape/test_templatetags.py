import pytest
from django.template import Context, Template

from articles.publication import published_article
from landscape.models import Company, Mention
from landscape.selectors import charts_for_paragraphs, mentions_by_paragraph
from tests.factories import (
    first_paragraph,
    make_company,
    make_figure,
    make_mention,
    make_person,
    publish,
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


def test_highlight_mentions_marks_spans():
    text = "百川智能<x>"
    baichuan = Company(name_zh="百川智能", slug="baichuan", published=True)
    html = render(
        "{{ text|highlight_mentions:mentions }}", text=text, mentions=[mention(text, 0, 4, baichuan)]
    )
    assert html == "<mark>百川智能</mark>&lt;x&gt;"


def test_highlight_mentions_skips_stale_and_overlapping_mentions():
    text = "字節跳動與阿里"
    bytedance = Company(name_zh="字節跳動", slug="bytedance", published=True)
    alibaba = Company(name_zh="阿里", slug="alibaba", published=True)
    stale = Mention(start=0, end=2, text="騰訊", company=bytedance)
    overlapping = mention(text, 2, 4, bytedance)
    whole = mention(text, 0, 4, bytedance)

    html = render(
        "{{ text|highlight_mentions:mentions }}",
        text=text,
        mentions=[stale, whole, overlapping, mention(text, 5, 7, alibaba)],
    )

    assert html == "<mark>字節跳動</mark>與<mark>阿里</mark>"


def test_highlight_mentions_without_mentions_still_escapes():
    assert render("{{ text|highlight_mentions:None }}", text="a<b") == "a&lt;b"


@pytest.mark.django_db
def test_mention_and_chart_maps_fetch_in_one_query_each(article_factory, django_assert_num_queries):
    article = article_factory(sections=1, paragraphs=3)
    figures_paragraph, caption, after = paragraphs_of(article)
    set_text(figures_paragraph, "OpenAI的ChatGPT有47萬個評分；王小川說。")
    set_text(caption, "（圖源：美區蘋果商店截圖）")
    caption.kind = caption.Kind.IMAGE
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
    # Charts are drawn for the paragraphs of the version being read, as the article page gives them.
    publish(article)
    read = published_article(article.live_version).paragraphs

    with django_assert_num_queries(1):
        mentions = mentions_by_paragraph(paragraphs)
    with django_assert_num_queries(1):
        charts = charts_for_paragraphs(read)

    assert [m.text for m in mentions[figures_paragraph.pk]] == ["OpenAI", "王小川"]
    assert after.pk not in mentions
    # The chart stands where the lost image was: after the caption, not after the paragraph with the numbers.
    assert list(charts) == [caption.anchor]
    assert "47萬個" in charts[caption.anchor] and "<svg" in charts[caption.anchor]


@pytest.mark.django_db
def test_chart_follows_its_paragraph_when_no_caption_comes_next(article_factory):
    article = article_factory(sections=1, paragraphs=2)
    first = first_paragraph(article)
    make_figure(paragraph=first, chart_group="growth", chart_label="A", value=3)
    assert list(charts_for_paragraphs(published_article(article.live_version).paragraphs)) == [first.anchor]
    assert charts_for_paragraphs([]) == {}
