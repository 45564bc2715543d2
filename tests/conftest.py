import pytest

from tests.browser_support import chromium, new_page  # noqa: F401 - fixtures for browser tests
from tests.factories import make_article


@pytest.fixture
def article_factory(db):
    return make_article
