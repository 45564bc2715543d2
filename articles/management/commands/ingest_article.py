"""Ingest raw scraped articles: one file with its title, or a week's scrapes at once.

    manage.py ingest_article raw.txt --title "標題"            # one draft, as before
    manage.py ingest_article scrapes/ more.txt                # every .txt in the folder, and the file
    manage.py ingest_article scrapes/ --dry-run               # the reports as JSON; nothing written

With several files (or a folder), each file's title is its name without the extension, and each is its
own all-or-nothing ingest: a file that is refused (unreadable, not UTF-8, no paragraphs) is named with
its reason and never stops the others. Progress goes to stderr, one summary line per file to stdout,
and the exit status is non-zero when any file was refused.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from articles.services import article_ingest, article_preview, article_raw_text
from articles.textpipeline import IngestInputError

# What a folder holds that is a raw article.
RAW_SUFFIXES = (".txt",)


class Command(BaseCommand):
    help = (
        "Ingest raw scraped articles: one UTF-8 text file with --title, or several files and folders (each "
        "titled by its file name). With --dry-run, print the ingest reports as JSON and write nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", metavar="path", help="A raw article file, or a folder of them."
        )
        parser.add_argument("--title", help="The article's title (one file only); the raw text carries none.")
        parser.add_argument(
            "--slug", help="The article's slug (one file only); made from the title if left out."
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the reports and write nothing.")

    def handle(self, *args, paths, title, slug, dry_run, **options):
        files = self._files([Path(path) for path in paths])
        single = len(paths) == 1 and not Path(paths[0]).is_dir()
        if single:
            self._one(files[0], title=title, slug=slug, dry_run=dry_run)
            return
        if title or slug:
            raise CommandError(
                "--title and --slug name one article: with several files, each takes its name."
            )
        self._batch(files, dry_run=dry_run)

    # --- One file, as an editor types its title ------------------------------------------------------------

    def _one(self, path: Path, *, title, slug, dry_run) -> None:
        if not dry_run and not (title or "").strip():
            raise CommandError("--title is required to create an article (or use --dry-run).")
        try:
            raw_text = self._read(path)
            if dry_run:
                result = article_preview(raw_text=raw_text)
                self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
                self.stderr.write(_counts(result.to_dict()))
                return
            article = article_ingest(
                raw_text=raw_text, title=title, slug=slug, revision_comment=f"Ingested {path.name}"
            )
        except (IngestInputError, ValidationError) as error:
            raise CommandError(_one_line(error)) from None
        self.stderr.write(_counts(article.ingest_report))
        admin_url = reverse("admin:articles_article_change", args=[article.pk])
        self.stdout.write(f"Created draft “{article.title}” (slug {article.slug}): {admin_url}")

    # --- Several files: each on its own --------------------------------------------------------------------

    def _batch(self, files: list[Path], *, dry_run: bool) -> None:
        refused, reports = 0, []
        for number, path in enumerate(files, start=1):
            self.stderr.write(f"[{number}/{len(files)}] {_bar(number, len(files))} {path.name}")
            try:
                raw_text = self._read(path)
                if dry_run:
                    report = article_preview(raw_text=raw_text).to_dict()
                    reports.append({"file": str(path), "report": report})
                    line = f"would create “{path.stem}”: {_counts(report)}"
                else:
                    article = article_ingest(
                        raw_text=raw_text, title=path.stem, revision_comment=f"Ingested {path.name}"
                    )
                    admin_url = reverse("admin:articles_article_change", args=[article.pk])
                    counts = _counts(article.ingest_report)
                    line = f"created “{article.title}” (slug {article.slug}): {counts} {admin_url}"
            except (IngestInputError, ValidationError, CommandError) as error:
                refused += 1
                line = f"refused: {_one_line(error).removeprefix(f'{path}: ')}"
            self.stdout.write(f"{path}: {line}")
        if dry_run:
            self.stdout.write(json.dumps(reports, ensure_ascii=False, indent=2))
        if refused:
            raise CommandError(
                f"{refused} of {len(files)} files were refused; "
                f"the others were {'checked' if dry_run else 'ingested'}."
            )

    # --- Reading ------------------------------------------------------------------------------------------

    def _files(self, paths: list[Path]) -> list[Path]:
        files = []
        for path in paths:
            if path.is_dir():
                found = sorted(child for child in path.iterdir() if child.suffix.lower() in RAW_SUFFIXES)
                if not found:
                    raise CommandError(f"{path} holds no raw article (no {', '.join(RAW_SUFFIXES)} file).")
                files += found
            else:
                files.append(path)
        return files

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


def _counts(report: dict) -> str:
    sections = report["sections"]
    paragraphs = sum(len(section["paragraphs"]) for section in sections)
    return f"{len(sections)} sections, {paragraphs} paragraphs, {len(report['warnings'])} warnings."


def _bar(done: int, total: int, width: int = 20) -> str:
    filled = round(width * done / total)
    return "[" + "#" * filled + "." * (width - filled) + "]"


def _one_line(error: Exception) -> str:
    messages = error.messages if isinstance(error, ValidationError) else [str(error)]
    return " ".join(" ".join(messages).split())
