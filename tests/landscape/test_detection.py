from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from landscape.models import Mention
from landscape.services import mentions_detect, mentions_set_status
from tests.factories import first_paragraph, make_company, make_person, set_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(article_factory):
    return article_factory(sections=1, paragraphs=1)


def found(article):
    return [
        (m.text, m.entity.slug, m.status)
        for m in Mention.objects.in_article(article).select_related("company", "person").order_by("start")
    ]


def test_longest_alias_wins_and_spans_never_overlap(article):
    bytedance = make_company(name_zh="字節跳動", slug="bytedance", aliases=["字節"])
    make_company(name_zh="跳動科技", slug="tiaodong")
    set_text(first_paragraph(article), "正如曾經字節跳動給BAT的震動，“超越字節”。")

    result = mentions_detect(article=article)

    assert found(article) == [("字節跳動", "bytedance", "suggested"), ("字節", "bytedance", "suggested")]
    assert result.created == 2
    mentions = list(Mention.objects.filter(company=bytedance).order_by("start"))
    assert mentions[0].end <= mentions[1].start


def test_people_and_their_aliases_are_found(article):
    make_person(name_zh="理查德·費曼", slug="feynman", aliases=["費曼"])
    make_person(name_zh="王小川", slug="wang-xiaochuan")
    set_text(first_paragraph(article), "美國物理學家費曼曾說；王小川說道。")

    mentions_detect(article=article)

    assert found(article) == [("費曼", "feynman", "suggested"), ("王小川", "wang-xiaochuan", "suggested")]


def test_short_latin_aliases_match_only_as_whole_tokens(article):
    make_company(name_zh="360集團", name_en="Qihoo 360", slug="qihoo", aliases=["360"])
    make_company(name_zh="Inflection AI", name_en="Inflection AI", slug="inflection", aliases=["Pi"])
    set_text(first_paragraph(article), "Pinyin、3600萬、AI1.0；京東、360、商湯；Pi有1336個評價。")

    mentions_detect(article=article)

    assert found(article) == [("360", "qihoo", "suggested"), ("Pi", "inflection", "suggested")]


def test_a_rerun_creates_no_duplicates_and_keeps_editors_decisions(article):
    make_company(name_zh="騰訊", slug="tencent")
    make_company(name_zh="百度", slug="baidu")
    set_text(first_paragraph(article), "騰訊、百度；在2023騰訊ConTech大會上。")
    mentions_detect(article=article)
    by_start = {m.start: m for m in Mention.objects.in_article(article)}
    mentions_set_status(mentions=Mention.objects.filter(pk=by_start[0].pk), status=Mention.Status.CONFIRMED)
    mentions_set_status(mentions=Mention.objects.filter(pk=by_start[11].pk), status=Mention.Status.REJECTED)

    result = mentions_detect(article=article)

    assert found(article) == [
        ("騰訊", "tencent", "confirmed"),
        ("百度", "baidu", "suggested"),
        ("騰訊", "tencent", "rejected"),
    ]
    assert (result.created, result.kept, result.decided, result.removed) == (0, 1, 2, 0)


def test_a_suggestion_that_no_longer_matches_is_removed_but_decisions_stay(article):
    tencent = make_company(name_zh="騰訊", slug="tencent")
    paragraph = set_text(first_paragraph(article), "騰訊與騰訊")
    mentions_detect(article=article)
    Mention.objects.filter(start=0).update(status=Mention.Status.CONFIRMED)
    tencent.name_zh = "騰訊控股"
    tencent.save()

    result = mentions_detect(article=article)

    assert result.removed == 1
    assert list(Mention.objects.filter(paragraph=paragraph).values_list("start", "status")) == [
        (0, "confirmed")
    ]


def test_a_longer_alias_added_later_replaces_the_shorter_suggestion(article):
    bytedance = make_company(name_zh="字節", slug="bytedance")
    set_text(first_paragraph(article), "字節跳動")
    mentions_detect(article=article)
    bytedance.aliases.create(name="字節跳動")

    mentions_detect(article=article)

    assert found(article) == [("字節跳動", "bytedance", "suggested")]


def test_names_shared_by_two_entities_are_reported_not_guessed(article):
    make_company(name_zh="MOSS", slug="moss-a")
    make_company(name_zh="MOSS", slug="moss-b")
    set_text(first_paragraph(article), "MOSS失控")

    result = mentions_detect(article=article)

    assert found(article) == []
    assert result.ambiguous_names == ["MOSS"]


def test_command_runs_on_one_article_and_reports(article, article_factory):
    other = article_factory(sections=1, paragraphs=1)
    make_company(name_zh="華為", slug="huawei")
    set_text(first_paragraph(article), "華為")
    set_text(first_paragraph(other), "華為")

    call_command("detect_mentions", article.slug, stdout=(out := StringIO()))

    assert f"{article.slug}: 1 created" in out.getvalue()
    assert Mention.objects.in_article(other).count() == 0
    call_command("detect_mentions", stdout=out)
    assert Mention.objects.count() == 2


def test_command_refuses_an_unknown_slug(db):
    with pytest.raises(CommandError, match="No article"):
        call_command("detect_mentions", "no-such-article")
