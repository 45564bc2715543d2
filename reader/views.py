"""The reader's pages that compose articles with the landscape: the home page and an article."""

from django.shortcuts import get_object_or_404, render

from articles.models import Article
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


def article_detail(request, slug):
    article = get_object_or_404(Article.objects.published().for_reader(), slug=slug)
    pinyin = reader_wants_pinyin(request)
    context = {
        "article": article,
        "title_html": render_paragraph(article.title, pinyin=pinyin),
        "summary_html": render_paragraph(article.summary, pinyin=pinyin),
        "sections": article_reading(article, pinyin=pinyin),
        "json_ld": json_ld_script(article_json_ld(article, request)),
    }
    return render(request, "articles/article_detail.html", context)
