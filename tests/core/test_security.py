"""Security headers, same-site redirects and reading cookies, as browsers and the Observatory see them."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.http import HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.template import engines
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.config.test_settings import PROD_ENV, ROOT

SEED_ARTICLE = "/articles/one-year-after-chatgpt-hundred-model-war/"
PUBLIC_PAGES = [
    "/",
    "/articles/",
    SEED_ARTICLE,
    f"{SEED_ARTICLE}?variant=zh-hans&pinyin=1",
    "/landscape/",
    "/companies/baichuan/",
    "/people/wang-xiaochuan/",
    "/quotes/",
    "/quotes/?speaker=wang-xiaochuan",
    "/figures/",
    "/search",
    "/search?q=算力",
    "/no-such-page/",
]
OTHER_RESPONSES = [
    "/feeds/articles.atom",
    "/sitemap.xml",
    "/robots.txt",
    "/healthz",
    "/api/v1/articles",
    "/api/v1/articles/no-such-article",
    "/admin/login/",
    "/static/css/baimo.css",
]
REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict([*part.strip().split(" ", 1), ""][:2] for part in header.split(";") if part.strip())


class InlineCode(HTMLParser):
    """Collect whatever a strict CSP would block in a page: inline scripts, styles and handlers."""

    # Data blocks are not scripts: the browser never runs them, and CSP does not apply to them.
    DATA_TYPES = {"application/ld+json", "application/json"}

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name == "style" or re.fullmatch(r"on[a-z]+", name):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in attributes and attributes.get("type") not in self.DATA_TYPES:
            self.found.append("<script> without src")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def assert_security_headers(response, url: str) -> None:
    assert "default-src 'self'" in response.headers["Content-Security-Policy"], url
    assert "camera=()" in response.headers["Permissions-Policy"], url
    assert "geolocation=()" in response.headers["Permissions-Policy"], url
    assert response.headers["X-Content-Type-Options"] == "nosniff", url
    if not url.startswith("/static/"):
        # Django's SecurityMiddleware and clickjacking protection; WhiteNoise answers static files first.
        assert response.headers["Referrer-Policy"] == "same-origin", url
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", url
        assert response.headers["X-Frame-Options"] == "DENY", url


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_has_a_strict_csp_and_no_inline_code(client, seed, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert_security_headers(response, url)
    directives = policy(response)
    for directive, value in REQUIRED_DIRECTIVES.items():
        assert directives.get(directive) == value, (url, directive)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert inline_code(response.content.decode()) == [], url


def test_every_other_response_carries_the_security_headers_too(client, seed):
    for url in OTHER_RESPONSES:
        assert_security_headers(client.get(url), url)


TEMPLATE_COMMENTS = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.S)


def test_templates_hold_no_inline_script_or_style():
    templates = Path(ROOT, "templates")
    offenders = [
        f"{path.relative_to(templates)}: {found}"
        for path in sorted(templates.rglob("*.html"))
        for found in inline_code(TEMPLATE_COMMENTS.sub("", path.read_text()))
    ]
    assert offenders == []


def test_api_docs_get_only_what_swagger_ui_needs(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    directives = policy(response)
    assert directives["img-src"] == "'self' data:"
    # Scripts and styles stay as strict as everywhere else: Swagger UI comes from our static files.
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    for directive, value in REQUIRED_DIRECTIVES.items():
        assert directives[directive] == value
    assert inline_code(response.content.decode()) == []
    # The data: images stay on that page.
    assert "data:" not in client.get("/api/v1/articles").headers["Content-Security-Policy"]


def test_a_nonce_reaches_the_header_only_when_a_template_uses_it(rf):
    template = engines["django"].from_string('<script nonce="{{ csp_nonce }}">1</script>')
    with_nonce = ContentSecurityPolicyMiddleware(lambda request: HttpResponse(template.render({}, request)))
    response = with_nonce(rf.get("/"))
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert policy(response)["script-src"] == f"'self' 'nonce-{nonce}'"
    without = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("ok"))(rf.get("/"))
    assert policy(without)["script-src"] == "'self'"


# --- Redirects -------------------------------------------------------------------------------------------

HOST = "testserver"
TOGGLES = [
    "/reading/script/zh-hans/",
    "/reading/script/zh-hant/",
    "/reading/pinyin/on/",
    "/reading/pinyin/off/",
]
OFF_SITE = [
    "https://testserver//evil.example/",
    "http://testserver//evil.example/",
    "https://testserver/\\evil.example/",
    "https://testserver/%5C%5Cevil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\t/evil.example/",
    "\t//evil.example/",
    " //evil.example/",
    "/%2F/evil.example/",
    "%2F%2Fevil.example/",
    "https://evil.example/",
    "https://testserver@evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/./\\evil.example",
]


def assert_same_site(location: str, base: str = f"https://{HOST}/reading/script/zh-hans/", path_only=True):
    """Assert that a browser following `location` from `base` stays on this site."""
    # What WHATWG URL parsing would bend: controls, spaces and `\` (read as `/`). None may be left.
    assert re.fullmatch(r"[\x21-\x7e]*", location) and "\\" not in location, location
    assert not location.startswith("//"), location
    if path_only:
        # Our redirects give a path from the root, never a URL or a relative path.
        assert location.startswith("/"), location
    assert urlsplit(urljoin(base, location)).netloc == HOST, location


@pytest.mark.parametrize("toggle", TOGGLES)
@pytest.mark.parametrize("target", OFF_SITE)
def test_toggles_never_redirect_off_site(toggle, target):
    response = Client().get(toggle, {"next": target})
    assert response.status_code == 302
    assert_same_site(response["Location"])


def test_toggles_keep_a_same_site_target_with_its_query_and_fragment():
    response = Client().get(TOGGLES[0], {"next": "/quotes/?speaker=wang-xiaochuan&variant=zh-hant#q-3"})
    # It goes to the page's address for the script chosen (`?variant=zh-hans`), other parameters kept.
    assert response["Location"] == "/quotes/?speaker=wang-xiaochuan&variant=zh-hans#q-3"
    # The reader's own host spelled out is the same page.
    response = Client().get(TOGGLES[0], {"next": "https://testserver//articles/"})
    assert response["Location"] == "/articles/?variant=zh-hans"


NEXT_VALUES = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    st.builds(
        str.__add__,
        st.sampled_from([*OFF_SITE, "/", "https://testserver", "http://testserver/", "/\t", "%5C"]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=NEXT_VALUES, toggle=st.sampled_from(TOGGLES), secure=st.booleans())
def test_any_next_value_redirects_on_site(target, toggle, secure):
    response = Client().get(toggle, {"next": target}, secure=secure)
    assert response.status_code == 302
    assert_same_site(response["Location"])


@pytest.mark.parametrize("target", OFF_SITE)
def test_admin_login_next_never_leaves_the_site(client, django_user_model, target):
    django_user_model.objects.create_user("editor", password="a-long-editor-password", is_staff=True)
    response = client.post(
        "/admin/login/?" + urlencode({"next": target}),
        {"username": "editor", "password": "a-long-editor-password", "next": target},
    )
    assert response.status_code == 302
    # Django's login view keeps a same-site URL or relative path as given; it too must stay here.
    assert_same_site(response["Location"], base=f"https://{HOST}/admin/login/", path_only=False)


# --- Reading cookies ------------------------------------------------------------------------------------


@pytest.mark.parametrize("toggle", TOGGLES)
@pytest.mark.parametrize("secure", [True, False])
def test_reading_cookies_are_httponly_lax_and_secure_where_the_session_is(settings, toggle, secure):
    settings.SESSION_COOKIE_SECURE = secure
    response = Client().get(toggle)
    (cookie,) = response.cookies.values()
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) is secure


# --- Production settings ---------------------------------------------------------------------------------

PRINT_SECURITY = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
    "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"
)


def production_security(**extra) -> str:
    env = {k: v for k, v in os.environ.items() if k not in PROD_ENV and not k.startswith("SECURE_")}
    env.update(PROD_ENV, DJANGO_SETTINGS_MODULE="config.settings.prod", **extra)
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SECURITY], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_sends_hsts_for_a_year_and_secure_cookies_by_default():
    assert production_security() == "31536000 False False True True True"


def test_production_hsts_is_configured_by_the_environment():
    assert production_security(
        SECURE_HSTS_SECONDS="600", SECURE_HSTS_INCLUDE_SUBDOMAINS="true", SECURE_HSTS_PRELOAD="true"
    ).startswith("600 True True")


def test_hsts_header_is_sent_over_https(settings, client, db):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/robots.txt", secure=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
