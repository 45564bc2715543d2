import io

import pytest
from django.core.management import CommandError, call_command

from images.models import Rendition
from tests.images.support import make_image

pytestmark = pytest.mark.django_db


def test_renditions_make_fills_in_what_is_missing_and_names_what_fails():
    image = make_image(size=(40, 30))
    made = image.renditions.count()
    image.renditions.filter(spec="logo").delete()
    out = io.StringIO()
    call_command("renditions_make", stdout=out)
    assert image.renditions.count() == made
    assert f"#{image.pk} {image}: {made} renditions" in out.getvalue()

    broken = make_image("other.jpg", size=(30, 30), color=(1, 200, 1))
    broken.file.storage.delete(broken.file.name)
    Rendition.objects.filter(image=broken).delete()
    errors = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 images have no renditions made"):
        call_command("renditions_make", stdout=io.StringIO(), stderr=errors)
    assert "could not be read" in errors.getvalue()
