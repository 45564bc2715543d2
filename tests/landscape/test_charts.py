import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.template import Context, Template

from landscape.charts import format_zh_number, render_bar_chart


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (470_000, "47萬"),
        (1336, "1336"),
        (16_340_000, "1634萬"),
        (33_700_000, "3370萬"),
        (25_000, "2.5萬"),
        (10_000, "1萬"),
        (9999, "9999"),
        (2015, "2015"),
        (Decimal("1.5"), "1.5"),
        (Decimal("470000.0000"), "47萬"),
        (2_500_000_000, "25億"),
        (99_999_999, "1億"),
        (0, "0"),
        (-180_000, "-18萬"),
    ],
)
def test_numbers_are_written_with_wan_and_yi(value, expected):
    assert format_zh_number(value) == expected


@dataclass
class Bar:
    short_label: str
    value: Decimal
    unit: str = "個"
    chart_group: str = "app-store-ratings"


RATINGS = [
    Bar("ChatGPT", Decimal(470_000)),
    Bar("Pi", Decimal(1336)),
    Bar("YouTube", Decimal(33_700_000)),
    Bar("<b>Bing</b> & Chat", Decimal(180_000)),
]


def test_bar_chart_is_accessible_svg_biggest_first():
    svg = str(render_bar_chart(RATINGS))

    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg
    assert '<title id="chart-app-store-ratings-title">美區蘋果商店評分數</title>' in svg
    assert 'aria-labelledby="chart-app-store-ratings-title chart-app-store-ratings-desc"' in svg
    # The description reads every value out for screen readers, biggest first.
    desc = re.search(r"<desc[^>]*>(.*)</desc>", svg).group(1)
    assert desc.index("YouTube：3370萬個") < desc.index("ChatGPT：47萬個") < desc.index("Pi：1336個")
    assert svg.count("<rect") == 4


def test_bar_lengths_are_proportional_and_tiny_values_stay_visible():
    widths = [float(w) for w in re.findall(r'<rect[^>]* width="([\d.]+)"', str(render_bar_chart(RATINGS)))]
    youtube, chatgpt, bing, pi = widths
    assert chatgpt / youtube == pytest.approx(470_000 / 33_700_000, abs=0.01)
    assert youtube > chatgpt > bing >= pi >= 1.5


def test_bar_chart_escapes_labels():
    svg = str(render_bar_chart(RATINGS))
    assert "<b>" not in svg
    assert "&lt;b&gt;Bing&lt;/b&gt; &amp; Chat" in svg


def test_empty_chart_renders_nothing():
    assert render_bar_chart([]) == ""


def test_template_filters_write_numbers():
    html = Template("{% load landscape_tags %}{{ n|zh_number }} {{ d|plain_number }}").render(
        Context({"n": 16_340_000, "d": Decimal("470000.0000")})
    )
    assert html == "1634萬 470000"
