"""Rebuild the search index from the published content."""

from django.core.management import BaseCommand

from search.services import search_rebuild


class Command(BaseCommand):
    help = "Recompute every search document from published content; safe to run at any time."

    def handle(self, *args, **options):
        report = search_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Search index rebuilt: {report.created} created, {report.updated} updated, "
                f"{report.removed} removed."
            )
        )
