"""The article page shows the chart where the lost image was, at a fixed query cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_figure, publish, set_text
from tests.landscape.test_pages import paragraphs_of

pytestmark = pytest.mark.django_db


def test_chart_stands_under_the_caption_and_costs_one_query(client, article_factory):
    article = article_factory(sections=1, paragraphs=3)
    numbers, caption, _ = paragraphs_of(article)
    set_text(numbers, "ChatGPT有47萬個評分；Pi有1336個評價。")
    set_text(caption, "（圖源：美區蘋果商店截圖）")
    caption.kind = caption.Kind.IMAGE
    caption.save()
    publish(article)

    with CaptureQueriesContext(connection) as without_chart:
        client.get(article.get_absolute_url())
    make_figure(paragraph=numbers, chart_label="ChatGPT", value=470000, chart_group="app-store-ratings")
    make_figure(paragraph=numbers, chart_label="Pi", value=1336, chart_group="app-store-ratings")
    with CaptureQueriesContext(connection) as with_chart:
        response = client.get(article.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    caption_at = html.index(f'id="{caption.anchor}"')
    assert caption_at < html.index("（圖源：美區蘋果商店截圖）") < html.index('<svg class="bar-chart"')
    assert "47萬個" in html and "1336個" in html
    assert len(with_chart) == len(without_chart)
