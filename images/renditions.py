"""Named rendition roles, the files they are made as, and what a template or the API shows of them.

The public interface for every page and endpoint that shows an image:

- `ROLES`: the named specs (`lead`, `logo`, `portrait`, `inline`, `og`).
- `picture(image, role)`: a `Picture` for the `images/_picture.html` include, or None.
- `picture_document(image, role)`: the same as plain data for the API, or None.

Both read renditions already made (`images.services.renditions_make`, on upload and when the focal
point moves); nothing here makes a file. Prefetch `renditions` (`Image.objects.with_renditions()`, or
`prefetch_related("lead_image__renditions")` from the record that points at the image) and neither
runs a query. An image a reader may not be shown (no alt text and not decorative) gives None.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache

from PIL import Image as PILImage
from PIL import ImageOps, features

from .cropping import Box, crop_box, output_sizes


@dataclass(frozen=True)
class Role:
    """How an image is shown in one place: its shape, the widths made, and which formats."""

    name: str
    widths: tuple[int, ...]
    ratio: tuple[int, int] | None = None  # None keeps the original's shape
    formats: tuple[str, ...] | None = None  # None: every modern format Pillow can write, and a fallback


ROLES: dict[str, Role] = {
    role.name: role
    for role in (
        Role("lead", (480, 800, 1200, 1600), ratio=(16, 9)),
        Role("logo", (96, 192, 384), ratio=(1, 1)),
        Role("portrait", (96, 192, 384), ratio=(1, 1)),
        Role("inline", (480, 800, 1200)),
        # OpenGraph and JSON-LD: one JPEG every crawler reads, 1200×630 when the original allows.
        Role("og", (1200,), ratio=(40, 21), formats=("jpeg",)),
    )
}

MIME_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
EXTENSIONS = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png"}
# Most compact first: a browser takes the first <source> it can show.
MODERN_FORMATS = ("avif", "webp")
_SAVE_OPTIONS = {
    "avif": {"quality": 60, "speed": 8},
    "webp": {"quality": 80, "method": 4},
    "jpeg": {"quality": 82, "optimize": True, "progressive": True},
    "png": {"optimize": True},
}


@cache
def modern_formats() -> tuple[str, ...]:
    """Return the modern formats the installed Pillow can write, most compact first."""
    return tuple(name for name in MODERN_FORMATS if features.check(name))


def has_transparency(image: PILImage.Image) -> bool:
    """Tell whether any pixel of image is not fully opaque."""
    if image.mode == "P":
        if "transparency" not in image.info:
            return False
        image = image.convert("RGBA")
    if image.mode not in ("RGBA", "LA", "PA", "La", "RGBa"):
        return False
    return image.getchannel("A").getextrema()[0] < 255


def formats_for(role: Role, transparent: bool) -> tuple[str, ...]:
    """Return the formats role is made in for an image: modern ones, then the fallback last."""
    if role.formats is not None:
        return role.formats
    return (*modern_formats(), "png" if transparent else "jpeg")


@dataclass(frozen=True)
class PlannedRendition:
    role: str
    format: str
    width: int
    height: int
    box: Box
    name: str  # the storage name, unique to the pixels it holds


def plan(
    *, content_hash: str, width: int, height: int, focal_x: float, focal_y: float, transparent: bool
) -> list[PlannedRendition]:
    """Return every rendition an image of this size, focal point and transparency is made as."""
    planned = []
    for role in ROLES.values():
        box = crop_box(width, height, role.ratio, focal_x, focal_y)
        for out_w, out_h in output_sizes(box, role.widths, role.ratio):
            for fmt in formats_for(role, transparent):
                planned.append(
                    PlannedRendition(
                        role=role.name,
                        format=fmt,
                        width=out_w,
                        height=out_h,
                        box=box,
                        name=rendition_name(content_hash, box, out_w, out_h, fmt),
                    )
                )
    return planned


def rendition_name(content_hash: str, box: Box, width: int, height: int, fmt: str) -> str:
    """Return the storage name of a rendition: it changes whenever its pixels would.

    Named by the original's hash and the crop window, so two roles of the same shape share a file and a
    moved focal point gives new names, which lets every rendition be cached for a year as immutable.
    """
    key = f"{content_hash}:{','.join(map(str, box))}:{_SAVE_OPTIONS[fmt]}".encode()
    digest = hashlib.sha256(key).hexdigest()[:20]
    return f"images/renditions/{digest}.{width}x{height}.{EXTENSIONS[fmt]}"


def prepared(original: PILImage.Image) -> PILImage.Image:
    """Return the first frame upright (EXIF orientation applied) in RGB or RGBA, with no metadata."""
    original.seek(0)
    frame = ImageOps.exif_transpose(original)
    frame = frame.convert("RGBA" if has_transparency(frame) else "RGB")
    frame.info = {}
    return frame


def resize(frame: PILImage.Image, box: Box, width: int, height: int) -> PILImage.Image:
    """Return the window box of a prepared frame at width × height, with no metadata."""
    resized = frame.resize((width, height), PILImage.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    resized.info = {}  # nothing of the original (EXIF, GPS, XMP, comments) reaches a rendition
    return resized


def encode(resized: PILImage.Image, fmt: str) -> bytes:
    """Return the bytes of one rendition of a resized window in format fmt."""
    if fmt == "jpeg" and resized.mode != "RGB":
        resized = resized.convert("RGB")
    buffer = io.BytesIO()
    resized.save(buffer, format=fmt.upper(), **_SAVE_OPTIONS[fmt])
    return buffer.getvalue()


# --- What pages and the API show ------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One <source> of a <picture>: a modern format and its sizes."""

    mime: str
    srcset: str


