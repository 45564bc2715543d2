import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

SEED_SLUG = "one-year-after-chatgpt-hundred-model-war"
FIXTURES = settings.BASE_DIR / "fixtures"
SEED_FIXTURES = [FIXTURES / "seed_article.json", FIXTURES / "landscape.json"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test without remembered validators or rate-limit counters."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def _seed_for_module(django_db_setup, django_db_blocker):
    # Loading the seed takes seconds; like TestCase.setUpTestData, load it once per module inside a
    # transaction that each test's own transaction nests in, and roll it back when the module is done.
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", *SEED_FIXTURES, verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seed(_seed_for_module, db):
    """The curated seed article and landscape, as `make run` loads them."""
