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
