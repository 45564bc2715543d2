"""Charts drawn on the server as inline SVG, and numbers written the way Chinese readers count."""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# Chinese groups digits by ten thousand: 萬 (10⁴), 億 (10⁸), 萬億 (10¹²).
_ZH_UNITS = [
    (Decimal(1), ""),
    (Decimal(10) ** 4, "萬"),
    (Decimal(10) ** 8, "億"),
    (Decimal(10) ** 12, "萬億"),
]

# Titles of the chart groups the seed content uses; any other group is titled by its key.
CHART_TITLES = {
    "app-store-ratings": "美區蘋果商店評分數",
}

# Geometry in SVG user units: the viewBox is about as wide as a phone screen in CSS pixels, so the text
# stays readable at 390px and the whole chart scales down smoothly with the page.
_WIDTH = 320
_MAX_LABEL_WIDTH = 130
_MIN_BAR_AREA = 100
_ROW = 28
_BAR = 18
_TOP = 8
_FONT_SIZE = 13


def _text_width(text: str) -> float:
    """Estimate a text's width in user units: CJK characters are square, Latin ones about 0.6em."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.6 for ch in text) * _FONT_SIZE


def _plain(number: Decimal) -> str:
    rounded = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_zh_number(value) -> str:
    """Write a number with 萬/億: 470000 → 47萬, 1336 → 1336, 16340000 → 1634萬, 25000 → 2.5萬."""
    number = Decimal(str(value))
    for i, (size, unit) in enumerate(_ZH_UNITS):
        scaled = (number / size).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        # Stay at this unit while the scaled number has at most four whole digits (9999萬, not 1億 yet).
        if abs(scaled) < 10_000 or i == len(_ZH_UNITS) - 1:
            return _plain(scaled) + unit
    raise AssertionError("unreachable")


def chart_title(group: str) -> str:
    return CHART_TITLES.get(group, group)


def render_bar_chart(figures: Sequence, *, title: str = "", chart_id: str = "") -> SafeString:
    """Draw the figures as a horizontal bar chart in inline SVG, biggest value first.

    Each figure needs `short_label`, `value` and `unit`. The SVG has role="img", a <title> and a <desc>
    that reads out every value, so screen readers get the numbers the bars show.
    """
    figures = sorted(figures, key=lambda f: f.value, reverse=True)
    if not figures:
        return mark_safe("")
    group = getattr(figures[0], "chart_group", "") or "chart"
    chart_id = chart_id or f"chart-{group}"
    title = title or chart_title(group)
    biggest = max(max(f.value for f in figures), Decimal(0))
    height = _TOP * 2 + _ROW * len(figures)
    values = [format_zh_number(f.value) + f.unit for f in figures]
    # Labels and values get the room their longest text needs; the bars share what is left.
    label_width = min(max(_text_width(f.short_label) for f in figures) + 8, _MAX_LABEL_WIDTH)
    value_width = max(_text_width(v) for v in values) + 8
    bar_area = max(_WIDTH - label_width - value_width, _MIN_BAR_AREA)

    rows = []
    for i, (figure, value_text) in enumerate(zip(figures, values, strict=True)):
        y = _TOP + i * _ROW
        share = (figure.value / biggest) if biggest > 0 else Decimal(0)
        # A minimum width keeps a tiny value (Pi's 1336 beside YouTube's 3370萬) visible as a sliver.
        width = max(float(share) * bar_area, 1.5)
        text_y = y + _BAR / 2 + _FONT_SIZE * 0.35
        rows.append(
            format_html(
                '<g class="bar-row">'
                '<text class="bar-label" x="{}" y="{}" text-anchor="end" fill="#1d1d1f">{}</text>'
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}" rx="2" fill="#a4262c"></rect>'
                '<text class="bar-value" x="{}" y="{}" fill="#55565b">{}</text>'
                "</g>",
                f"{label_width - 6:.1f}",
                f"{text_y:.1f}",
                figure.short_label,
                f"{label_width:.1f}",
                y,
                f"{width:.1f}",
                _BAR,
                f"{label_width + width + 4:.1f}",
                f"{text_y:.1f}",
                value_text,
            )
        )
    description = "；".join(f"{f.short_label}：{format_zh_number(f.value)}{f.unit}" for f in figures)
    return format_html(
        '<svg class="bar-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}"'
        ' role="img" aria-labelledby="{}-title {}-desc" font-size="{}"'
        " font-family=\"'Noto Sans CJK TC', 'PingFang TC', 'Microsoft JhengHei', sans-serif\">"
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        _WIDTH,
        height,
        _WIDTH,
        height,
        chart_id,
        chart_id,
        _FONT_SIZE,
        chart_id,
        title,
        chart_id,
        description,
        mark_safe("".join(rows)),  # each row was built with format_html, so it is escaped already
    )


def chart_data_rows(figures: Sequence) -> list[tuple[str, str]]:
    """Return (label, formatted value) pairs in chart order, for the table beside a chart."""
    figures = sorted(figures, key=lambda f: f.value, reverse=True)
    return [(f.short_label, format_zh_number(f.value) + f.unit) for f in figures]
