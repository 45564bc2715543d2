"""A prepared query answers exactly as the queryset it was built from, in one counted query."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Topic
from core.prepared import PreparedQuery
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def _by_slug(key, slug, now):
    return (
        Article.objects.filter(slug=slug, publish_at__lte=now)
        .annotate(topic_count=Count("topics"))
        .values_list("pk", "title", "publish_at", "topic_count")
        .order_by("pk")[:1]
    )


def test_every_call_answers_as_the_queryset_would():
    now = timezone.now()
    early = make_article(slug="early", title="早", publish_at=now - timedelta(days=2))
    early.topics.add(Topic.objects.create(name="算力", slug="compute"))
    make_article(slug="later", title="晚", publish_at=now + timedelta(days=2))
    query = PreparedQuery(_by_slug, slug=str, now=datetime)
    for slug, moment in [("early", now), ("later", now), ("later", now + timedelta(days=3)), ("none", now)]:
        expected = _by_slug(None, slug, moment).first()
        assert query.first(slug=slug, now=moment) == expected
    assert query.first(slug="early", now=now)[2] == early.publish_at  # converted as the ORM converts


def test_a_call_is_one_counted_query_and_builds_nothing_again():
    make_article(slug="early")
    query = PreparedQuery(_by_slug, slug=str, now=datetime)
    query.first(slug="early", now=timezone.now())
    built = []
    query.build = lambda *args, **kwargs: built.append(args) or _by_slug(*args, **kwargs)
    with CaptureQueriesContext(connection) as queries:
        assert query.first(slug="early", now=timezone.now()) is not None
    assert len(queries) == 1 and not built


def test_a_key_compiles_a_query_of_its_own():
    make_article(slug="one", title="一")
    query = PreparedQuery(
        lambda key, slug: Article.objects.filter(slug=slug).values_list(key).order_by("pk")[:1], slug=str
    )
    assert query.first("title", slug="one") == ("一",)
    assert query.first("slug", slug="one") == ("one",)


def test_a_value_the_orm_does_not_pass_is_refused():
    query = PreparedQuery(lambda key, slug: Article.objects.values_list("pk").order_by("pk")[:1], slug=str)
    with pytest.raises(ValueError, match="slug"):
        query.first(slug="one")


def test_the_values_must_be_the_named_ones():
    query = PreparedQuery(_by_slug, slug=str, now=datetime)
    with pytest.raises(TypeError):
        query.first(slug="one")
    with pytest.raises(TypeError):
        PreparedQuery(_by_slug, slug=int)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared on the server by PostgreSQL alone")
def test_on_postgresql_the_query_is_prepared_once_on_the_server():
    make_article(slug="early")
    query = PreparedQuery(_by_slug, slug=str, now=datetime)
    for _ in range(3):
        assert query.first(slug="early", now=timezone.now()) is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%articles_article%"]
        )
        (prepared,) = cursor.fetchone()
    assert prepared == 1
