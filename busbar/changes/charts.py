"""A service's monthly availability as a bar chart against its target, drawn on the server as inline SVG
(no JavaScript, nothing loaded from elsewhere, no inline styles: colours are attributes), like
:mod:`busbar.lib.svgchart`.

Each month is a bar from the foot of the axis to its availability: green when it met the target, red when
it missed, grey without a target; a month without figures (no agreed time yet) has no bar and says so in
its tooltip. The target is a dashed line across. The axis starts at a round floor under the lowest figure
(99, 98, 95, 90, 80, 50 or 0 %) so that small differences show, and says so. Every bar has a ``<title>``;
the picture has a title and a description; the page shows the same figures in a table (the text
alternative: ``changes/_availability_panel.html``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MET = "#00703c"
MISSED = "#d4351c"
NO_TARGET = "#1d70b8"
TARGET = "#0b0c0c"
GRID = "#b1b4b6"
FLOORS = (Decimal(99), Decimal(98), Decimal(95), Decimal(90), Decimal(80), Decimal(50), Decimal(0))
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Month:
    """One bar: its label (``Jun 2027``), availability (None: no figures) and whether it met the target."""

    label: str
    availability: Decimal | None
    met: bool | None


def floor_for(values: Sequence[Decimal | None], target: Decimal | None) -> Decimal:
    """The highest round floor at least half a point under every figure and the target."""
    known = [v for v in values if v is not None] + ([target] if target is not None else [])
    if not known:
        return FLOORS[0]
    lowest = min(known)
    for floor in FLOORS:
        if floor <= lowest - Decimal("0.5") or floor == 0:
            return floor
    return Decimal(0)


def _pct(value: Decimal) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{text}%"


def availability_chart(
    months: Sequence[Month],
    *,
    target: Decimal | None,
    title: str,
    key: str = "availability",
    width: int = 640,
    height: int = 220,
) -> SafeString:
    top, right, bottom, left = 14, 12, 34, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    floor = floor_for([m.availability for m in months], target)
    span = HUNDRED - floor

    def y(value: Decimal) -> float:
        clipped = min(max(value, floor), HUNDRED)
        return top + plot_h - float((clipped - floor) / span) * plot_h

    out = []
    ticks = [floor, floor + span / 2, HUNDRED]
    out.append('<g class="chart-axes" aria-hidden="true">')
    for tick in ticks:
        ty = y(tick)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="{GRID}" '
            f'stroke-width="1"/><text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="currentColor">{escape(_pct(tick))}</text>'
        )
    n = max(len(months), 1)
    slot = plot_w / n
    for i, m in enumerate(months):
        x = left + slot * (i + 0.5)
        out.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11" '
            f'fill="currentColor">{escape(m.label.split(" ")[0])}</text>'
        )
    out.append("</g>")
    out.append('<g class="chart-bars">')
    base = y(floor)
    for i, m in enumerate(months):
        x = left + slot * i + slot * 0.15
        w = slot * 0.7
        if m.availability is None:
            out.append(
                f'<rect x="{x:.1f}" y="{base - 2:.1f}" width="{w:.1f}" height="2" fill="{GRID}">'
                f"<title>{escape(m.label)}: no figures</title></rect>"
            )
            continue
        fill = NO_TARGET if m.met is None else (MET if m.met else MISSED)
        verdict = "" if m.met is None else (", target met" if m.met else ", target missed")
        top_y = y(m.availability)
        out.append(
            f'<rect x="{x:.1f}" y="{top_y:.1f}" width="{w:.1f}" height="{max(base - top_y, 1):.1f}" '
            f'fill="{fill}"><title>{escape(m.label)}: {escape(_pct(m.availability))}{verdict}</title></rect>'
        )
    out.append("</g>")
    if target is not None:
        ty = y(target)
        out.append(
            f'<g class="chart-target"><line x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 4"><title>Target {escape(_pct(target))}'
            f"</title></line></g>"
        )
    shown = [m for m in months if m.availability is not None]
    parts = [f"Monthly availability of the last {len(months)} months"]
    if target is not None:
        parts.append(f"against a target of {_pct(target)} (dashed line)")
        missed = sum(1 for m in shown if m.met is False)
        parts.append(f"; {missed} month{'s' if missed != 1 else ''} missed it")
    if shown:
        parts.append(f"; lowest {_pct(min(m.availability for m in shown))}")
    parts.append(f". The axis starts at {_pct(floor)}.")
    desc = " ".join(parts).replace(" ;", ";").replace(" .", ".")
    title_id, desc_id = f"{key}-title", f"{key}-desc"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" aria-labelledby="{title_id} {desc_id}">'
        f'<title id="{title_id}">{escape(title)}</title><desc id="{desc_id}">{escape(desc)}</desc>'
        f"{''.join(out)}</svg>"
    )
    return mark_safe(svg)  # every text above is escaped
