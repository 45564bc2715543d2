"""The Content-Security-Policy as Chromium enforces it: no page we serve breaks it, and it does block."""

import pytest

from tests.browser.test_reader_pages import PUBLIC_PAGES

# Installed by the driver before any page script runs, so it hears every violation the page causes.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`);
});
"""


def open_watched(new_page, url):
    page = new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, response


def violations(page) -> list[str]:
    return page.evaluate("window.cspViolations")


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_break_nothing_under_the_policy(live_server, new_page, seed, name):
    page, response = open_watched(new_page, live_server.url + PUBLIC_PAGES[name])
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert violations(page) == []
    assert page.console.errors == []


def test_the_policy_really_blocks_inline_code(live_server, new_page, seed):
    page, _ = open_watched(new_page, live_server.url + "/")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.append(script);
    }""")
    assert page.evaluate("window.injected === undefined")
    assert any(found.startswith("script-src") for found in violations(page))


def test_api_docs_render_swagger_ui_within_their_policy(live_server, new_page, seed):
    page, _ = open_watched(new_page, live_server.url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Baimo API" in page.inner_text(".swagger-ui .info .title")
    operation = page.locator(".opblock", has_text="/api/v1/articles/{slug}").first
    operation.locator(".opblock-summary").click()
    # Try it out: the request goes to our own API (connect-src 'self') and the answer is shown.
    operation.locator("button.try-out__btn").click()
    operation.locator("input[placeholder=slug]").fill("one-year-after-chatgpt-hundred-model-war")
    operation.locator("button.execute").click()
    operation.locator(".responses-table .response-col_status").first.wait_for()
    assert "百模" in operation.locator(".live-responses-table").inner_text()
    assert violations(page) == []
    assert page.console.errors == []


def test_admin_pages_work_under_the_site_policy(live_server, new_page, fresh_seed, django_user_model):
    from django.contrib.auth.models import Group

    from articles.models import Article

    article = Article.objects.get(slug="one-year-after-chatgpt-hundred-model-war")
    editor = django_user_model.objects.create_user(
        "csp-editor", password="a-long-editor-password", is_staff=True
    )
    editor.groups.add(Group.objects.get(name="Editor"))
    page, _ = open_watched(new_page, live_server.url + "/admin/login/")
    page.fill("#id_username", "csp-editor")
    page.fill("#id_password", "a-long-editor-password")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    for path in (
        "/admin/",
        "/admin/articles/article/",
        f"/admin/articles/article/{article.pk}/change/",
        f"/admin/articles/article/{article.pk}/annotate/",
        "/admin/landscape/company/",
        "/admin/landscape/company/add/",
        "/admin/landscape/quote/add/",
        "/admin/landscape/company/import/",
        "/admin/landscape/company/export/",
    ):
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        assert violations(page) == [], path
    # The export form's "Select all" toggle works without its inline handler.
    page.goto(live_server.url + "/admin/landscape/company/export/")
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]:visible')
    assert fields.count() > 1 and all(fields.nth(i).is_checked() for i in range(fields.count()))
    page.locator(".select-toggle:visible").first.uncheck()
    assert not any(fields.nth(i).is_checked() for i in range(fields.count()))
    assert violations(page) == []
    assert page.console.errors == []
