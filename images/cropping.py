"""The geometry of a rendition: which window of an image it shows and at which sizes, in plain numbers.

Imports nothing from Django or Pillow, so it can be tested alone.
"""

from __future__ import annotations

Box = tuple[int, int, int, int]


def crop_box(width: int, height: int, ratio: tuple[int, int] | None, focal_x: float, focal_y: float) -> Box:
    """Return the largest (left, top, right, bottom) window of the ratio, centred on the focal point.

    The window is moved, never shrunk, where centring it would cross an edge; with no ratio it is the
    whole image. The focal point (0..1 from the left and the top) is always inside the window.
    """
    if ratio is None:
        return (0, 0, width, height)
    ratio_w, ratio_h = ratio
    if width * ratio_h > height * ratio_w:  # wider than the ratio: full height, cut the sides
        crop_w, crop_h = max(1, round(height * ratio_w / ratio_h)), height
    else:  # taller: full width, cut top and bottom
        crop_w, crop_h = width, max(1, round(width * ratio_h / ratio_w))
    crop_w, crop_h = min(crop_w, width), min(crop_h, height)
    left = _placed(focal_x * width, crop_w, width)
    top = _placed(focal_y * height, crop_h, height)
    return (left, top, left + crop_w, top + crop_h)


def _placed(centre: float, size: int, limit: int) -> int:
    return int(min(max(round(centre - size / 2), 0), limit - size))


def output_sizes(box: Box, widths: tuple[int, ...], ratio: tuple[int, int] | None) -> list[tuple[int, int]]:
    """Return the (width, height) of each rendition of a crop window, never wider than the window.

    Widths the window is too small for are left out; a window narrower than the widest width asked
    for adds one rendition at its own width, so every image has at least one and the sharpest possible.
    """
    crop_w, crop_h = box[2] - box[0], box[3] - box[1]
    chosen = [w for w in sorted(set(widths)) if w <= crop_w]
    if crop_w < max(widths) and crop_w not in chosen:
        chosen.append(crop_w)
    sizes = []
    for w in chosen:
        shape_w, shape_h = ratio or (crop_w, crop_h)
        sizes.append((w, max(1, round(w * shape_h / shape_w))))
    return sizes
