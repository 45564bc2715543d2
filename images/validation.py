"""What an uploaded file must be to enter the library, and what is taken out of it before it is stored.

A file is accepted only when Pillow reads it whole as one of `ALLOWED_FORMATS`, whatever its name says:
`verify()` checks its structure and a full `load()` decodes every pixel, so a truncated or corrupt file
is refused, not stored half-readable. Limits (settings): `IMAGE_MAX_BYTES` for the file and
`IMAGE_MAX_PIXELS` for width × height; Pillow's own `Image.MAX_IMAGE_PIXELS` is set to the same number
when the app starts (`images.apps`), and its decompression-bomb warning counts as a refusal here. SVG is
refused outright: it is a document that can carry scripts, and the library never stores or serves one.

A GPS position, in EXIF or XMP, is removed from the original before it is stored (the file is saved
again without it, in its own format) and the image is marked `gps_removed` so the editor is told.
Originals are never served; every reader and editor sees renditions, which carry no metadata at all.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import ExifTags, Image, ImageFile, UnidentifiedImageError, features

from .renditions import has_transparency

# Pillow's format names, and the extension each is stored under. MPO is how Pillow names the JPEG of
# many phone cameras (a JPEG with a second, preview picture).
_FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "AVIF": "avif"}
_SAVED_AS = {"MPO": "JPEG"}
_GPS_IN_XMP = (b"exif:GPSLatitude", b"exif:GPSLongitude", b"GPSLatitude", b"GPSLongitude")


def allowed_formats() -> dict[str, str]:
    """Return the formats accepted (Pillow's name → stored extension); AVIF only when Pillow reads it."""
    return {name: ext for name, ext in _FORMATS.items() if name != "AVIF" or features.check("avif")}


def allowed_formats_text() -> str:
    names = sorted({"JPEG" if name == "MPO" else name for name in allowed_formats()})
    return ", ".join(names[:-1]) + f" or {names[-1]}"


@dataclass(frozen=True)
class CheckedImage:
    """An upload that passed every check: what to store and what the record says of it."""

    content: bytes  # the bytes to store: the upload itself, or saved again without its GPS position
    content_hash: str  # SHA-256 of the upload as received, so the same file uploaded twice is found
    format: str  # Pillow's name
    extension: str
    width: int  # upright, as shown (EXIF orientation applied)
    height: int
    gps_removed: bool
    transparent: bool


def _refuse(name: str, reason: str) -> ValidationError:
    return ValidationError(f"“{name}” was not added: {reason}", code="invalid_image")


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    # A markup document, whatever its name: raster formats start with their own binary signature.
    return text.startswith(b"<") and b"<svg" in text


def _has_gps(image: Image.Image) -> bool:
    exif = image.getexif()
    if exif.get(ExifTags.Base.GPSInfo) is not None or exif.get_ifd(ExifTags.IFD.GPSInfo):
        return True
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    if isinstance(xmp, str):
        xmp = xmp.encode()
    return any(marker in xmp for marker in _GPS_IN_XMP)


def _without_gps(image: Image.Image, fmt: str) -> bytes:
    """Return image saved again in its format with its EXIF minus the GPS block, and no XMP."""
    exif = image.getexif()
    exif.pop(ExifTags.Base.GPSInfo, None)
    icc = image.info.get("icc_profile")
    image.info = {}
    options: dict = {"exif": exif.tobytes()}
    if icc:
        options["icc_profile"] = icc
    if fmt in ("JPEG", "WEBP", "AVIF"):
        options["quality"] = 95
    if fmt == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def image_check(upload, *, name: str | None = None) -> CheckedImage:
    """Return what an uploaded file holds, or raise ValidationError saying in words why it is refused."""
    name = name or getattr(upload, "name", "") or "The file"
    max_bytes = settings.IMAGE_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _refuse(name, f"it is {filesizeformat(size)}, over the limit of {filesizeformat(max_bytes)}.")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _refuse(name, f"it is over the limit of {filesizeformat(max_bytes)}.")
    if not data:
        raise _refuse(name, "the file is empty.")
    if _looks_like_svg(data[:2048]):
        raise _refuse(
            name,
            "SVG drawings are not accepted, since they can carry scripts. "
            f"Export it as {allowed_formats_text()} first.",
        )
    formats = allowed_formats()
    max_pixels = settings.IMAGE_MAX_PIXELS
    # A truncated file must fail, never be padded out with grey.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in formats:
                    raise _refuse(name, f"it is a {fmt} file; the library takes {allowed_formats_text()}.")
                if probe.width * probe.height > max_pixels:
                    raise _refuse(name, _too_many_pixels(probe.width, probe.height, max_pixels))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                gps = _has_gps(image)
                orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
                width, height = (image.height, image.width) if orientation in (5, 6, 7, 8) else image.size
                transparent = has_transparency(image)
                content = _without_gps(image, _SAVED_AS.get(fmt, fmt)) if gps else data
    except ValidationError:
        raise
    except UnidentifiedImageError:
        raise _refuse(
            name, f"it is not an image, whatever its name says; the library takes {allowed_formats_text()}."
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(name, _too_many_pixels(None, None, max_pixels)) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as error:
        raise _refuse(name, f"the image is damaged or incomplete ({error}). Export it again.") from None
    return CheckedImage(
        content=content,
        content_hash=hashlib.sha256(data).hexdigest(),
        format=fmt,
        extension=formats[fmt],
        width=width,
        height=height,
        gps_removed=gps,
        transparent=transparent,
    )


def _too_many_pixels(width, height, limit) -> str:
    megapixels = f"{limit / 1_000_000:g} megapixels"
    if width is None:
        return f"it has more pixels than the limit of {megapixels} (it may be a decompression bomb)."
    return f"it is {width} × {height} pixels, over the limit of {megapixels}. Make it smaller first."
