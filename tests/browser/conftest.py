"""Browser tests: real headless Chromium (Debian's, never a downloaded build) driven by Playwright.

Every test in this folder is marked `browser`, and all share one browser and pytest-django's one
live server. Two ways to reach its database:

- A test that only reads takes `live_server` and `seed`: the seed, committed once into the live database
  that every such test shares (tests/seed.py). Nothing rolls back what it writes, so it must write nothing.
- A test that writes (users, logins, rows, saved forms) takes `live_server` alone, as pytest-django means
  it, and `fresh_seed` if it needs the seed: the seed loaded for it alone into a database flushed after it.
"""

import io
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from articles.models import Article
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, PHONE, ConsoleWatcher
from tests.seed import SEED_SLUG

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # Before `-m` selects: every test in this folder drives the browser.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium):
    """Open pages in fresh browser contexts (no cookies shared), closed after the test."""
    contexts = []

    def open_page(viewport=PHONE, **context_options):
        context = chromium.new_context(viewport=viewport, **context_options)
        contexts.append(context)
        page = context.new_page()
        page.console = ConsoleWatcher(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def staff_page(new_page, live_server, django_user_model):
    """Open a page signed in as a new staff user of `group` (a live-server test: it writes the user)."""

    def open_page(username: str, group: str, viewport=PHONE):
        user = django_user_model.objects.create_user(username, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        client = Client()
        client.force_login(user)
        page = new_page(viewport=viewport)
        page.context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )
        return page

    return open_page


@pytest.fixture
def _live_seed(request, _seeded_database, django_db_blocker):
    if "transactional_db" in request.fixturenames:
        pytest.fail("a browser test that writes takes fresh_seed, not the shared seed")
    # The live server's thread reaches the database through the test's unblocked access.
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def seed(_live_seed) -> Article:
    """The seed, committed once into the live database that read-only browser tests share."""
    return Article.objects.get(slug=SEED_SLUG)


@pytest.fixture
def fresh_seed(transactional_db) -> Article:
    """The seed loaded for this test alone, into a database flushed after it: for tests that write."""
    call_command("load_seed", verbosity=0, stdout=io.StringIO())
    return Article.objects.get(slug=SEED_SLUG)


@pytest.fixture(autouse=True)
def _live_server_helper(request):
    """Start pytest-django's live server for a test, leaving the shared seed's database unflushed.

    This replaces pytest-django's own helper of the same name, which gives every live_server test a
    transactional database (flushed after it); here only tests not on the shared seed get one.
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    if "_live_seed" in request.fixturenames:
        request.getfixturevalue("_live_seed")
    else:
        request.getfixturevalue("transactional_db")
    live_server = request.getfixturevalue("live_server")
    live_server._live_server_modified_settings.enable()
    yield
    live_server._live_server_modified_settings.disable()
