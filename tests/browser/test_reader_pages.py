import pytest
from django.core.management import call_command

from tests.browser.conftest import DESKTOP, PHONE, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED_SLUG = "one-year-after-chatgpt-hundred-model-war"


@pytest.fixture
def seeded(db):
    call_command("load_seed", verbosity=0)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("path", ["/", "/articles/", f"/articles/{SEED_SLUG}/"])
def test_page_renders_without_errors_or_overflow(live_server, new_page, seeded, viewport, path):
    page = new_page(viewport)
    response = page.goto(live_server.url + path)
    assert response.status == 200
    assert page.console.errors == []
    # Nothing wider than the screen: a phone reader never scrolls sideways.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_article_page_has_no_serious_accessibility_violations(live_server, new_page, seeded):
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/articles/{SEED_SLUG}/")
    assert axe_violations(page) == []


def test_paragraph_anchor_link_lands_on_the_paragraph(live_server, new_page, seeded):
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/articles/{SEED_SLUG}/#p-10")
    assert page.evaluate("document.querySelector(':target').id") == "p-10"
