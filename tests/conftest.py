import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from articles.models import Article
from tests.factories import make_article
from tests.seed import DATABASE, SEED_SLUG, Level, level_wanted


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the tests that want each seed level together, so that each level is loaded once.

    The order pytest-django gives is kept (database tests, then transactional ones, then the rest), with
    the browser tests on the shared seed just before the transactional ones.
    """

    def order(item):
        level = level_wanted(item)
        names = getattr(item, "fixturenames", ())
        marker = item.get_closest_marker("django_db")
        transactional = bool(marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))
        transactional = transactional or bool({"transactional_db", "live_server"} & set(names))
        if level is None:
            return 3, Level.EMPTY
        if level == Level.LIVE_SEED:
            return 1, level
        return 2 if transactional else 0, level

    items.sort(key=order)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    # Before the test's own fixtures open its transaction, bring the database to the level it wants.
    DATABASE.want(level_wanted(item))
    return (yield)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test without remembered validators or rate-limit counters, whatever ran before."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def _seeded_database(django_db_setup, django_db_blocker):
    DATABASE.start(django_db_blocker)
    yield DATABASE
    DATABASE.want(Level.EMPTY)


@pytest.fixture
def seed(_seeded_database, db) -> Article:
    """The seed as `make run` loads it (article, landscape, initial revisions, search index).

    Loaded once per session (tests/seed.py); what a test changes is rolled back after it.
    """
    return Article.objects.get(slug=SEED_SLUG)


@pytest.fixture
def seed_article(_seeded_database, db) -> Article:
    """The seed article alone, loaded by `loaddata`: for tests that count what the article holds."""
    return Article.objects.get(slug=SEED_SLUG)


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
