from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article
from landscape.models import Alias, Figure, Mention, Quote
from tests.factories import (
    first_paragraph,
    make_company,
    make_figure,
    make_mention,
    make_person,
    make_quote,
    set_text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def paragraph(article_factory):
    return set_text(first_paragraph(article_factory(sections=1, paragraphs=1)), "騰訊與王小川")


def violates(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Mention.objects.create(**fields)
    return True


def test_mention_constraints(paragraph):
    tencent, wang = make_company(), make_person()
    assert violates(paragraph=paragraph, start=2, end=2, text="", company=tencent)  # empty span
    assert violates(paragraph=paragraph, start=0, end=2, text="騰訊")  # no entity
    assert violates(paragraph=paragraph, start=0, end=2, text="騰訊", company=tencent, person=wang)  # both
    make_mention(paragraph=paragraph, start=0, end=2, company=tencent)
    assert violates(paragraph=paragraph, start=0, end=2, text="騰訊", person=wang)  # same span twice


def test_alias_names_one_entity_once(db):
    tencent = make_company(aliases=["鵝廠"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Alias.objects.create(name="鵝廠", company=make_company())
    with pytest.raises(IntegrityError), transaction.atomic():
        Alias.objects.create(name="企鵝", company=tencent, person=make_person())


def test_quote_needs_a_speaker_or_a_description(paragraph):
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.create(paragraph=paragraph, text="騰訊")


@pytest.mark.parametrize(
    ("status", "publish_in", "visible"),
    [
        (Article.Status.PUBLISHED, -1, True),
        (Article.Status.SCHEDULED, -1, True),
        (Article.Status.SCHEDULED, +1, False),
        (Article.Status.DRAFT, -1, False),
        (Article.Status.ARCHIVED, -1, False),
    ],
)
def test_quotes_figures_and_mentions_are_public_with_their_article(
    article_factory, status, publish_in, visible
):
    article = article_factory(
        status=status, publish_at=timezone.now() + timedelta(days=publish_in), sections=1
    )
    paragraph = set_text(first_paragraph(article), "騰訊與王小川")
    make_quote(paragraph=paragraph, text="騰訊")
    make_figure(paragraph=paragraph)
    make_mention(paragraph=paragraph, start=0, end=2, company=make_company())

    assert Quote.objects.public().exists() is visible
    assert Figure.objects.public().exists() is visible
    assert Mention.objects.public().exists() is visible
    # The article's rule for one instance agrees with the rule in SQL that the rows above follow.
    assert Article.objects.get(pk=article.pk).is_public is visible


def test_public_mentions_need_confirmation_and_a_published_entity(paragraph):
    make_mention(paragraph=paragraph, start=0, end=2, company=make_company(published=False))
    make_mention(paragraph=paragraph, start=3, end=6, person=make_person(), status=Mention.Status.SUGGESTED)
    assert not Mention.objects.public().exists()
