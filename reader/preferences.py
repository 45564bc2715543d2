"""The reader's preferences: script (Traditional or Simplified) and the pinyin layer, one URL for each.

The source text is Traditional. A reader's choice is in the URL only (`?variant=zh-hans`, `?pinyin=1`),
as MediaWiki gives zh-Hans and zh-Hant their own addresses: every reader of one URL gets the same page,
so the front cache can share it (`core.frontcache`). The toggle links set a cookie that remembers the
choice and send the reader to the page's address for it; a later request whose URL does not say what its
cookie remembers is redirected to the URL that does (`302`, private: that answer is the reader's alone).
`ScriptVariantMiddleware` serves every public HTML page in the URL's script and keeps the choice in the
page's own links, so no template has to remember to; a view that serves a page already so (the stored
article page, `reader.rendered`) says so with `served_in_script`, and the middleware leaves it as it is.
"""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from core.security import same_site_path
from core.variants import VARIANTS, convert

SOURCE_VARIANT = "zh-hant"
VARIANT_COOKIE = "variant"
PINYIN_COOKIE = "pinyin"
CHOICE_PARAMETERS = ("variant", "pinyin")
COOKIE_MAX_AGE = 365 * 24 * 3600
HTML_LANG = {"zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}
# Editors work on the source text; the API converts its JSON itself.
UNCONVERTED_PREFIXES = ("/admin/", "/api/", "/static/")
# Where a remembered choice sends nobody on: the toggles themselves, and what no reader reads as a page.
NOT_REDIRECTED_PREFIXES = (*UNCONVERTED_PREFIXES, "/reading/", "/healthz", "/robots.txt", "/sitemap")
# Links within the site that lead to another page, whose address carries the reader's choice on.
_SITE_LINK = re.compile(r'href="((?:/(?!/|static/|admin/|api/|reading/)|\?)[^"#]*)(#[^"]*)?"')


def reader_variant(request: HttpRequest) -> str:
    """Return the script the URL asks for; the source script when it asks for none."""
    value = request.GET.get("variant") or SOURCE_VARIANT
    return value if value in VARIANTS else SOURCE_VARIANT


def reader_wants_pinyin(request: HttpRequest) -> bool:
    """Tell whether the URL asks for the pinyin layer (`?pinyin=1`)."""
    return request.GET.get("pinyin") == "1"


def choice_query(variant: str, pinyin: bool) -> dict[str, str]:
    """Return the parameters that give a choice its own URL: none for the source script without pinyin."""
    query = {} if variant == SOURCE_VARIANT else {"variant": variant}
    return {**query, "pinyin": "1"} if pinyin else query


def reading_context(request: HttpRequest) -> dict:
    """Expose the reader's preferences to templates (a context processor)."""
    variant = reader_variant(request)
    query = [
        (key, value)
        for key, value in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
        if key not in (*CHOICE_PARAMETERS, "page")
    ]
    return {
        "variant": variant,
        "html_lang": HTML_LANG[variant],
        "pinyin": reader_wants_pinyin(request),
        "other_variant": "zh-hans" if variant == SOURCE_VARIANT else SOURCE_VARIANT,
        "back_to_here": urlencode({"next": request.get_full_path()}),
        # The page's address for every choice: its alternates and, by default, its canonical address.
        "address": request.path + (f"?{urlencode(query)}" if query else ""),
    }


def served_in_script(response: HttpResponse, variant: str) -> HttpResponse:
    """Mark a response whose body is already in `variant`, so that `ScriptVariantMiddleware` leaves it."""
    response.script_variant = variant
    return response


def keep_choice_in_links(html: str, variant: str, pinyin: bool) -> str:
    """Add the choice's parameters to every link to another page of the site: it follows the reader."""
    wanted = choice_query(variant, pinyin)
    if not wanted:
        return html

    def with_choice(match: re.Match) -> str:
        address, fragment = match.group(1), match.group(2) or ""
        path, _, query = address.partition("?")
        found = parse_qsl(query.replace("&amp;", "&"), keep_blank_values=True)
        if wanted.items() <= dict(found).items():
            return match.group(0)  # a link that keeps the choice already, as the pages' own links do
        kept = [(key, value) for key, value in found if key not in CHOICE_PARAMETERS]
        query = urlencode([*kept, *wanted.items()]).replace("&", "&amp;")
        return f'href="{path}?{query}{fragment}"'

    return _SITE_LINK.sub(with_choice, html)


def remembered_choice_redirect(request: HttpRequest) -> HttpResponseRedirect | None:
    """Send a reader whose cookies remember a choice their URL lacks to the URL with it; else None."""
    if request.method not in ("GET", "HEAD") or request.path.startswith(NOT_REDIRECTED_PREFIXES):
        return None
    missing = {}
    remembered_variant = request.COOKIES.get(VARIANT_COOKIE)
    if (
        remembered_variant in VARIANTS
        and remembered_variant != SOURCE_VARIANT
        and "variant" not in request.GET
    ):
        missing["variant"] = remembered_variant
    if request.COOKIES.get(PINYIN_COOKIE) == "1" and "pinyin" not in request.GET:
        missing["pinyin"] = "1"
    if not missing:
        return None
    query = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
    response = HttpResponseRedirect(f"{request.path}?{urlencode([*query, *missing.items()])}")
    # Another reader of this URL, without the cookie, gets the page itself: this answer is for one reader.
    patch_cache_control(response, private=True)
    return response


class ScriptVariantMiddleware:
    """Serve public HTML pages in the URL's script with the choice kept in their links, unless already so.

    A reader whose remembered choice the URL lacks is sent to the URL that has it first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        redirect = remembered_choice_redirect(request)
        if redirect is not None:
            return redirect
        response = self.get_response(request)
        if request.path.startswith(UNCONVERTED_PREFIXES):
            return response
        variant, pinyin = reader_variant(request), reader_wants_pinyin(request)
        content_type = response.headers.get("Content-Type", "")
        if (
            not choice_query(variant, pinyin)
            or getattr(response, "script_variant", None) == variant
            or response.streaming
            or not content_type.startswith(("text/html", "application/atom+xml"))
        ):
            return response
        charset = response.charset or "utf-8"
        text = response.content.decode(charset)
        if variant != SOURCE_VARIANT:
            text = convert(text, variant)
        if content_type.startswith("text/html"):
            text = keep_choice_in_links(text, variant, pinyin)
        response.content = text.encode(charset)
        return response


def _back_to(request: HttpRequest, **choice: str | None) -> str:
    """Return the page to go back to, on this site, at its address for the choice just made."""
    parts = urlsplit(same_site_path(request, request.GET.get("next")))
    query = [
        (key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key not in choice
    ]
    query += [(key, value) for key, value in choice.items() if value is not None]
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))


def _remember(response: HttpResponse, name: str, value: str) -> None:
    # Read only by the server (no script needs them); sent only over HTTPS wherever the session cookie is.
    response.set_cookie(
        name,
        value,
        max_age=COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


@require_GET
def set_variant(request: HttpRequest, variant: str):
    """Remember the reader's script and go back to the page they were reading, at its address for it."""
    # The source script is the address without `variant`, the one every other link of the page leads to.
    shown = None if variant == SOURCE_VARIANT else variant
    response = HttpResponseRedirect(_back_to(request, variant=shown))
    _remember(response, VARIANT_COOKIE, variant)
    return response


@require_GET
def set_pinyin(request: HttpRequest, state: str):
    """Turn the pinyin layer on or off and go back to the page, at its address for it."""
    on = state == "on"
    response = HttpResponseRedirect(_back_to(request, pinyin="1" if on else None))
    _remember(response, PINYIN_COOKIE, "1" if on else "0")
    return response
