"""Announce in the change feed every record the public API serves that the feed has not announced yet.

Run once after installing (or after loading data with `loaddata`, which sends no change signals); running
it again announces nothing new, since recording compares each record with what the feed last said.
"""

from django.core.management.base import BaseCommand

from articles.models import ArticleVersion
from integrations.changes import changes_record
from integrations.documents import Record
from integrations.models import Kind
from landscape.models import Company, Figure, Person, Quote


class Command(BaseCommand):
    help = "Record a published event for every public record the change feed has not announced."

    def handle(self, *args, **options):
        sources = [
            (Kind.ARTICLE, ArticleVersion.objects.live().values_list("article_id", flat=True)),
            (Kind.COMPANY, Company.objects.published().values_list("pk", flat=True)),
            (Kind.PERSON, Person.objects.published().values_list("pk", flat=True)),
            (Kind.QUOTE, Quote.objects.values_list("pk", flat=True)),
            (Kind.FIGURE, Figure.objects.values_list("pk", flat=True)),
        ]
        total = 0
        for kind, ids in sources:
            events = changes_record(Record(kind, pk) for pk in ids.iterator())
            total += len(events)
            self.stdout.write(f"{kind}: {len(events)} announced")
        self.stdout.write(self.style.SUCCESS(f"{total} events recorded."))
