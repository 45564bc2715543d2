"""Suggest mentions of companies and people in one article, or in every article."""

from django.core.management import BaseCommand, CommandError

from articles.models import Article
from landscape.services import mentions_detect


class Command(BaseCommand):
    help = (
        "Find company and person names in articles and store them as suggested mentions. "
        "Editors' confirmed and rejected mentions are kept; a re-run creates no duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="The article's slug; every article when left out.")

    def handle(self, *args, slug=None, **options):
        if slug:
            articles = list(Article.objects.filter(slug=slug))
            if not articles:
                raise CommandError(f"No article with the slug {slug!r}.")
        else:
            articles = list(Article.objects.order_by("pk"))
        for article in articles:
            result = mentions_detect(article=article)
            self.stdout.write(
                f"{article.slug}: {result.created} created, {result.updated} updated, {result.kept} kept, "
                f"{result.removed} removed, {result.decided} decided by editors left alone"
                + (f" ({result.stale} no longer match their text)" if result.stale else "")
            )
            if result.ambiguous_names:
                self.stderr.write(
                    "Names shared by several entities, not matched: " + "、".join(result.ambiguous_names)
                )
