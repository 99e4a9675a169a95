"""Charts as inline SVG, drawn here rather than by a script in the page: the reports open
offline from disk, print, and show the same picture in any browser or mail client."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 560
BAR_HEIGHT = 22
LABEL_WIDTH = 210


def tone(score: float | None) -> str:
    """Traffic-light class of a score: good ≥ 95, fair ≥ 85, poor below."""
    if score is None:
        return "none"
    return "good" if score >= 95 else "fair" if score >= 85 else "poor"


def bars(items: list[tuple[str, float | None]], title: str) -> Markup:
    """Horizontal bars on a 0-100 scale, one per (label, score)."""
    span = WIDTH - LABEL_WIDTH - 50
    height = BAR_HEIGHT * len(items) + 8
    parts = [
        f'<svg class="chart bars" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}"><title>{escape(title)}</title>'
    ]
    for i, (label, score) in enumerate(items):
        y = 4 + i * BAR_HEIGHT
        length = 0 if score is None else max(1.0, span * score / 100)
        shown = "–" if score is None else f"{score:.1f}"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar {tone(score)}" x="{LABEL_WIDTH}" y="{y + 3}" '
            f'width="{length:.1f}" height="{BAR_HEIGHT - 6}" rx="2"/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 15}">{shown}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def trend(points: list[tuple[str, float | None]], title: str) -> Markup:
    """A small line chart of one score over nights (date label, score), y from 0 to 100."""
    w, h, left, top, bottom = 260, 120, 30, 18, 22
    inner_w, inner_h = w - left - 10, h - top - bottom
    known = [(i, s) for i, (_, s) in enumerate(points) if s is not None]
    step = inner_w / max(1, len(points) - 1)

    def xy(i: int, s: float) -> tuple[float, float]:
        x = left + (i * step if len(points) > 1 else inner_w / 2)
        return x, top + inner_h * (1 - s / 100)

    parts = [
        f'<svg class="chart trend" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}">'
        f'<title>{escape(title)}</title><text class="caption" x="{left}" y="12">'
        f"{escape(title)}</text>"
    ]
    for level in (0, 50, 100):
        y = top + inner_h * (1 - level / 100)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{w - 10}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{level}</text>'
        )
    if known:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, s) for i, s in known))
        parts.append(f'<polyline class="line" points="{coords}"/>')
        for i, s in known:
            x, y = xy(i, s)
            label = escape(f"{points[i][0]}: {s:.1f}")
            parts.append(
                f'<circle class="point {tone(s)}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                f"<title>{label}</title></circle>"
            )
    if points:
        parts.append(
            f'<text class="axis" x="{left}" y="{h - 6}">{escape(points[0][0][5:])}</text>'
            f'<text class="axis" x="{w - 10}" y="{h - 6}" text-anchor="end">'
            f"{escape(points[-1][0][5:])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def history(points: list[tuple[str, float]], usual: float, title: str) -> Markup:
    """A metric's recent nights (date, value), the last one tonight's, against the usual value
    (the baseline's median, dashed), on a y range that holds zero and every value."""
    w, h, left, top, bottom = 300, 110, 44, 18, 20
    inner_w, inner_h = w - left - 10, h - top - bottom
    values = [0.0, usual, *(v for _, v in points)]
    low, high = min(values), max(values)
    span = (high - low) * 1.1 or 1.0
    step = inner_w / max(1, len(points) - 1)

    def y_of(v: float) -> float:
        return top + inner_h * (1 - (v - low) / span)

    def x_of(i: int) -> float:
        return left + (i * step if len(points) > 1 else inner_w / 2)

    parts = [
        f'<svg class="chart history" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}">'
        f'<title>{escape(title)}</title><text class="caption" x="{left}" y="12">'
        f"{escape(title)}</text>",
        f'<line class="grid" x1="{left}" x2="{w - 10}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}"/>'
        f'<line class="usual" x1="{left}" x2="{w - 10}" y1="{y_of(usual):.1f}" '
        f'y2="{y_of(usual):.1f}"/><text class="axis" x="{left - 4}" y="{y_of(usual) + 4:.1f}" '
        f'text-anchor="end">{usual:,.3g}</text>',
    ]
    if points:
        coords = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, (_, v) in enumerate(points))
        parts.append(f'<polyline class="line" points="{coords}"/>')
        for i, (night, v) in enumerate(points):
            tonight = i == len(points) - 1
            parts.append(
                f'<circle class="point {"poor" if tonight else "past"}" cx="{x_of(i):.1f}" '
                f'cy="{y_of(v):.1f}" r="{4 if tonight else 2.5}">'
                f"<title>{escape(f'{night}: {v:,.4g}')}</title></circle>"
            )
        parts.append(
            f'<text class="axis" x="{left}" y="{h - 5}">{escape(points[0][0][5:])}</text>'
            f'<text class="axis" x="{w - 10}" y="{h - 5}" text-anchor="end">'
            f"{escape(points[-1][0][5:])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
