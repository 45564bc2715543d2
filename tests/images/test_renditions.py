import io
import re

import pytest
from django.core.files.storage import default_storage
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image as PILImage

from images import services
from images.cropping import crop_box, output_sizes
from images.models import Image, Rendition
from images.renditions import ROLES, modern_formats, picture, picture_document
from images.services import image_create, image_set_focal_point, renditions_make
from tests.images.support import image_bytes, make_image, quadrant_image, upload

NAME = re.compile(r"^images/renditions/[0-9a-f]{20}\.(\d+)x(\d+)\.(avif|webp|jpg|png)$")


def sizes(image, role, fmt="jpeg"):
    return [(r.width, r.height) for r in image.renditions.filter(spec=role, format=fmt).order_by("width")]


# --- The geometry, alone ---------------------------------------------------------------------------


@given(
    width=st.integers(1, 5000),
    height=st.integers(1, 5000),
    ratio=st.sampled_from([(16, 9), (1, 1), (40, 21), (3, 4)]),
    focal_x=st.floats(0, 1),
    focal_y=st.floats(0, 1),
)
def test_a_crop_window_lies_inside_the_image_and_holds_the_focal_point(
    width, height, ratio, focal_x, focal_y
):
    left, top, right, bottom = crop_box(width, height, ratio, focal_x, focal_y)
    assert 0 <= left < right <= width and 0 <= top < bottom <= height
    assert left <= focal_x * width <= right + 1 and top <= focal_y * height <= bottom + 1
    # As large as the ratio allows: one side is the image's whole side.
    assert right - left == width or bottom - top == height


def test_output_sizes_never_upscale_and_keep_the_sharpest():
    assert output_sizes((0, 0, 900, 506), (480, 800, 1200, 1600), (16, 9)) == [
        (480, 270),
        (800, 450),
        (900, 506),
    ]
    assert output_sizes((0, 0, 50, 50), (96, 192, 384), (1, 1)) == [(50, 50)]
    assert output_sizes((0, 0, 2000, 1000), (480, 800, 1200), None) == [(480, 240), (800, 400), (1200, 600)]


# --- Made on upload ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_opaque_image_has_every_role_in_modern_formats_and_jpeg():
    image = make_image(size=(520, 300))
    formats = {*modern_formats(), "jpeg"}
    for role in ("lead", "logo", "portrait", "inline"):
        assert set(image.renditions.filter(spec=role).values_list("format", flat=True)) == formats, role
    assert set(image.renditions.filter(spec="og").values_list("format", flat=True)) == {"jpeg"}
    assert sizes(image, "lead") == [(480, 270), (520, 292)]
    assert sizes(image, "inline") == [(480, 277), (520, 300)]
    assert sizes(image, "logo") == [(96, 96), (192, 192), (300, 300)]
    assert sizes(image, "og") == [(520, 273)]
    for rendition in image.renditions.all():
        match = NAME.match(rendition.file.name)
        assert match, rendition.file.name
        assert (int(match[1]), int(match[2])) == (rendition.width, rendition.height)
        with rendition.file.open("rb") as handle, PILImage.open(handle) as made:
            assert made.size == (rendition.width, rendition.height)
            assert made.format.lower() == rendition.format
            assert not made.getexif() and "icc_profile" not in made.info


@pytest.mark.django_db
def test_a_small_image_is_never_upscaled():
    image = make_image(size=(200, 100))
    assert sizes(image, "lead") == [(178, 100)]
    assert sizes(image, "inline") == [(200, 100)]
    assert sizes(image, "logo") == [(96, 96), (100, 100)]
    assert max(image.renditions.values_list("width", flat=True)) <= 200


