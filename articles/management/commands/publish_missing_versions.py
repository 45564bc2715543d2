"""Publish, as they stand, the published or scheduled articles that have no live version yet."""

from django.core.management import BaseCommand

from articles.publication import publish_missing_versions


class Command(BaseCommand):
    help = (
        "Give every published or scheduled article without a live version one made from its text as it "
        "stands: after `loaddata` of published articles. `migrate` does the same."
    )

    def handle(self, *args, **options):
        count = publish_missing_versions()
        self.stdout.write(self.style.SUCCESS(f"{count} article(s) published."))
