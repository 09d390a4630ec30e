"""Small charts as inline SVG, drawn on the server (no script, no library): horizontal bars.

Labels are escaped; the SVG scales to its card's width (drawn about as wide as a card on a phone or in
a four-column desktop row, so its 13 px labels stay about 11 px or more).
"""

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 170
BAR_WIDTH = 150
VALUE_WIDTH = 50
MAX_LABEL_CHARS = 24


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[:MAX_LABEL_CHARS - 1] + "…"


def bar_chart(items: list[tuple[str, int]], *, title: str, number=str) -> Markup:
    """Horizontal bars, longest first as given; ``number`` formats the counts for the locale."""
    if not items:
        return Markup("")
    largest = max(count for _, count in items) or 1
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = len(items) * (BAR_HEIGHT + GAP)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for index, (label, count) in enumerate(items):
        y = index * (BAR_HEIGHT + GAP)
        bar = max(1, round(BAR_WIDTH * count / largest)) if count else 0
        middle = y + BAR_HEIGHT / 2 + 5
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" class="label">'
                     f'{escape(_short(label))}<title>{escape(label)}</title></text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar}" height="{BAR_HEIGHT}" class="bar"/>')
        parts.append(f'<text x="{LABEL_WIDTH + bar + 6}" y="{middle}" class="value">{escape(number(count))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
