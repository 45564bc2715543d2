import pytest
from django.contrib.auth.models import Group

from tests.browser_support import chromium, new_page  # noqa: F401 - fixtures for browser tests
from tests.factories import make_article


@pytest.fixture
def article_factory(db):
    return make_article


PASSWORD = "a-test-password-9"


def _member(django_user_model, username: str, group: str):
    user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db, django_user_model):
    """A staff user in the Editor group the migration creates."""
    return _member(django_user_model, "editor-user", "Editor")


@pytest.fixture
def contributor(db, django_user_model):
    """A staff user in the Contributor group the migration creates."""
    return _member(django_user_model, "contributor-user", "Contributor")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def contributor_client(client, contributor):
    client.force_login(contributor)
    return client
