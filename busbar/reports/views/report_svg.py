"""The monthly report's trend charts as server-rendered SVG (no script, no CDN): a bar per month, red
where the month missed its target and green where it met it, with the target as a dashed line. Every
text is escaped; the chart has a title and a description for screen readers, and the page repeats the
figures in a table."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 200
LEFT, BOTTOM, TOP = 8, 28, 18
OK, BAD, PLAIN, INK, MUTED = "#00703c", "#d4351c", "#1d70b8", "#0b0c0c", "#505a5f"


def _number(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def trend_svg(series: dict[str, Any]) -> SafeString:
    """One KPI's 13-month trend (a ``trend.series`` entry of the report's content)."""
    points = series.get("points", [])[:24]
    values = [_number(p.get("value")) for p in points]
    targets = [_number(p.get("target")) for p in points]
    top = max([1.0, *[v for v in values if v is not None], *[t for t in targets if t is not None]]) * 1.1
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT * 2) / max(1, len(points))
    bar = slot * 0.7
    name = escape(series.get("name", ""))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart" '
        f'aria-labelledby="chart-{escape(series.get("code", ""))}-title">',
        f'<title id="chart-{escape(series.get("code", ""))}-title">{name}: 13-month trend</title>',
    ]
    base = HEIGHT - BOTTOM
    for i, p in enumerate(points):
        x = LEFT + i * slot + (slot - bar) / 2
        v = values[i]
        colour = BAD if p.get("met") is False else OK if p.get("met") is True else PLAIN
        if v is not None:
            h = plot_h * v / top
            parts.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}" '
                f'opacity="0.8"><title>{escape(p.get("label", ""))}: {escape(p.get("value"))}</title></rect>'
            )
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{base - h - 3:.1f}" font-size="9" text-anchor="middle" '
                f'fill="{INK}">{escape(p.get("value"))}</text>'
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{base + 14}" font-size="9" text-anchor="middle" '
            f'fill="{MUTED}">{escape(p.get("label", ""))}</text>'
        )
        t = targets[i]
        if t is not None:
            y = base - plot_h * t / top
            parts.append(
                f'<line x1="{x - 2:.1f}" x2="{x + bar + 2:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{INK}" '
                f'stroke-width="1.5" stroke-dasharray="4 2">'
                f"<title>Target {escape(p.get('target'))}</title></line>"
            )
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - LEFT}" y1="{base}" y2="{base}" stroke="{MUTED}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every value above is escaped or a number
