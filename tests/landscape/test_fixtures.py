"""The curated landscape fixture is complete and consistent with the seed article."""

from decimal import Decimal
from pathlib import Path

from django.core.management import call_command
from django.db.models import Q

from landscape.models import Affiliation, Alias, Company, Figure, Mention, Person, Product, Quote
from landscape.services import mentions_detect

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

# Every organisation the seed article names, as the article writes it.
ORGANISATIONS = [
    "清華大學", "復旦大學", "智源研究院", "IDEA研究院", "中科院自動化研究所", "上海人工智能實驗室",
    "騰訊", "百度", "阿里", "阿里巴巴", "華為", "京東", "字節", "字節跳動", "360", "快手", "BAT",
    "商湯", "云知聲", "科大訊飛",
    "百川智能", "智譜AI", "月之暗面", "面壁智能", "MiniMax",
    "OpenAI", "微軟", "Microsoft", "英偉達", "Nvidia", "Character AI", "Inflection", "Pi", "Lensa AI",
    "TikTok", "YouTube", "Google", "Snapchat", "Snap", "蘋果", "Apple", "Oracle", "SoftBank",
    "光錐智能", "芒果財經", "奇績創壇", "無界 AI",
]  # fmt: skip
# Short-video apps the article lists beside 快手 and 抖音: products, each of a company in the landscape.
APPS = {
    "美拍": "meitu",
    "秒拍": "yixia",
    "微視": "tencent",
    "抖音": "bytedance",
    "淘寶": "alibaba",
    "微信": "tencent",
}
PRODUCTS = [
    "日日新", "山海", "Talkie", "ChatGPT", "GPT-3.5", "GPT-4", "Bing Chat", "Character AI", "Pi",
    "Lensa AI", "淘寶", "微信", "抖音", "TikTok", "MOSS", "YouTube", "Snapchat",
]  # fmt: skip
PEOPLE = ["邱錫鵬", "王小川", "王慧文", "張一鳴", "孫正義", "費曼"]
APP_STORE_RATINGS = {
    "ChatGPT": 470_000,
    "Bing Chat": 180_000,
    "Character AI": 140_000,
    "Pi": 1336,
    "Lensa AI": 390_000,
    "TikTok": 16_340_000,
    "YouTube": 33_700_000,
    "Snapchat": 1_960_000,
}


def company_named(name):
    return Company.objects.filter(Q(name_zh=name) | Q(name_en=name) | Q(aliases__name=name)).distinct().get()


def test_every_organisation_the_article_names_is_a_published_company(seed):
    for name in ORGANISATIONS:
        company = company_named(name)
        assert company.published, name
        assert company.name_zh and company.name_en and company.summary, name
    assert Company.objects.count() > 35


def test_aliases_are_written_as_the_article_writes_them(seed):
    assert company_named("阿里") == company_named("阿里巴巴") == Company.objects.get(slug="alibaba")
    assert company_named("字節") == company_named("字節跳動")
    assert company_named("商湯").name_en == "SenseTime"
    assert company_named("清華") == company_named("清華大學")
    article_text = "".join(seed.sections.values_list("paragraphs__text", flat=True)) + seed.image_credit
    # Aliases meant for this article appear in it verbatim (Traditional script, the article's spacing).
    for name in [
        "阿里",
        "字節",
        "商湯",
        "清華",
        "智源研究院",
        "IDEA研究院",
        "中科院自動化研究所",
        "無界 AI",
        "蘋果",
    ]:
        assert name in article_text, name
        assert Alias.objects.filter(name=name).exists(), name


def test_companies_sit_in_the_layers_the_article_describes(seed):
    layers = dict(Company.objects.values_list("slug", "layer"))
    assert layers["tsinghua-university"] == layers["fudan-university"] == Company.Layer.RESEARCH
    assert layers["tencent"] == layers["bytedance"] == Company.Layer.PLATFORM
    assert layers["sensetime"] == layers["unisound"] == layers["iflytek"] == Company.Layer.AI1
    assert layers["baichuan"] == layers["moonshot-ai"] == layers["minimax"] == Company.Layer.STARTUP
    assert layers["openai"] == layers["nvidia"] == Company.Layer.OVERSEAS
    assert layers["light-cone-intelligence"] == layers["mango-finance"] == Company.Layer.MEDIA


