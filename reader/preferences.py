"""The reader's preferences: script (Traditional or Simplified) and the pinyin layer.

The source text is Traditional. A reader's choice comes from the URL (`?variant=zh-hans`,
`?pinyin=1`) or from the cookie the toggle links set, and every public HTML page is served in the
chosen script by `ScriptVariantMiddleware`, so no template has to remember to convert. A view that serves
a page already in the reader's script (the stored article page, `reader.rendered`) says so with
`served_in_script`, and the middleware leaves it as it is.
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET

from core.security import same_site_path
from core.variants import VARIANTS, convert

SOURCE_VARIANT = "zh-hant"
VARIANT_COOKIE = "variant"
PINYIN_COOKIE = "pinyin"
COOKIE_MAX_AGE = 365 * 24 * 3600
HTML_LANG = {"zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}
# Editors work on the source text; the API converts its JSON itself.
UNCONVERTED_PREFIXES = ("/admin/", "/api/", "/static/")


def reader_variant(request: HttpRequest) -> str:
    """Return the script the reader asked for, by URL first, then by cookie."""
    value = request.GET.get("variant") or request.COOKIES.get(VARIANT_COOKIE) or SOURCE_VARIANT
    return value if value in VARIANTS else SOURCE_VARIANT


def reader_wants_pinyin(request: HttpRequest) -> bool:
    value = request.GET.get("pinyin", request.COOKIES.get(PINYIN_COOKIE, "0"))
    return value == "1"


def reading_context(request: HttpRequest) -> dict:
    """Expose the reader's preferences to templates (a context processor)."""
    variant = reader_variant(request)
    return {
        "variant": variant,
        "html_lang": HTML_LANG[variant],
        "pinyin": reader_wants_pinyin(request),
        "other_variant": "zh-hans" if variant == SOURCE_VARIANT else SOURCE_VARIANT,
        "back_to_here": urlencode({"next": request.get_full_path()}),
    }


def served_in_script(response: HttpResponse, variant: str) -> HttpResponse:
    """Mark a response whose body is already in `variant`, so that `ScriptVariantMiddleware` leaves it."""
    response.script_variant = variant
    return response


class ScriptVariantMiddleware:
    """Serve public HTML pages in the reader's script, unless the view served them so already."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(UNCONVERTED_PREFIXES):
            return response
        response.headers.setdefault("Vary", "Cookie")
        if "Cookie" not in response.headers["Vary"]:
            response.headers["Vary"] += ", Cookie"
        variant = reader_variant(request)
        content_type = response.headers.get("Content-Type", "")
        if (
            variant == SOURCE_VARIANT
            or getattr(response, "script_variant", None) == variant
            or response.streaming
            or not content_type.startswith(("text/html", "application/atom+xml"))
        ):
            return response
        charset = response.charset or "utf-8"
        response.content = convert(response.content.decode(charset), variant).encode(charset)
        return response


def _back_to(request: HttpRequest) -> str:
    """Return the page to go back to, on this site, without a preference that would override the cookie."""
    parts = urlsplit(same_site_path(request, request.GET.get("next")))
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key not in ("variant", "pinyin")
    ]
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
    """Remember the reader's script and go back to the page they were reading."""
    response = HttpResponseRedirect(_back_to(request))
    _remember(response, VARIANT_COOKIE, variant)
    return response


@require_GET
def set_pinyin(request: HttpRequest, state: str):
    """Turn the pinyin layer on or off and go back to the page."""
    response = HttpResponseRedirect(_back_to(request))
    _remember(response, PINYIN_COOKIE, "1" if state == "on" else "0")
    return response
