"""The media library in real headless Chromium: drop two images, open one, click its focal point, save."""

import base64

import pytest
from django.urls import reverse

from images.models import Image
from tests.browser.support import DESKTOP, axe_violations
from tests.images.support import image_bytes, quadrant_image

pytestmark = pytest.mark.django_db(transaction=True)

DROP_JS = """
([names, payloads]) => {
  const transfer = new DataTransfer();
  names.forEach((name, index) => {
    const bytes = Uint8Array.from(atob(payloads[index]), character => character.charCodeAt(0));
    transfer.items.add(new File([bytes], name, {type: "image/jpeg"}));
  });
  const zone = document.querySelector("[data-drop-zone]");
  zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
  zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
  return document.querySelector(".image-upload-input").files.length;
}
"""


@pytest.fixture
def editor_page(staff_page):
    return staff_page("image-editor", "Editor", viewport=DESKTOP)


def test_an_editor_drops_two_images_and_sets_the_focal_point_of_one(editor_page, live_server):
    page = editor_page
    page.goto(live_server.url + reverse("admin:images_image_upload"))
    files = {
        "halves.jpg": quadrant_image((320, 180)),
        "green.jpg": image_bytes((120, 80), color=(20, 160, 40)),
    }
    payloads = [base64.b64encode(content).decode() for content in files.values()]
    assert axe_violations(page) == []
    assert page.evaluate(DROP_JS, [list(files), payloads]) == 2
    assert page.locator("[data-drop-list] li").count() == 2
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    with page.expect_navigation():
        page.click("#content input[type=submit]")
    assert page.locator(".messagelist .success").count() == 2
    assert len(posts) == 2  # a request per file, so none makes a whole batch's renditions
    assert sorted(Image.objects.values_list("title", flat=True)) == ["green", "halves"]

    image = Image.objects.get(title="halves")
    lead_before = set(image.renditions.filter(spec="lead").values_list("file", flat=True))
    square_before = set(image.renditions.filter(spec="logo").values_list("file", flat=True))
    page.click(f"a[href='{reverse('admin:images_image_change', args=[image.pk])}'] >> nth=0")
    picture = page.locator(".focal-point img")
    picture.wait_for()
    # The tags box is Django's own autocomplete widget, whose search field axe finds unlabelled.
    assert [v for v in axe_violations(page) if v["nodes"] != [[".select2-search__field"]]] == []
    assert page.locator(".focal-point-marker.is-placed").is_visible()
    box = picture.bounding_box()
    picture.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.25})
    assert 0.78 <= float(page.input_value("#id_focal_x")) <= 0.82
    assert "80 % across" in page.inner_text(".focal-point-value")
    marker = page.locator(".focal-point-marker").bounding_box()
    assert abs(marker["x"] + marker["width"] / 2 - (box["x"] + box["width"] * 0.8)) < 3
    page.fill("#id_alt_text", "A black half and a white half")
    with page.expect_navigation():
        page.click("input[name=_save]")
    assert page.locator(".messagelist .success").count() == 1

    image.refresh_from_db()
    assert 0.78 <= image.focal_x <= 0.82 and 0.23 <= image.focal_y <= 0.27
    assert image.alt_text == "A black half and a white half"
    square_after = set(image.renditions.filter(spec="logo").values_list("file", flat=True))
    assert square_after and not square_after & square_before  # cropped again around the new point
    assert set(image.renditions.filter(spec="lead").values_list("file", flat=True)) == lead_before
    assert [e for e in page.console.errors if not e.startswith("Failed to load resource")] == []
