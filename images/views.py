"""Serve renditions from the local media folder, when there is no bucket in front (images/urls.py)."""

import re

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from .renditions import EXTENSIONS, MIME_TYPES

# Only what renditions_make writes: a content hash, a size and a format. Originals are never served.
NAME = re.compile(r"^[0-9a-f]{20}\.[0-9]{1,5}x[0-9]{1,5}\.(?P<extension>[a-z]{3,4})$")
_MIME_BY_EXTENSION = {extension: MIME_TYPES[fmt] for fmt, extension in EXTENSIONS.items()}


@require_safe
def rendition_file(request, name: str):
    """Answer one rendition with a year's immutable caching: its name changes whenever its pixels do."""
    match = NAME.match(name)
    if match is None or match["extension"] not in _MIME_BY_EXTENSION:
        raise Http404("No such rendition.")
    try:
        handle = default_storage.open(f"images/renditions/{name}", "rb")
    except FileNotFoundError:
        raise Http404("No such rendition.") from None
    response = FileResponse(handle, content_type=_MIME_BY_EXTENSION[match["extension"]])
    response["Cache-Control"] = settings.IMAGE_RENDITION_CACHE_CONTROL
    return response
