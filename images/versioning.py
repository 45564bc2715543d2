"""What a revision of an image holds (see core/versioning.py): its own fields and tags.

An image's revisions do not follow its renditions: they follow from the file and the focal point, and
saving a restored version makes them again (`images.services.renditions_make`). Renditions are
registered so that deleting an image records them with it (core/deletion.py) and recovering it brings
them back.
"""

import reversion

from .models import Image, ImageTag, Rendition


def register_versioned_models() -> None:
    """Register the image, its tags and its renditions with django-reversion."""
    reversion.register(Image)
    reversion.register(ImageTag)
    reversion.register(Rendition)
