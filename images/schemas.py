"""The API's shape of an image: what `picture_document` gives, with absolute addresses (landscape, reader)."""

from django.http import HttpRequest
from ninja import Field, Schema

from core.apitools import ScriptText


class RenditionOut(Schema):
    url: str
    width: int
    height: int
    format: str = Field(description="`avif`, `webp`, `jpeg` or `png`.")
    mime: str


class ImageOut(Schema):
    """An image as a page shows it in one role, with every rendition made of it for that role."""

    role: str = Field(description="`lead`, `inline`, `logo` or `portrait`: the shape it is cut to.")
    url: str = Field(description="The largest JPEG or PNG rendition: the one every client can show.")
    width: int
    height: int
    mime: str
    alt: ScriptText = Field(description="What the image shows; empty for a decorative image.")
    decorative: bool
    caption: ScriptText
    credit: ScriptText
    source_url: str
    licence: str
    licence_label: str
    renditions: list[RenditionOut] = Field(description="Every size and format made, smallest first.")


def image_out(request: HttpRequest, document: dict | None) -> dict | None:
    """Return a `picture_document` with absolute addresses, as `ImageOut` serves it."""
    if document is None:
        return None
    return {
        **document,
        "url": request.build_absolute_uri(document["url"]),
        "renditions": [
            {**rendition, "url": request.build_absolute_uri(rendition["url"])}
            for rendition in document["renditions"]
        ],
    }
