"""Images the library's tests make themselves with Pillow: small, so each test takes milliseconds."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags
from PIL import Image as PILImage

from images.services import image_create


def image_bytes(size=(64, 48), fmt="JPEG", color=(200, 40, 40), mode="RGB", exif=None, **options) -> bytes:
    image = PILImage.new(mode, size, color)
    buffer = io.BytesIO()
    if exif is not None:
        options["exif"] = exif
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def upload(name="photo.jpg", content: bytes | None = None, **image_options) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else image_bytes(**image_options))


def gps_exif() -> PILImage.Exif:
    """EXIF with a camera model and a GPS position (25.03° N, 121.56° E)."""
    exif = PILImage.Exif()
    exif[ExifTags.Base.Model] = "Test camera"
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (25.0, 2.0, 0.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (121.0, 33.0, 36.0),
    }
    return exif


def make_image(name="photo.jpg", *, alt_text="A red square", **image_options):
    """Add an image to the library through the upload service, with alt text unless told otherwise."""
    result = image_create(file=upload(name, **image_options), alt_text=alt_text)
    return result.image


def quadrant_image(size=(320, 180)) -> bytes:
    """A JPEG whose left half is black and right half white: where a crop falls shows in its pixels."""
    image = PILImage.new("RGB", size, (0, 0, 0))
    image.paste((255, 255, 255), (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()
