"""The reader's pages that compose articles with the landscape: the home page and an article.

Every page shows an article's live version (`articles.publication`), never its working copy.
"""

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils.encoding import iri_to_uri

from articles.models import ArticleVersion
from articles.publication import PublishedArticle, published_article
from articles.selectors import published_article_moved_from
from core.rendering import render_paragraph
from core.structured_data import article_json_ld, json_ld_script
from landscape.selectors import featured_quotes, landscape_layers
from reader.composition import article_reading
from reader.preferences import reader_wants_pinyin


def home(request):
    articles = list(ArticleVersion.objects.live().listing().newest_first()[:6])
    context = {
        "lead": articles[0] if articles else None,
        "more": articles[1:],
        "quotes": featured_quotes(limit=3),
        "layers": landscape_layers(),
    }
    return render(request, "articles/home.html", context)


def article_list(request):
    articles = ArticleVersion.objects.live().listing().newest_first()
    return render(request, "articles/article_list.html", {"articles": articles})


def moved_permanently(request, path: str) -> HttpResponsePermanentRedirect:
    """Send a reader or client on to an article's current address, the query string kept."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(iri_to_uri(path) + (f"?{query}" if query else ""))


def article_detail(request, slug):
    version = ArticleVersion.objects.live().filter(slug=slug).first()
    if version is None:
        moved = published_article_moved_from(slug)
        if moved is None:
            raise Http404("No published article has this address.")
        return moved_permanently(request, moved.get_absolute_url())
    return render_article(request, published_article(version))


def render_article(request, published: PublishedArticle, *, preview: str | None = None):
    """Render a version as readers see it: the one renderer of live pages and previews.

    `preview` names what a preview shows ("working copy", "version 3"); the page then says so and asks
    not to be indexed.
    """
    pinyin = reader_wants_pinyin(request)
    article = published.article
    context = {
        "article": article,
        "topics": published.topics,
        "title_html": render_paragraph(article.title, pinyin=pinyin),
        "summary_html": render_paragraph(article.summary, pinyin=pinyin),
        "sections": article_reading(published, pinyin=pinyin),
        "json_ld": json_ld_script(article_json_ld(article, request, topics=published.topics)),
        "preview": preview,
    }
    return render(request, "articles/article_detail.html", context)