def test_apps_the_article_lists_belong_to_their_companies(seed):
    for app, company_slug in APPS.items():
        assert Product.objects.filter(name=app, company__slug=company_slug).exists(), app
    for name in PRODUCTS:
        assert Product.objects.filter(name=name).exists(), name


def test_every_person_named_is_published_with_affiliations(seed):
    for name in PEOPLE:
        person = Person.objects.filter(Q(name_zh=name) | Q(aliases__name=name)).distinct().get()
        assert person.published and person.bio
        assert Affiliation.objects.filter(person=person).exists(), name
    assert Affiliation.objects.filter(person__slug="wang-xiaochuan", company__slug="baichuan").exists()


def test_every_quote_is_copied_exactly_from_its_paragraph(seed):
    quotes = list(Quote.objects.select_related("paragraph__section__article"))
    assert len(quotes) > 12
    for quote in quotes:
        assert quote.text in quote.paragraph.text, quote.text
        assert quote.paragraph.section.article == seed
        assert quote.speaker_id or quote.speaker_description
    descriptions = set(Quote.objects.values_list("speaker_description", flat=True))
    assert {"有大模型應用創業者", "不少創業者"} <= descriptions
    qiu = Quote.objects.get(paragraph__anchor="p-15")
    assert (qiu.speaker.slug, qiu.occasion) == ("qiu-xipeng", "2023騰訊ConTech大會")


def test_app_store_figures_have_the_articles_values(seed):
    figures = {f.chart_label: f for f in Figure.objects.filter(chart_group="app-store-ratings")}
    assert {label: int(f.value) for label, f in figures.items()} == APP_STORE_RATINGS
    assert {f.paragraph.anchor for f in figures.values()} == {"p-37"}


REPORTED_NUMBERS = [
    ("p-11", 238, "個"),
    ("p-13", 30, "多個"),
    ("p-13", 254, "家"),
    ("p-18", 17, "位"),
    ("p-18", 11, "家"),
    ("p-23", 28, "天"),
    ("p-23", 2_500_000_000, "元人民幣"),
    ("p-25", 51, "家"),
    ("p-28", Decimal("1.5"), "%"),
    ("p-29", 2015, "年"),
    ("p-29", 7, "年"),
    ("p-31", 10_000_000, "塊"),
    ("p-32", 1_000_000, "塊"),
    ("p-32", 25_000, "塊"),
    ("p-32", 4000, "塊"),
]


def test_the_numbers_the_article_reports_are_figures(seed):
    for anchor, value, unit in REPORTED_NUMBERS:
        assert Figure.objects.filter(paragraph__anchor=anchor, value=value, unit=unit).exists(), (
            anchor,
            value,
        )


def test_mentions_are_reviewed_and_cover_their_text(seed):
    mentions = list(Mention.objects.select_related("paragraph"))
    assert len(mentions) > 60
    assert {m.status for m in mentions} <= {Mention.Status.CONFIRMED, Mention.Status.REJECTED}
    for mention in mentions:
        assert mention.matches(mention.paragraph.text), mention
    confirmed = Mention.objects.confirmed()
    assert confirmed.filter(company__slug="bytedance", text="字節跳動").exists()
    assert confirmed.filter(person__slug="richard-feynman", text="費曼").exists()


def test_detection_on_the_seed_adds_nothing_to_the_editors_review(seed):
    result = mentions_detect(article=seed)
    assert (result.created, result.updated) == (0, 0)


def test_loading_the_fixture_twice_changes_nothing(seed):
    counts = [
        m.objects.count() for m in (Company, Person, Alias, Affiliation, Product, Quote, Figure, Mention)
    ]
    call_command("loaddata", str(FIXTURES / "landscape.json"), verbosity=0)
    assert counts == [
        m.objects.count() for m in (Company, Person, Alias, Affiliation, Product, Quote, Figure, Mention)
    ]
