"""Rebuild the search index from what readers see, in batches, reporting progress."""

import time

from django.core.management import BaseCommand

from search.services import search_rebuild

# A progress line at most this often, none for a rebuild quicker than that; once started, the last too.
PROGRESS_EVERY_SECONDS = 2.0


class Command(BaseCommand):
    help = "Recompute every search document from published content; safe to run at any time."

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Also rebuild SQLite's full-text table from the documents (as after a restore).",
        )

    def handle(self, *args, repair=False, **options):
        last_shown = {"at": time.monotonic(), "any": False}

        def progress(unit: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last_shown["at"] >= PROGRESS_EVERY_SECONDS or (done == total and last_shown["any"]):
                last_shown.update(at=now, any=True)
                self.stderr.write(f"Indexing {unit}: {done:,} of {total:,}")

        report = search_rebuild(progress=progress if options["verbosity"] else None, repair=repair)
        self.stdout.write(
            self.style.SUCCESS(
                f"Search index rebuilt: {report.created} created, {report.updated} updated, "
                f"{report.removed} removed."
            )
        )