@dataclass(frozen=True)
class Picture:
    """What a page needs to show one image in one role without layout shift."""

    sources: tuple[Source, ...]
    src: str  # the largest fallback (JPEG or PNG) rendition
    srcset: str  # every fallback rendition
    mime: str  # of src
    width: int  # of src, so the browser reserves the right box before the file arrives
    height: int
    alt: str  # "" when decorative
    decorative: bool
    credit: str
    caption: str
    source_url: str
    licence: str
    licence_label: str


def _renditions(image, role: str) -> list:
    cached = getattr(image, "_prefetched_objects_cache", {}).get("renditions")
    if cached is not None:
        found = [r for r in cached if r.spec == role]
    else:
        found = list(image.renditions.filter(spec=role))
    return sorted(found, key=lambda r: (r.width, r.format))


def _presentable(image) -> bool:
    return bool(image.decorative or image.alt_text.strip())


def _role(role: str) -> Role:
    try:
        return ROLES[role]
    except KeyError:
        raise ValueError(f"No rendition role “{role}”; the roles are {', '.join(ROLES)}.") from None


def _srcset(renditions) -> str:
    return ", ".join(f"{r.file.url} {r.width}w" for r in renditions)


def picture(image, role: str) -> Picture | None:
    """Return how image is shown in role, or None when there is nothing a reader may be shown.

    None for no image, an image with neither alt text nor the decorative mark, or one whose renditions
    for the role are not made.
    """
    spec = _role(role)
    if image is None or not _presentable(image):
        return None
    return _picture(image, _renditions(image, spec.name))


def _picture(image, renditions: list) -> Picture | None:
    fallback = [r for r in renditions if r.format not in MODERN_FORMATS]
    if not fallback:
        return None
    largest = fallback[-1]
    sources = tuple(
        Source(mime=MIME_TYPES[fmt], srcset=_srcset([r for r in renditions if r.format == fmt]))
        for fmt in MODERN_FORMATS
        if any(r.format == fmt for r in renditions)
    )
    return Picture(
        sources=sources,
        src=largest.file.url,
        srcset=_srcset(fallback),
        mime=MIME_TYPES[largest.format],
        width=largest.width,
        height=largest.height,
        alt="" if image.decorative else image.alt_text.strip(),
        decorative=image.decorative,
        credit=image.credit,
        caption=image.caption,
        source_url=image.source_url,
        licence=str(image.licence),
        licence_label=image.get_licence_display(),
    )


def picture_document(image, role: str) -> dict | None:
    """Return image in role as plain data for the API: every rendition, alt text and credit; or None."""
    spec = _role(role)
    if image is None or not _presentable(image):
        return None
    renditions = _renditions(image, spec.name)
    shown = _picture(image, renditions)
    if shown is None:
        return None
    return {
        "role": role,
        "url": shown.src,
        "width": shown.width,
        "height": shown.height,
        "mime": shown.mime,
        "alt": shown.alt,
        "decorative": shown.decorative,
        "caption": shown.caption,
        "credit": shown.credit,
        "source_url": shown.source_url,
        "licence": shown.licence,
        "licence_label": shown.licence_label,
        "renditions": [
            {
                "url": r.file.url,
                "width": r.width,
                "height": r.height,
                "format": r.format,
                "mime": MIME_TYPES[r.format],
            }
            for r in renditions
        ],
    }
