import pytest

from articles.models import Article, Paragraph, Section


@pytest.fixture
def draft(db):
    """A draft article with two sections of real-looking paragraphs."""
    article = Article.objects.create(title="百模大戰一週年", slug="hundred-models", summary="摘要")
    first = Section.objects.create(article=article, position=0)
    second = Section.objects.create(article=article, position=1, heading="2023年，大模型完成三級跳")
    Paragraph.objects.create(
        section=first, position=0, text="復旦大學的邱錫鵬教授團隊發布了MOSS，這是國內第一個對話式大語言模型。"
    )
    Paragraph.objects.create(section=first, position=1, text="之後，百度發布了文心一言，阿里發布了通義千問。")
    Paragraph.objects.create(section=second, position=0, text="短短八個月，國內大模型從一百模升級至二百模。")
    return article
