"""The reader's lists of articles: the home page, all articles and a topic's, newest first.

Each shows live versions (`ArticleVersion.objects.live()`), never a working copy, in numbered pages, and
names what it shows for the front cache (`core.frontcache`): the lists of what it draws from.
"""

from django.http import Http404
from django.shortcuts import render

from articles.models import Article, ArticleVersion, Topic
from articles.selectors import published_articles
from core.frontcache import cache_tags, list_tag, record_tag
from core.paging import page_or_404
from landscape.models import Company, Person, Quote
from landscape.selectors import featured_quotes, landscape_layers, shown_image

# What a card of an article shows beside the article: its topics.
ARTICLE_LIST_TAGS = (list_tag(Article), list_tag(Topic))

ARTICLES_PER_PAGE = 20


def home(request):
    # Featured quotes name their speakers and companies; the landscape draws every published company.
    cache_tags(request, *ARTICLE_LIST_TAGS, list_tag(Quote), list_tag(Company), list_tag(Person))
    articles = list(
        ArticleVersion.objects.live().listing().prefetch_related(shown_image("lead_image")).newest_first()[:6]
    )
    context = {
        "lead": articles[0] if articles else None,
        "more": articles[1:],
        "quotes": featured_quotes(limit=3),
        "layers": landscape_layers(),
    }
    return render(request, "articles/home.html", context)


def article_list(request):
    cache_tags(request, *ARTICLE_LIST_TAGS)
    articles = published_articles().prefetch_related(shown_image("lead_image")).newest_first()
    page = page_or_404(request, articles, per_page=ARTICLES_PER_PAGE)
    return render(request, "articles/article_list.html", {"page": page})


def topic_detail(request, slug):
    cache_tags(request, *ARTICLE_LIST_TAGS)
    topic = Topic.objects.filter(slug=slug).first()
    if topic is None:
        raise Http404("No topic has this slug.")
    cache_tags(request, record_tag(topic))
    articles = published_articles(topic=topic.slug).prefetch_related(shown_image("lead_image")).newest_first()
    page = page_or_404(request, articles, per_page=ARTICLES_PER_PAGE)
    return render(request, "articles/article_list.html", {"page": page, "topic": topic})
