import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_admin_speaks_one_language_and_readers_keep_theirs(admin_client, client, article_factory):
    html = admin_client.get("/admin/articles/article/").content.decode()
    assert '<html lang="en"' in html
    assert "Select article to change" in html
    # The admin's language does not leak into the next page served by the same thread.
    article = article_factory()
    client.get(article.get_absolute_url())
    assert translation.get_language() == "zh-hant"
    assert 'lang="zh-Hant"' in client.get("/").content.decode()
