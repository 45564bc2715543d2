import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import ExifTags, PngImagePlugin
from PIL import Image as PILImage

from images.models import Image, Rendition
from images.services import image_create
from images.validation import image_check
from tests.images.support import gps_exif, image_bytes, upload

pytestmark = pytest.mark.django_db


def stored_files() -> set[str]:
    found = set()
    for folder in ("images/originals", "images/renditions"):
        if default_storage.exists(folder):
            found |= {f"{folder}/{name}" for name in default_storage.listdir(folder)[1]}
    return found


def refused(file) -> str:
    """Upload file, assert nothing was written, and return the message the editor reads."""
    before = stored_files()
    with pytest.raises(ValidationError) as caught:
        image_create(file=file)
    assert Image.objects.count() == 0
    assert Rendition.objects.count() == 0
    assert stored_files() == before
    return " ".join(caught.value.messages)


def png_bomb_header(width=50_000, height=50_000) -> bytes:
    """A PNG that claims width × height pixels in a few dozen bytes: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def test_a_text_file_named_jpg_is_not_an_image():
    message = refused(upload("notes.jpg", b"Meeting notes, not a photograph.\n" * 20))
    assert "“notes.jpg” was not added" in message
    assert "not an image, whatever its name says" in message


def test_a_truncated_jpeg_is_refused_as_damaged():
    whole = image_bytes(size=(120, 90), color=(10, 120, 200))
    message = refused(upload("cut.jpg", whole[: len(whole) * 2 // 3]))
    assert "damaged or incomplete" in message


def test_a_corrupt_png_is_refused():
    whole = bytearray(image_bytes(fmt="PNG", size=(40, 40)))
    whole[40:60] = b"\xff" * 20  # inside IHDR/IDAT: the CRC no longer matches
    message = refused(upload("broken.png", bytes(whole)))
    assert "was not added" in message


def test_an_svg_is_refused_whatever_its_name():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert "SVG drawings are not accepted" in refused(upload("logo.svg", svg))
    assert "SVG drawings are not accepted" in refused(upload("logo.png", b"<svg onload='x()'></svg>"))


def test_a_decompression_bomb_header_is_refused_before_decoding():
    message = refused(upload("bomb.png", png_bomb_header()))
    assert "more pixels than the limit of 40 megapixels" in message


def test_pillow_bomb_guard_holds_at_the_library_limit(settings):
    assert PILImage.MAX_IMAGE_PIXELS == settings.IMAGE_MAX_PIXELS
    # Our own pixel check is turned off here, so what refuses is Pillow's decompression-bomb guard.
    settings.IMAGE_MAX_PIXELS = 10**12
    message = refused(upload("bomb.png", png_bomb_header(12_000, 12_000)))
    assert "decompression bomb" in message


def test_over_the_pixel_limit_is_refused(settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100
    assert "over the limit of 0.01 megapixels" in refused(upload("big.png", image_bytes((200, 100), "PNG")))


def test_over_the_byte_limit_is_refused(settings):
    settings.IMAGE_MAX_BYTES = 1000
    content = image_bytes((200, 200), "PNG", mode="RGB", color=None)
    noisy = PILImage.effect_noise((200, 200), 80).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    content = buffer.getvalue()
    assert len(content) > 1000
    assert "over the limit of 1000" in refused(upload("noise.png", content))


def test_a_format_outside_the_list_is_refused():
    buffer = io.BytesIO()
    PILImage.new("RGB", (20, 20)).save(buffer, "BMP")
    assert "it is a BMP file" in refused(upload("old.bmp", buffer.getvalue()))


def test_an_empty_file_is_refused():
    assert "empty" in refused(upload("nothing.jpg", b""))


@pytest.mark.parametrize(
    "fmt,name",
    [("JPEG", "a.jpg"), ("PNG", "a.png"), ("WEBP", "a.webp"), ("GIF", "a.gif"), ("AVIF", "a.avif")],
)
def test_each_allowed_format_is_accepted(fmt, name):
    checked = image_check(upload(name, image_bytes((30, 20), fmt, mode="P" if fmt == "GIF" else "RGB")))
    assert (checked.format, checked.width, checked.height) == (fmt, 30, 20)
    assert not checked.gps_removed


def test_gps_is_removed_from_the_stored_original_and_the_editor_told():
    content = image_bytes((60, 40), exif=gps_exif())
    with PILImage.open(io.BytesIO(content)) as sent:
        assert sent.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test file does carry a position
    result = image_create(file=upload("holiday.jpg", content), alt_text="A beach")
    image = result.image
    assert result.gps_removed and image.gps_removed
    with image.file.open("rb") as handle, PILImage.open(handle) as stored:
        exif = stored.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert ExifTags.Base.GPSInfo not in exif
        assert exif.get(ExifTags.Base.Model) == "Test camera"  # only the position goes
    for rendition in image.renditions.all():
        with rendition.file.open("rb") as handle, PILImage.open(handle) as shown:
            assert not shown.getexif(), rendition
            assert "exif" not in shown.info


def test_an_image_without_gps_is_stored_as_sent():
    content = image_bytes((60, 40))
    image = image_create(file=upload("plain.jpg", content), alt_text="Plain").image
    assert not image.gps_removed
    with image.file.open("rb") as handle:
        assert handle.read() == content


def test_the_same_file_twice_is_one_image():
    content = image_bytes((50, 50), color=(1, 2, 3))
    first = image_create(file=upload("one.jpg", content))
    files = stored_files()
    second = image_create(file=upload("renamed-copy.jpg", content))
    assert first.created and not second.created
    assert second.image == first.image
    assert Image.objects.count() == 1
    assert stored_files() == files


def test_the_original_is_named_by_its_content_not_the_upload_name():
    image = image_create(file=upload("../../etc/passwd.jpg")).image
    assert image.file.name == f"images/originals/{image.content_hash[:32]}.jpg"
    assert image.title == "passwd"


def test_exif_orientation_gives_upright_dimensions():
    exif = PILImage.Exif()
    exif[ExifTags.Base.Orientation] = 6  # turned a quarter: shown 40 wide and 60 high
    image = image_create(file=upload("turned.jpg", image_bytes((60, 40), exif=exif))).image
    assert (image.width, image.height) == (40, 60)
    inline = image.renditions.get(spec="inline", format="jpeg")
    assert (inline.width, inline.height) == (40, 60)
    with inline.file.open("rb") as handle, PILImage.open(handle) as shown:
        assert shown.size == (40, 60)


def test_uploading_a_deleted_images_file_again_reuses_what_is_stored():
    content = image_bytes((44, 33), color=(9, 99, 199))
    first = image_create(file=upload("a.jpg", content)).image
    name = first.file.name
    first.delete()
    again = image_create(file=upload("b.jpg", content))
    assert again.created and again.image.file.name == name
    with again.image.file.open("rb") as handle:
        assert handle.read() == content


def test_a_gps_position_in_xmp_is_removed_too():
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="25,2.0N" '
        'exif:GPSLongitude="121,33.6E"/></rdf:RDF></x:xmpmeta>'
    )
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp)
    buffer = io.BytesIO()
    PILImage.new("RGB", (30, 20), (5, 5, 5)).save(buffer, "PNG", pnginfo=info)
    result = image_create(file=upload("map.png", buffer.getvalue()), alt_text="A map")
    assert result.gps_removed
    with result.image.file.open("rb") as handle:
        stored = handle.read()
    assert b"GPSLatitude" not in stored and b"xmpmeta" not in stored
