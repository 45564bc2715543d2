"""Writes to the library: adding an image, making its renditions, moving its focal point."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import Image as PILImage

from .models import Image, ImageTag, Rendition, original_name
from .renditions import encode, has_transparency, plan, prepared, resize
from .validation import image_check

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageUpload:
    """What adding a file gave: the image, and whether it is new or the same file already there."""

    image: Image
    created: bool  # False: the library already held this file, and image is that one
    gps_removed: bool  # a GPS position was taken out of this upload before it was stored


def _title_from(name: str) -> str:
    stem = PurePath(name or "").stem.replace("_", " ").replace("-", " ").strip()
    return " ".join(stem.split())[:200] or "Untitled image"


def image_create(
    *,
    file,
    title: str = "",
    uploaded_by=None,
    alt_text: str = "",
    decorative: bool = False,
    caption: str = "",
    credit: str = "",
    source_url: str = "",
    licence: str = "",
    tags: list[ImageTag] | tuple = (),
) -> ImageUpload:
    """Add an uploaded file to the library with its renditions; raise ValidationError for a bad file.

    The same file uploaded again is not stored twice: the image that holds it comes back, not created.
    Nothing is written for a refused file.
    """
    checked = image_check(file)
    existing = Image.objects.filter(content_hash=checked.content_hash).order_by("pk").first()
    if existing is not None:
        return ImageUpload(image=existing, created=False, gps_removed=checked.gps_removed)
    image = Image(
        title=title.strip()[:200] or _title_from(getattr(file, "name", "")),
        content_hash=checked.content_hash,
        width=checked.width,
        height=checked.height,
        alt_text=alt_text.strip(),
        decorative=decorative,
        caption=caption,
        credit=credit.strip(),
        source_url=source_url.strip(),
        licence=licence or Image.Licence.ALL_RIGHTS,
        gps_removed=checked.gps_removed,
        uploaded_by=uploaded_by,
    )
    written: list[str] = []
    try:
        with transaction.atomic():
            name = original_name(image, f"upload.{checked.extension}")
            if default_storage.exists(name):
                # Left by a deleted image, kept so it can be recovered: the same upload, the same bytes.
                image.file.name = name
            else:
                image.file.save(name, ContentFile(checked.content), save=False)
                written.append(image.file.name)
            image.save()
            if tags:
                image.tags.set(tags)
            written += _renditions_make(image)[1]
    except IntegrityError:
        # The same file, uploaded at the same moment by someone else, was stored first.
        _delete_files(written)
        existing = Image.objects.filter(content_hash=checked.content_hash).first()
        if existing is None:
            raise
        return ImageUpload(image=existing, created=False, gps_removed=checked.gps_removed)
    except Exception:
        _delete_files(written)
        raise
    return ImageUpload(image=image, created=True, gps_removed=checked.gps_removed)


def renditions_make(image: Image) -> list[Rendition]:
    """Make every rendition the image lacks for its focal point, drop those it no longer has; return all.

    Idempotent: an image whose renditions are all there is left as it is and nothing is encoded. A file
    is shared by every rendition of the same pixels (a logo and a portrait), and written once. Files no
    rendition uses any more are deleted once the transaction commits.
    """
    return _renditions_make(image)[0]


def _renditions_make(image: Image) -> tuple[list[Rendition], list[str]]:
    if not image.file.name:
        raise ValidationError(f"The image “{image}” has no file to make renditions from.")
    written: list[str] = []
    with transaction.atomic():
        current = {(r.spec, r.width, r.format): r for r in Rendition.objects.filter(image=image)}
        frame = None
        transparent = None
        if any(r.format == "png" for r in current.values()):
            transparent = True
        elif current:
            transparent = False
        else:
            frame = _frame(image)
            transparent = has_transparency(frame)
        wanted = plan(
            content_hash=image.content_hash,
            width=image.width,
            height=image.height,
            focal_x=image.focal_x,
            focal_y=image.focal_y,
            transparent=transparent,
        )
        kept: list[Rendition] = []
        made_here: set[str] = set()
        windows: dict = {}
        replaced: set[str] = set()  # files of renditions now made from other pixels
        for item in wanted:
            rendition = current.pop((item.role, item.width, item.format), None)
            if rendition is not None and rendition.file.name == item.name and rendition.height == item.height:
                kept.append(rendition)
                continue
            if item.name not in made_here and not default_storage.exists(item.name):
                if frame is None:
                    frame = _frame(image)
                size = (item.box, item.width, item.height)
                if size not in windows:  # one resize for every format of the same window and size
                    windows[size] = resize(frame, item.box, item.width, item.height)
                saved = default_storage.save(item.name, ContentFile(encode(windows[size], item.format)))
                if saved != item.name:  # a storage that renames would break the immutable names
                    raise RuntimeError(f"The storage saved {item.name} as {saved}.")
                written.append(item.name)
            made_here.add(item.name)
            if rendition is not None and rendition.file.name != item.name:
                replaced.add(rendition.file.name)
            if rendition is None:
                rendition = Rendition(image=image, spec=item.role, width=item.width, format=item.format)
            rendition.height = item.height
            rendition.file.name = item.name
            rendition.save()
            kept.append(rendition)
        stale = list(current.values())
        if stale:
            Rendition.objects.filter(pk__in=[r.pk for r in stale]).delete()
        names = (replaced | {r.file.name for r in stale}) - {r.file.name for r in kept}
        if names:
            transaction.on_commit(lambda: _delete_unused_files(names))
    return kept, written


def _frame(image: Image) -> PILImage.Image:
    try:
        with image.file.open("rb") as handle, PILImage.open(handle) as original:
            original.load()
            return prepared(original)
    except (OSError, PILImage.DecompressionBombError) as error:
        raise ValidationError(
            f"The original of “{image}” could not be read ({error}); its renditions were not made."
        ) from error


def _delete_unused_files(names: set[str]) -> None:
    still_used = set(Rendition.objects.filter(file__in=names).values_list("file", flat=True))
    _delete_files(sorted(names - still_used))


def _delete_files(names) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete the image file %s", name)


def image_set_focal_point(*, image: Image, focal_x: float, focal_y: float) -> list[Rendition]:
    """Move the image's focal point and crop its fixed-shape renditions around it again."""
    for axis, value in (("focal_x", focal_x), ("focal_y", focal_y)):
        if not 0 <= value <= 1:
            raise ValidationError({axis: "The focal point must lie on the image (0 to 1)."})
    with transaction.atomic():
        image.focal_x, image.focal_y = focal_x, focal_y
        image.save(update_fields=["focal_x", "focal_y", "updated_at"])
        return renditions_make(image)
