"""`{% picture image "lead" sizes="100vw" lazy=True %}`: an image in a role, as images/_picture.html."""

from django import template

from images.renditions import picture as picture_of

register = template.Library()


@register.inclusion_tag("images/_picture.html")
def picture(image, role, sizes="", lazy=False, css_class=""):
    """Render image in role as a <picture>; nothing when it has nothing a reader may be shown."""
    return {"picture": picture_of(image, role), "sizes": sizes, "lazy": lazy, "class": css_class}
