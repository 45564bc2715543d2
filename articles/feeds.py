from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from core.frontcache import cache_tags, list_tag

from .models import Article, ArticleVersion, Topic


class LatestArticlesFeed(Feed):
    """Atom feed of the newest published articles, as their live versions have them.

    An entry's `<updated>` is when its live version went live: it moves with every published correction
    and with nothing else.
    """

    feed_type = Atom1Feed
    title = "百模 Baimo"
    subtitle = "中國 AI 產業報道：百模大戰的文章、公司、人物與引語。"
    language = "zh-Hant"

    def __call__(self, request, *args, **kwargs):
        # The newest articles as published, with their topics' names.
        cache_tags(request, list_tag(Article), list_tag(Topic))
        return super().__call__(request, *args, **kwargs)

    def link(self):
        return reverse("articles:list")

    def items(self):
        return ArticleVersion.objects.live().listing().newest_first()[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.author or item.original_source or None

    def item_categories(self, item):
        return [topic.name for topic in item.topics.all()]
