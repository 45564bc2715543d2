import pytest

from tests.factories import make_article


@pytest.fixture
def article_factory(db):
    return make_article
