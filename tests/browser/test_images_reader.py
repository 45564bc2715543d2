"""The seed's lost screenshot found again, in real headless Chromium.

An editor attaches an image (made here with Pillow) to the seed's caption paragraph
`（圖源：美區蘋果商店截圖）` in the admin, and another as the article's lead image, and publishes. A
reader on a phone (390 px) and on a desktop (1280 px) sees both, each browser taking a rendition no larger
than its column needs: the phone a smaller one than the desktop. No public image lacks alt text (axe-core).
"""

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL import ImageDraw

from articles import workflow
from articles.models import Article, Paragraph
from images.services import image_create
from tests.browser.support import DESKTOP, PHONE, axe_violations
from tests.browser.test_newsroom import Browser, saved

pytestmark = pytest.mark.django_db(transaction=True)

CAPTION = "（圖源：美區蘋果商店截圖）"
# The width a rendition's name carries: `images/renditions/<digest>.<width>x<height>.<ext>`.
RENDITION_WIDTH = re.compile(r"\.(\d+)x(\d+)\.(?:avif|webp|jpg|png)$")


def drawn(size, colour) -> SimpleUploadedFile:
    """A picture with some detail (bands and a circle), as a JPEG."""
    image = PILImage.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 80):
        draw.rectangle((x, 0, x + 30, size[1]), fill=(colour[2], colour[0], colour[1]))
    draw.ellipse((size[0] // 3, size[1] // 4, size[0] // 2, size[1] // 2), fill=(250, 250, 250))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return SimpleUploadedFile("drawn.jpg", buffer.getvalue(), content_type="image/jpeg")


def shown(page, selector: str) -> dict:
    """Return the image's chosen file, its width from the rendition's name, and what it says."""
    page.wait_for_function(
        f"() => {{ const i = document.querySelector({selector!r}); return i && i.complete && i.currentSrc; }}"
    )
    found = page.eval_on_selector(
        selector,
        "i => ({src: i.currentSrc, alt: i.getAttribute('alt'), natural: i.naturalWidth, shown: i.clientWidth,"
        " lazy: i.getAttribute('loading')})",
    )
    found["width"] = int(RENDITION_WIDTH.search(found["src"]).group(1))
    return found


def test_the_lost_screenshot_is_placed_and_each_screen_takes_its_size(
    live_server, new_page, fresh_seed, django_user_model
):
    editor = django_user_model.objects.create_user("image-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    screenshot = image_create(
        file=drawn((1600, 1000), (30, 120, 200)),
        title="美區蘋果商店截圖",
        alt_text="美區 App Store 上 ChatGPT 與 Pi 的評分",
        credit="美區蘋果商店",
    ).image
    lead = image_create(
        file=drawn((1920, 1080), (200, 90, 40)), title="發佈會", alt_text="發佈會現場，台上三人"
    ).image
    caption = Paragraph.objects.get(section__article=fresh_seed, text=CAPTION)
    assert caption.kind == Paragraph.Kind.IMAGE and caption.image_id is None

    browser = Browser(new_page, live_server)
    admin = browser.open(editor)
    browser.go(admin, f"/admin/articles/paragraph/{caption.pk}/change/")
    admin.click("#id_image + .select2 .select2-selection")
    admin.fill(".select2-search__field", "美區蘋果")
    admin.click(".select2-results__option >> text=美區蘋果商店截圖")
    saved(admin)
    caption.refresh_from_db()
    assert caption.image_id == screenshot.pk
    assert admin.locator(".field-image_thumbnail img").count() == 1

    article = Article.objects.get(pk=fresh_seed.pk)
    article.lead_image = lead
    article.save()
    workflow.article_publish(article=article, user=editor)

    seen = {}
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = browser.open(viewport=viewport)
        browser.go(page, fresh_seed.get_absolute_url())
        page.locator(f"#{caption.anchor}").scroll_into_view_if_needed()
        seen[name] = {
            "lead": shown(page, ".lead-image img"),
            "screenshot": shown(page, f"#{caption.anchor} img"),
        }
        figure = page.locator(f"figure#{caption.anchor}")
        assert CAPTION in figure.locator("figcaption").inner_text()
        assert "圖片來源：美區蘋果商店" in figure.locator("figcaption").inner_text()
        # Nothing wider than the screen, and the picture takes its column's width.
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        # No public image lacks alt text, nor any other serious violation.
        assert axe_violations(page) == []
        assert page.evaluate("[...document.querySelectorAll('main img')].every(i => i.hasAttribute('alt'))")

    for place in ("lead", "screenshot"):
        phone, desktop = seen["phone"][place], seen["desktop"][place]
        assert phone["width"] < desktop["width"], (place, phone, desktop)
        # Each is at least as wide as the box it fills, so nothing is blurred.
        assert phone["width"] >= phone["shown"] and desktop["width"] >= desktop["shown"]
    assert seen["phone"]["lead"]["lazy"] is None and seen["phone"]["screenshot"]["lazy"] == "lazy"
    assert seen["phone"]["screenshot"]["alt"] == "美區 App Store 上 ChatGPT 與 Pi 的評分"
    browser.assert_clean()
