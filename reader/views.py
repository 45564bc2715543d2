"""The reader's pages that compose articles with the landscape: the home page and an article."""

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils.encoding import iri_to_uri

from articles.models import Article
from articles.selectors import published_article_moved_from
from core.rendering import render_paragraph
from core.structured_data import article_json_ld, json_ld_script
from landscape.selectors import featured_quotes, landscape_layers
from reader.composition import article_reading
from reader.preferences import reader_wants_pinyin


def home(request):
    articles = list(Article.objects.published().newest_first()[:6])
    context = {
        "lead": articles[0] if articles else None,
        "more": articles[1:],
        "quotes": featured_quotes(limit=3),
        "layers": landscape_layers(),
    }
    return render(request, "articles/home.html", context)


def article_list(request):
    articles = Article.objects.published().newest_first()
    return render(request, "articles/article_list.html", {"articles": articles})


def moved_permanently(request, path: str) -> HttpResponsePermanentRedirect:
    """Send a reader or client on to an article's current address, the query string kept."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(iri_to_uri(path) + (f"?{query}" if query else ""))


def article_detail(request, slug):
    article = Article.objects.published().for_reader().filter(slug=slug).first()
    if article is None:
        moved = published_article_moved_from(slug)
        if moved is None:
            raise Http404("No published article has this address.")
        return moved_permanently(request, moved.get_absolute_url())
    pinyin = reader_wants_pinyin(request)
    context = {
        "article": article,
        "title_html": render_paragraph(article.title, pinyin=pinyin),
        "summary_html": render_paragraph(article.summary, pinyin=pinyin),
        "sections": article_reading(article, pinyin=pinyin),
        "json_ld": json_ld_script(article_json_ld(article, request)),
    }
    return render(request, "articles/article_detail.html", context)
