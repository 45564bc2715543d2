"""Delete previewed imports that were never confirmed."""

from datetime import timedelta

from django.conf import settings
from django.core.management import BaseCommand

from exchange.storage import pending_imports_purge


class Command(BaseCommand):
    help = (
        "Delete pending imports (uploaded and previewed, never confirmed) older than "
        "IMPORTS_PENDING_MAX_AGE seconds, or --older-than SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=None, metavar="SECONDS")

    def handle(self, *args, older_than=None, **options):
        seconds = settings.IMPORTS_PENDING_MAX_AGE if older_than is None else older_than
        deleted = pending_imports_purge(older_than=timedelta(seconds=seconds))
        self.stdout.write(f"{deleted} pending import(s) older than {seconds} s deleted.")
