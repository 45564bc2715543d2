"""The reader's page that composes an article with the landscape (the lists are in `reader.lists`).

Every page shows an article's live version (`articles.publication`), never its working copy. It is
rendered once per version, script and pinyin choice and served as stored (`reader.rendered`), already in
the reader's script; previews render afresh every time and are never stored.
"""

from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils.encoding import iri_to_uri

from articles.models import Article, ArticleVersion
from articles.publication import PublishedArticle, published_article
from articles.selectors import published_article_moved_from
from core.frontcache import cache_tags, list_tag
from core.rendering import render_paragraph
from core.structured_data import article_json_ld, image_data, json_ld_script
from core.variants import convert
from reader.composition import article_reading, version_images
from reader.preferences import (
    SOURCE_VARIANT,
    choice_query,
    keep_choice_in_links,
    reader_variant,
    reader_wants_pinyin,
    reading_context,
    served_in_script,
)
from reader.rendered import (
    Choice,
    Stored,
    Surface,
    fill,
    render_stored,
    request_origin,
    stored_version,
    stores_renders,
    version_tags,
)

# What each request puts in a stored page: absolute addresses, and the "back to here" of the toggles.
PAGE_SLOTS = {"origin": request_origin, "next": lambda request: reading_context(request)["back_to_here"]}


def moved_permanently(request, path: str) -> HttpResponsePermanentRedirect:
    """Send a reader or client on to an article's current address, the query string kept."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(iri_to_uri(path) + (f"?{query}" if query else ""))


def _moved_or_missing(request, slug: str) -> HttpResponsePermanentRedirect:
    # Kept until an article joins or leaves the list, or moves: publishing one at this address bans it.
    cache_tags(request, list_tag(Article))
    moved = published_article_moved_from(slug)
    if moved is None:
        raise Http404("No published article has this address.")
    return moved_permanently(request, moved.get_absolute_url())


def article_detail(request, slug):
    if not stores_renders():
        version = ArticleVersion.objects.live().filter(slug=slug).first()
        if version is None:
            return _moved_or_missing(request, slug)
        cache_tags(request, *version_tags(version.article_id, **_shown(version.content)))
        return render_article(request, published_article(version))
    choice = Choice(Surface.PAGE, reader_variant(request), reader_wants_pinyin(request))
    found = stored_version(slug, choice)
    if found is None:
        return _moved_or_missing(request, slug)
    stored = found.stored or page_store(ArticleVersion.objects.get(pk=found.version_id), choice)
    cache_tags(request, *stored.tags)
    return served_in_script(HttpResponse(fill(stored, request, PAGE_SLOTS)), choice.variant)


def _shown(content: dict) -> dict:
    """Return what of a version's content its tags name: its topics and mentions."""
    return {"topics": content.get("topics", []), "mentions": content.get("mentions", [])}


def page_store(version: ArticleVersion, choice: Choice) -> Stored:
    """Render the page of `version` for a reader's choice, in their script, and store it."""

    def in_reader_script(request) -> str:
        html = render_article(request, published_article(version)).content.decode()
        html = html if choice.variant == SOURCE_VARIANT else convert(html, choice.variant)
        return keep_choice_in_links(html, choice.variant, choice.pinyin)

    query = choice_query(choice.variant, choice.pinyin)
    return render_stored(
        version, choice, in_reader_script, path=version.get_absolute_url(), query=query, slots=PAGE_SLOTS
    )


def render_article(request, published: PublishedArticle, *, preview: str | None = None):
    """Render a version as readers see it: the one renderer of live pages and previews.

    `preview` names what a preview shows ("working copy", "version 3"); the page then says so and asks
    not to be indexed.
    """
    pinyin = reader_wants_pinyin(request)
    article = published.article
    images = version_images(published)
    og_image = image_data(request, images.picture(article.lead_image_id, "og"))
    context = {
        "article": article,
        "topics": published.topics,
        "title_html": render_paragraph(article.title, pinyin=pinyin),
        "summary_html": render_paragraph(article.summary, pinyin=pinyin),
        "sections": article_reading(published, pinyin=pinyin, images=images),
        "lead_picture": images.picture(article.lead_image_id, "lead"),
        "og_image": og_image,
        "json_ld": json_ld_script(article_json_ld(article, request, topics=published.topics, image=og_image)),
        "preview": preview,
    }
    return render(request, "articles/article_detail.html", context)
