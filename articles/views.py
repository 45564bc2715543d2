from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from landscape.selectors import featured_quotes, landscape_layers

from .models import Article
from .reader import article_reading
from .reading import reader_wants_pinyin
from .rendering import render_paragraph
from .structured_data import article_json_ld, json_ld_script


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


def healthz(request):
    """Answer 200 when the database answers a query, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def robots_txt(request):
    """Let crawlers read the public site, keep them out of the admin, point them at the sitemap."""
    sitemap_url = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Allow: /", f"Sitemap: {sitemap_url}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
