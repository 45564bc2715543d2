"""The landscape admin in real headless Chromium: what an editor sees of an import's errors."""

import pytest
from django.urls import reverse

from landscape.models import Company

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editor_page(staff_page, fresh_seed):
    return staff_page("browser-editor", "Editor")  # a phone: no pointer to hover with


def test_an_invalid_rows_errors_are_shown_in_the_row_without_hovering(editor_page, live_server, tmp_path):
    page = editor_page
    csv = tmp_path / "companies.csv"
    csv.write_text(
        "slug,name_zh,name_en,layer,country,founded,website,summary,published,aliases\n"
        "broken,壞公司,,not-a-layer,CN,2020,,,1,\n",
        encoding="utf-8-sig",
    )
    page.goto(live_server.url + reverse("admin:landscape_company_import"))
    page.set_input_files("input[name=import_file]", str(csv))
    page.select_option("select[name=format]", label="csv")
    with page.expect_navigation():
        page.click("#content input[type=submit]")

    errors = page.locator(".import-preview .validation-error-container").first
    assert errors.is_visible()
    assert float(errors.evaluate("element => getComputedStyle(element).opacity")) == 1
    assert "not-a-layer" in errors.inner_text() and "startup" in errors.inner_text()
    assert not Company.objects.filter(slug="broken").exists()
    # The browser's own favicon request 404s harmlessly in the admin.
    assert [e for e in page.console.errors if not e.startswith("Failed to load resource")] == []
