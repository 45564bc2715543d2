"""The API as a browser meets it: the interactive docs, and fetch() from another origin."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.factories import make_company

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def integrator_origin():
    """A page on another origin: a tiny server on the loopback, as an integrator's dev server would be.

    fetch() calls from it to the live server (http://localhost:…) are cross-origin, so Chromium runs the
    real CORS checks, preflights included. (A page Playwright fulfils itself has no address, and
    Chromium's local network access rules would refuse it before CORS.)
    """

    class Blank(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<!doctype html><title>integrator</title>")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Blank)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


FETCH_ALL = """async (urls) => {
    const out = [];
    for (const [url, headers] of urls) {
        try {
            const response = await fetch(url, {headers, cache: "no-store"});
            out.push({
                status: response.status,
                etag: response.headers.get("ETag"),
                body: response.status === 304 ? null : await response.json(),
            });
        } catch (error) {
            out.push({error: String(error)});
        }
    }
    return out;
}"""


def test_docs_load_from_our_own_server_without_errors(live_server, new_page):
    page = new_page({"width": 1280, "height": 900})
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(f"{live_server.url}/api/v1/docs", wait_until="networkidle")
    assert response.status == 200
    page.wait_for_selector(".opblock-summary-path")
    assert "/api/v1/companies" in page.inner_text("body")
    assert [url for url in requested if not url.startswith(live_server.url)] == []
    assert page.console.errors == []


def test_docs_describe_every_parameter(live_server, new_page):
    page = new_page({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/api/v1/docs", wait_until="networkidle")
    page.click("#operations-articles-articles_api_get_article .opblock-summary")
    block = page.locator("#operations-articles-articles_api_get_article")
    block.locator(".parameters").wait_for()
    for row in block.locator("tr[data-param-name]").all():
        # Swagger UI shows a parameter's own description, not its schema's.
        description = row.locator(".parameters-col_description > .renderedMarkdown:not(.parameter__enum)")
        assert description.count() == 1, row.get_attribute("data-param-name")


def test_a_page_on_another_origin_can_read_the_api(live_server, new_page, integrator_origin):
    make_company(slug="moonshot-ai", name_zh="月之暗面")
    page = new_page()
    page.goto(integrator_origin)
    url = f"{live_server.url}/api/v1/companies/moonshot-ai?variant=zh-hans"
    plain, json_wrapper, conditional = page.evaluate(
        FETCH_ALL,
        [
            [url, {}],
            # What fetch() wrappers send: a JSON Content-Type even on GET, and X-Requested-With.
            [url, {"Content-Type": "application/json", "X-Requested-With": "XMLHttpRequest"}],
            [url, {"If-None-Match": "ETAG"}],
        ],
    )
    assert plain.get("status") == 200, (plain, page.console.errors)
    assert plain["body"]["name_zh"] == "月之暗面"
    assert plain["etag"], "scripts must see the ETag to send If-None-Match"
    assert json_wrapper.get("status") == 200, json_wrapper
    assert conditional.get("status") == 200  # "ETAG" is not the tag; the real one gives 304 below
    (not_modified,) = page.evaluate(FETCH_ALL, [[url, {"If-None-Match": plain["etag"]}]])
    assert not_modified.get("status") == 304, not_modified