@pytest.mark.django_db
def test_a_transparent_image_falls_back_to_png():
    content = image_bytes((60, 60), "PNG", mode="RGBA", color=(0, 0, 0, 0))
    image = image_create(file=upload("logo.png", content), alt_text="Logo").image
    formats = set(image.renditions.exclude(spec="og").values_list("format", flat=True))
    assert formats == {*modern_formats(), "png"}
    png = image.renditions.filter(format="png").first()
    with png.file.open("rb") as handle, PILImage.open(handle) as made:
        assert made.mode == "RGBA" and made.getpixel((0, 0))[3] == 0


@pytest.mark.django_db
def test_a_gif_gives_its_first_frame():
    frames = [PILImage.new("RGB", (40, 40), color) for color in ((255, 0, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    image = image_create(file=upload("blink.gif", buffer.getvalue()), alt_text="Blink").image
    jpeg = image.renditions.get(spec="inline", format="jpeg")
    with jpeg.file.open("rb") as handle, PILImage.open(handle) as made:
        red, _, blue = made.convert("RGB").getpixel((20, 20))
        assert red > 200 and blue < 60


@pytest.mark.django_db
def test_logo_and_portrait_share_their_files():
    image = make_image(size=(120, 120))
    logo = {(r.width, r.format): r.file.name for r in image.renditions.filter(spec="logo")}
    portrait = {(r.width, r.format): r.file.name for r in image.renditions.filter(spec="portrait")}
    assert logo == portrait


@pytest.mark.django_db
def test_renditions_are_made_once(monkeypatch):
    image = make_image(size=(120, 80))
    before = list(image.renditions.values_list("pk", "file"))

    def encode_refused(*args, **kwargs):
        raise AssertionError("a rendition that exists was encoded again")

    monkeypatch.setattr(services, "encode", encode_refused)
    renditions_make(image)
    renditions_make(image)
    assert list(image.renditions.values_list("pk", "file")) == before


@pytest.mark.django_db
def test_the_crop_follows_the_focal_point(django_capture_on_commit_callbacks):
    image = image_create(file=upload("halves.jpg", quadrant_image((320, 180))), alt_text="Halves").image

    def logo_centre():
        logo = image.renditions.get(spec="logo", format="jpeg", width=180)
        with logo.file.open("rb") as handle, PILImage.open(handle) as made:
            return made.convert("L").getpixel((90, 90)), logo.file.name

    with django_capture_on_commit_callbacks(execute=True):
        image_set_focal_point(image=image, focal_x=0.95, focal_y=0.5)
    right, right_name = logo_centre()
    assert right > 230  # the window moved onto the white half
    inline_names = set(image.renditions.filter(spec="inline").values_list("file", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        image_set_focal_point(image=image, focal_x=0.05, focal_y=0.5)
    left, left_name = logo_centre()
    assert left < 25  # and onto the black one
    assert left_name != right_name  # new pixels, new name: caches never keep the old crop
    assert not default_storage.exists(right_name)  # the old crop's file is gone
    # A shape the focal point does not change keeps its files.
    assert set(image.renditions.filter(spec="inline").values_list("file", flat=True)) == inline_names


@pytest.mark.django_db
def test_a_focal_point_outside_the_image_is_refused():
    image = make_image(size=(40, 40))
    with pytest.raises(Exception, match="focal point must lie on the image"):
        image_set_focal_point(image=image, focal_x=1.5, focal_y=0.5)
    image.refresh_from_db()
    assert image.focal_x == 0.5


# --- What pages and the API read -----------------------------------------------------------------


@pytest.mark.django_db
def test_picture_gives_sources_fallback_and_dimensions():
    image = make_image(size=(520, 300), alt_text="  A red field  ")
    image.credit, image.caption, image.source_url = "Photo: Test", "A caption", "https://example.org/p"
    shown = picture(image, "lead")
    assert [source.mime for source in shown.sources] == [f"image/{fmt}" for fmt in modern_formats()]
    assert (shown.width, shown.height, shown.mime) == (520, 292, "image/jpeg")
    assert shown.src.endswith(".520x292.jpg") and shown.src.startswith("/media/images/renditions/")
    assert [entry.rsplit(" ", 1)[1] for entry in shown.srcset.split(", ")] == ["480w", "520w"]
    assert all(source.srcset.count("w,") == 1 for source in shown.sources)
    assert shown.alt == "A red field" and not shown.decorative
    assert (shown.credit, shown.caption, shown.source_url) == (
        "Photo: Test",
        "A caption",
        "https://example.org/p",
    )
    assert shown.licence == "all-rights"


@pytest.mark.django_db
def test_picture_of_a_decorative_image_has_empty_alt_and_of_an_undescribed_one_is_none():
    image = make_image(size=(40, 40), alt_text="")
    assert picture(image, "inline") is None
    assert picture_document(image, "inline") is None
    image.decorative = True
    assert picture(image, "inline").alt == ""
    image.alt_text = "Not read out"
    assert picture(image, "inline").alt == ""
    assert picture(None, "lead") is None
    with pytest.raises(ValueError, match="No rendition role “banner”"):
        picture(image, "banner")


@pytest.mark.django_db
def test_picture_document_lists_every_rendition():
    image = make_image(size=(200, 200), alt_text="Logo of a firm")
    image.credit = "Press kit"
    document = picture_document(image, "logo")
    assert document["alt"] == "Logo of a firm" and document["credit"] == "Press kit"
    assert (document["width"], document["height"]) == (200, 200)
    made = image.renditions.filter(spec="logo")
    assert len(document["renditions"]) == made.count() == 3 * (len(modern_formats()) + 1)
    entry = document["renditions"][0]
    assert set(entry) == {"url", "width", "height", "format", "mime"}
    assert entry["mime"] == f"image/{entry['format']}" and entry["url"].startswith("/media/")


@pytest.mark.django_db
def test_prefetched_renditions_cost_no_query_per_image(django_assert_num_queries):
    for colour in range(3):
        make_image(f"p{colour}.jpg", size=(60, 40), color=(colour * 80, 0, 0))
    with django_assert_num_queries(2):
        images = list(Image.objects.with_renditions())
    assert len(images) == 3
    with django_assert_num_queries(0):
        shown = [picture(image, role) for image in images for role in ROLES]
        documents = [picture_document(image, "lead") for image in images]
    assert all(shown) and all(documents)


@pytest.mark.django_db
def test_the_picture_tag_renders_sources_and_an_img_without_layout_shift():
    image = make_image(size=(160, 90), alt_text='A "quoted" field')
    html = Template('{% load images %}{% picture image "lead" sizes="100vw" lazy=True %}').render(
        Context({"image": image})
    )
    assert html.startswith("<picture>") and html.endswith("</picture>")
    assert '<source type="image/avif"' in html or not modern_formats()
    assert 'sizes="100vw"' in html and 'loading="lazy"' in html and 'decoding="async"' in html
    assert 'width="160" height="90"' in html and 'alt="A &quot;quoted&quot; field"' in html
    eager = Template('{% load images %}{% picture image "lead" %}').render(Context({"image": image}))
    assert "loading=" not in eager and 'fetchpriority="high"' in eager
    image.alt_text = ""
    assert Template('{% load images %}{% picture image "lead" %}').render(Context({"image": image})) == ""


# --- Serving -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_renditions_are_served_immutable_and_originals_never(client):
    image = make_image(size=(60, 40))
    rendition = image.renditions.filter(format="webp").first() or image.renditions.first()
    response = client.get(rendition.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == f"image/{rendition.format}"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content)[:4] != b""
    assert client.get(f"/media/{image.file.name}").status_code == 404
    assert client.get("/media/images/renditions/..%2F..%2Fsettings.py").status_code == 404
    assert client.get("/media/images/renditions/0123456789abcdef0123.10x10.jpg").status_code == 404
    assert client.post(rendition.file.url).status_code == 405


@pytest.mark.django_db
def test_renditions_of_a_deleted_image_go_with_it():
    image = make_image(size=(40, 40))
    image.delete()
    assert Rendition.objects.count() == 0
