"""Load the shipped seed content once; later runs leave it (and editors' changes to it) alone.

Each fixture is loaded inside one revision, so every versioned object it holds starts with an initial
version: its history has a first entry to compare with and restore.
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import BaseCommand, call_command
from django.db import transaction

from articles.publication import publish_missing_versions
from core.versioning import recorded_revision

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"

# Each fixture with the object whose presence says it has been loaded already, in loading order.
SEED_FIXTURES = [
    ("seed_article.json", "articles.Article", {"slug": "one-year-after-chatgpt-hundred-model-war"}),
    ("landscape.json", "landscape.Company", {"slug": "openai"}),
]


class Command(BaseCommand):
    help = "Load the seed content (articles, landscape) unless it is already in the database."

    def handle(self, *args, **options):
        with transaction.atomic():
            for filename, model_label, lookup in SEED_FIXTURES:
                if apps.get_model(model_label).objects.filter(**lookup).exists():
                    self.stdout.write(f"{filename}: already loaded, left unchanged")
                    continue
                with recorded_revision(None, f"Loaded from the seed ({filename})"):
                    call_command("loaddata", str(FIXTURES_DIR / filename), verbosity=0)
                self.stdout.write(self.style.SUCCESS(f"{filename}: loaded"))
            published = publish_missing_versions(comment="Published from the seed")
            if published:
                self.stdout.write(f"{published} article(s) published as the seed has them")
            call_command("search_rebuild", stdout=self.stdout)
