"""Publish a copy of the seed article with a lead image and its screenshot, for the benchmark's image targets.

    DATABASE_URL=… .venv/bin/python bench/illustrate.py

The copy has the seed's sections and paragraphs, a lead image and an image in the seed's caption paragraph
(the screenshot the scrape dropped), both made here with Pillow and added through the library's upload
service, so their renditions are the ones an editor's upload makes. The benchmark's `article-image` and
`api-article-image` targets read it beside the seed's own page, which has no image: the two show what an
image costs a reader's request. Run again, it does nothing. Prints the copy's slug.
"""

import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import transaction  # noqa: E402
from PIL import Image as PILImage  # noqa: E402
from PIL import ImageDraw  # noqa: E402

from articles import workflow  # noqa: E402
from articles.models import Article, Paragraph, Section  # noqa: E402
from bench.load import SEED_ARTICLE  # noqa: E402
from images.services import image_create  # noqa: E402

ILLUSTRATED = f"{SEED_ARTICLE}-illustrated"


def _picture(name: str, size: tuple[int, int], colour: tuple[int, int, int]) -> SimpleUploadedFile:
    image = PILImage.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):  # stripes, so the encoders have detail to keep
        draw.line([(x, 0), (x + size[1], size[1])], fill=(255 - colour[0], 200, 90), width=12)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def illustrate() -> str:
    if Article.objects.filter(slug=ILLUSTRATED, live_version__isnull=False).exists():
        return ILLUSTRATED
    seed = Article.objects.get(slug=SEED_ARTICLE)
    editor, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True, "is_superuser": True}
    )
    with transaction.atomic():
        Article.objects.filter(slug=ILLUSTRATED).delete()
        copy = Article.objects.create(
            title=f"{seed.title}（配圖）",
            slug=ILLUSTRATED,
            summary=seed.summary,
            language=seed.language,
            **{field: getattr(seed, field) for field in Article.PROVENANCE_FIELDS},
            lead_image=image_create(
                file=_picture("bench-lead.jpg", (1920, 1080), (30, 60, 120)), alt_text="發佈會現場"
            ).image,
        )
        copy.topics.set(seed.topics.all())
        phone_screen = _picture("bench-screenshot.jpg", (1170, 2532), (200, 40, 40))
        screenshot = image_create(file=phone_screen, alt_text="App Store 的評分截圖").image
        for section in Section.objects.filter(article=seed).prefetch_related("paragraphs"):
            new_section = Section.objects.create(
                article=copy, position=section.position, heading=section.heading
            )
            Paragraph.objects.bulk_create(
                Paragraph(
                    section=new_section,
                    position=paragraph.position,
                    kind=paragraph.kind,
                    text=paragraph.text,
                    image=screenshot if paragraph.kind == Paragraph.Kind.IMAGE else None,
                )
                for paragraph in section.paragraphs.all()
            )
        workflow.article_publish(article=copy, user=editor)
    return ILLUSTRATED


if __name__ == "__main__":
    print(illustrate())
