"""JSON-LD for search engines: NewsArticle, Organization and Person, built from published content."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# Characters that could end the <script> element or open a comment inside it.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld_script(data: dict) -> SafeString:
    """Return a <script type="application/ld+json"> element that cannot break out of itself."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


def _publisher(request: HttpRequest) -> dict:
    return {
        "@type": "Organization",
        "name": "百模 Baimo",
        "url": request.build_absolute_uri("/"),
        "logo": {"@type": "ImageObject", "url": request.build_absolute_uri(static("img/baimo-logo.svg"))},
    }


def image_data(request: HttpRequest, shown) -> dict | None:
    """Return what OpenGraph and JSON-LD say of a shown picture (its `src`, size, alt text, credit)."""
    if shown is None:
        return None
    return {
        "url": request.build_absolute_uri(shown.src),
        "width": shown.width,
        "height": shown.height,
        "alt": shown.alt,
        "credit": shown.credit,
    }


def image_object(request: HttpRequest, image: dict) -> dict:
    """Return an ImageObject from an image's `url`, `width`, `height` and optional `alt`, `credit`."""
    data = {
        "@type": "ImageObject",
        "url": request.build_absolute_uri(image["url"]),
        "width": image["width"],
        "height": image["height"],
    }
    if image.get("alt"):
        data["caption"] = image["alt"]
    if image.get("credit"):
        data["creditText"] = image["credit"]
    return data


def article_json_ld(article, request: HttpRequest, *, topics, image: dict | None = None) -> dict:
    """Return the NewsArticle of an article; `image` (url, width, height) is its picture, else the logo."""
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "description": article.summary,
        "inLanguage": article.language,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": article.publish_at,
        "dateModified": article.updated_at,
        "publisher": _publisher(request),
        "image": (
            [image_object(request, image)]
            if image
            else [request.build_absolute_uri(static("img/baimo-logo.svg"))]
        ),
        "keywords": [topic.name for topic in topics],
    }
    if article.author or article.original_source:
        data["author"] = {"@type": "Organization", "name": article.author or article.original_source}
    if article.original_source:
        data["sourceOrganization"] = {"@type": "Organization", "name": article.original_source}
    if article.reprint_url:
        data["isBasedOn"] = article.reprint_url
    return data


def organization_json_ld(company, request: HttpRequest, *, logo: dict | None = None) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": company.name_zh,
        "url": request.build_absolute_uri(company.get_absolute_url()),
        "description": company.summary,
    }
    alternate = [company.name_en] if company.name_en else []
    alternate += [alias.name for alias in company.aliases.all() if alias.name not in (company.name_zh,)]
    if alternate:
        data["alternateName"] = list(dict.fromkeys(alternate))
    if company.website:
        data["sameAs"] = [company.website]
    if company.founded:
        data["foundingDate"] = str(company.founded)
    if company.country:
        data["address"] = {"@type": "PostalAddress", "addressCountry": company.country}
    if logo:
        data["logo"] = image_object(request, logo)
    return data


def person_json_ld(person, request: HttpRequest, *, portrait: dict | None = None) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": person.name_zh,
        "url": request.build_absolute_uri(person.get_absolute_url()),
        "description": person.bio,
    }
    if person.name_en:
        data["alternateName"] = person.name_en
    if portrait:
        data["image"] = image_object(request, portrait)
    # Only organisations with a published page: an unpublished company is never named here.
    affiliations = [a for a in person.affiliations.all() if a.public_company]
    if affiliations:
        data["affiliation"] = [
            {
                "@type": "Organization",
                "name": a.public_company.name_zh,
                "url": request.build_absolute_uri(a.public_company.get_absolute_url()),
            }
            for a in affiliations
        ]
        data["jobTitle"] = affiliations[0].role
    return data
