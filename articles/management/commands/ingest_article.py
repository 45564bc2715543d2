import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from articles.services import article_ingest, article_preview, article_raw_text
from articles.textpipeline import IngestInputError


class Command(BaseCommand):
    help = (
        "Ingest a raw scraped article. With --dry-run, print the ingest report as JSON and write nothing; "
        "otherwise create a draft article (--title is then required)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The raw article: a UTF-8 text file.")
        parser.add_argument("--title", help="The article's title; the raw text does not carry one.")
        parser.add_argument("--slug", help="The article's slug; made from the title when left out.")
        parser.add_argument("--dry-run", action="store_true", help="Print the report and write nothing.")

    def handle(self, *args, path, title, slug, dry_run, **options):
        if not dry_run and not (title or "").strip():
            raise CommandError("--title is required to create an article (or use --dry-run).")
        raw_text = self._read(Path(path))
        try:
            if dry_run:
                result = article_preview(raw_text=raw_text)
                self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
                self._summarise(result.to_dict())
                return
            article = article_ingest(
                raw_text=raw_text, title=title, slug=slug, revision_comment=f"Ingested {Path(path).name}"
            )
        except (IngestInputError, ValidationError) as error:
            raise CommandError(_one_line(error)) from None
        self._summarise(article.ingest_report)
        admin_url = reverse("admin:articles_article_change", args=[article.pk])
        self.stdout.write(f"Created draft “{article.title}” (slug {article.slug}): {admin_url}")

    def _read(self, path: Path) -> str:
        try:
            size = path.stat().st_size
            if path.is_dir():
                raise CommandError(f"{path} is a directory, not a file.")
            return article_raw_text(size=size, read=path.read_bytes)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        except IngestInputError as error:
            raise CommandError(f"{path}: {error}") from None

    def _summarise(self, report: dict) -> None:
        sections = report["sections"]
        paragraphs = sum(len(section["paragraphs"]) for section in sections)
        self.stderr.write(
            f"{len(sections)} sections, {paragraphs} paragraphs, {len(report['warnings'])} warnings."
        )


def _one_line(error: Exception) -> str:
    messages = error.messages if isinstance(error, ValidationError) else [str(error)]
    return " ".join(" ".join(messages).split())
