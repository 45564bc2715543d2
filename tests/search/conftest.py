import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article, Paragraph, Section
from landscape.models import Alias, Company, Person, Quote

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SEED_SLUG = "one-year-after-chatgpt-hundred-model-war"

_numbers = itertools.count(1)


def make_article(*texts: str, status: str = Article.Status.PUBLISHED, publish_at=None, title=None) -> Article:
    """Create an article with one paragraph per text, saved one by one as an editor would."""
    n = next(_numbers)
    if publish_at is None and status in (Article.Status.PUBLISHED, Article.Status.SCHEDULED):
        publish_at = timezone.now() - timedelta(hours=n)
    article = Article.objects.create(
        title=title or f"搜尋測試文章{n}", slug=f"search-test-{n}", status=status, publish_at=publish_at
    )
    section = Section.objects.create(article=article, position=0)
    for position, text in enumerate(texts):
        Paragraph.objects.create(section=section, position=position, text=text)
    return article


def make_company(name_zh: str, name_en: str = "", *, aliases=(), summary="", published=True) -> Company:
    n = next(_numbers)
    company = Company.objects.create(
        name_zh=name_zh,
        name_en=name_en,
        slug=f"company-{n}",
        layer=Company.Layer.STARTUP,
        summary=summary,
        published=published,
    )
    for alias in aliases:
        Alias.objects.create(name=alias, company=company)
    return company


def make_person(name_zh: str, name_en: str = "", *, bio="", published=True) -> Person:
    return Person.objects.create(
        name_zh=name_zh, name_en=name_en, slug=f"person-{next(_numbers)}", bio=bio, published=published
    )


def make_quote(paragraph: Paragraph, text: str, speaker: Person) -> Quote:
    return Quote.objects.create(paragraph=paragraph, text=text, speaker=speaker)


def paragraphs(article: Article) -> list[Paragraph]:
    return list(Paragraph.objects.filter(section__article=article).order_by("position"))


@pytest.fixture
def seed(db):
    """Load the seed article (and the landscape, when its fixture exists) the way load_seed does."""
    call_command("loaddata", str(FIXTURES / "seed_article.json"), verbosity=0)
    return Article.objects.get(slug=SEED_SLUG)


@pytest.fixture
def seed_landscape(seed):
    path = FIXTURES / "landscape.json"
    if not path.exists():
        pytest.skip("fixtures/landscape.json is not there yet")
    call_command("loaddata", str(path), verbosity=0)
    return seed
