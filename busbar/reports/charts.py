"""The KPI pages' charts, drawn on the server as inline SVG (no JavaScript, nothing loaded from elsewhere,
no inline styles: colours are attributes), in the house style of :mod:`busbar.changes.charts` (whose
colours and percentage floor this module reuses).

* :func:`trend_chart`: a KPI month by month (13 months ending at the chosen one) as a line, each point
  green when it met its target, red when it missed, blue without a target; the target as a dashed line
  (a step when it changed during the period). Months without figures leave a gap.
* :func:`comparison_chart`: one horizontal bar per provider for one month, coloured by its own OLA
  judgement, each provider's own target a short black mark on its bar, and the end-to-end target a dashed
  line across.

Every point and bar has a ``<title>``; the picture has a title and a description that summarises it; the
pages show the same figures in a table (the text alternative).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from busbar.changes.charts import GRID, MET, MISSED, NO_TARGET, TARGET, floor_for

HUNDRED = Decimal(100)
#: Bounds: more points or bars than this is a programming error, not a chart.
MAX_POINTS = 61
MAX_BARS = 60


@dataclass(frozen=True)
class Point:
    """One month of a trend (or one provider of a comparison): its label, value, target and verdict."""

    label: str
    value: Decimal | None
    target: Decimal | None = None
    met: bool | None = None


def fmt(value: Decimal | float | int | None, unit: str) -> str:
    """A figure as the pages write it: ``99.5%``, ``42 min``, ``7``."""
    if value is None:
        return "no figures"
    number = Decimal(str(value))
    text = f"{number:.2f}".rstrip("0").rstrip(".") if number != number.to_integral() else f"{number:.0f}"
    if unit == "percent":
        return f"{text}%"
    if unit == "minutes":
        return f"{text} min"
    return text


def _colour(met: bool | None) -> str:
    return NO_TARGET if met is None else (MET if met else MISSED)


def _verdict(met: bool | None) -> str:
    return "" if met is None else (", target met" if met else ", target missed")


def _scale(points: Sequence[Point], unit: str) -> tuple[Decimal, Decimal]:
    """The axis' floor and top: percentages from a round floor to 100, others from 0 to a round top."""
    values = [p.value for p in points if p.value is not None]
    targets = [p.target for p in points if p.target is not None]
    if unit == "percent":
        return floor_for(values, min(targets) if targets else None), HUNDRED
    peak = max([*values, *targets], default=Decimal(0))
    step = Decimal(1)
    while True:
        for m in (1, 2, 5):
            if step * m >= max(peak, Decimal(1)):
                return Decimal(0), step * m
        step *= 10


def _frame(key: str, title: str, desc: str, width: int, height: int, body: str) -> SafeString:
    title_id, desc_id = f"{key}-title", f"{key}-desc"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" aria-labelledby="{title_id} {desc_id}">'
        f'<title id="{title_id}">{escape(title)}</title><desc id="{desc_id}">{escape(desc)}</desc>'
        f"{body}</svg>"
    )
    return mark_safe(svg)  # every text above is escaped


def _summary(points: Sequence[Point], unit: str, what: str) -> str:
    shown = [p for p in points if p.value is not None]
    parts = [what + "."]
    if not shown:
        return parts[0] + " No figures yet."
    judged = [p for p in shown if p.met is not None]
    if judged:
        missed = sum(1 for p in judged if p.met is False)
        parts.append(f"{missed} of {len(judged)} with a target missed it (dashed line: the target).")
    low = min(shown, key=lambda p: p.value)
    high = max(shown, key=lambda p: p.value)
    parts.append(
        f"Lowest {fmt(low.value, unit)} ({low.label}); highest {fmt(high.value, unit)} ({high.label})."
    )
    return " ".join(parts)


def trend_chart(
    points: Sequence[Point],
    *,
    unit: str,
    title: str,
    key: str = "trend",
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """A line over the months with a dashed target line (see the module's docstring)."""
    if not points or len(points) > MAX_POINTS:
        raise ValueError(f"a trend has 1 to {MAX_POINTS} points")
    top, right, bottom, left = 14, 12, 34, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    floor, ceiling = _scale(points, unit)
    span = (ceiling - floor) or Decimal(1)

    def y(value: Decimal) -> float:
        clipped = min(max(value, floor), ceiling)
        return top + plot_h - float((clipped - floor) / span) * plot_h

    slot = plot_w / len(points)

    def x(i: int) -> float:
        return left + slot * (i + 0.5)

    out = ['<g class="chart-axes" aria-hidden="true">']
    for tick in (floor, floor + span / 2, ceiling):
        ty = y(tick)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="{GRID}" '
            f'stroke-width="1"/><text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="currentColor">{escape(fmt(tick, unit))}</text>'
        )
    every = max(1, -(-len(points) * 44 // max(plot_w, 1)))
    for i, p in enumerate(points):
        if i % every == 0 or i == len(points) - 1:
            out.append(
                f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11" '
                f'fill="currentColor">{escape(p.label)}</text>'
            )
    out.append("</g>")
    # The target: a dashed step line over the months that have one.
    segments, run = [], []
    for i, p in enumerate(points):
        if p.target is None:
            if run:
                segments.append(run)
            run = []
            continue
        ty = y(p.target)
        run += [(left + slot * i, ty), (left + slot * (i + 1), ty)]
    if run:
        segments.append(run)
    if segments:
        targets = sorted({p.target for p in points if p.target is not None})
        label = ", ".join(fmt(t, unit) for t in targets)
        out.append('<g class="chart-target">')
        for seg in segments:
            path = " ".join(f"{a:.1f},{b:.1f}" for a, b in seg)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{TARGET}" stroke-width="2" '
                f'stroke-dasharray="6 4"><title>Target {escape(label)}</title></polyline>'
            )
        out.append("</g>")
    # The figures: a line through consecutive months with figures, a dot on each.
    out.append('<g class="chart-lines">')
    run = []
    for i, p in enumerate([*points, Point("", None)]):
        if p.value is None:
            if len(run) > 1:
                path = " ".join(f"{a:.1f},{b:.1f}" for a, b in run)
                out.append(f'<polyline points="{path}" fill="none" stroke="{NO_TARGET}" stroke-width="2"/>')
            run = []
            continue
        run.append((x(i), y(p.value)))
    for i, p in enumerate(points):
        if p.value is None:
            continue
        out.append(
            f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="4" fill="{_colour(p.met)}">'
            f"<title>{escape(p.label)}: {escape(fmt(p.value, unit))}{_verdict(p.met)}</title></circle>"
        )
    out.append("</g>")
    desc = _summary(
        points, unit, f"{title}, {len(points)} months from {points[0].label} to {points[-1].label}"
    )
    if unit == "percent":
        desc += f" The axis starts at {fmt(floor, unit)}."
    return _frame(key, title, desc, width, height, "".join(out))


def comparison_chart(
    bars: Sequence[Point],
    *,
    unit: str,
    title: str,
    target: Decimal | None = None,
    key: str = "comparison",
    width: int = 640,
) -> SafeString:
    """Horizontal bars, one per provider, with the end-to-end ``target`` dashed across."""
    if len(bars) > MAX_BARS:
        raise ValueError(f"a comparison has at most {MAX_BARS} bars")
    row_h, top, bottom, left, right = 26, 10, 26, 170, 70
    height = top + bottom + row_h * max(len(bars), 1)
    plot_w = width - left - right
    with_target = [Point(b.label, b.value, b.target if b.target is not None else target, b.met) for b in bars]
    floor, ceiling = _scale(with_target, unit)
    span = (ceiling - floor) or Decimal(1)

    def x(value: Decimal) -> float:
        clipped = min(max(value, floor), ceiling)
        return left + float((clipped - floor) / span) * plot_w

    out = ['<g class="chart-axes" aria-hidden="true">']
    for tick in (floor, floor + span / 2, ceiling):
        tx = x(tick)
        out.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{height - bottom}" stroke="{GRID}" '
            f'stroke-width="1"/><text x="{tx:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f'font-size="11" fill="currentColor">{escape(fmt(tick, unit))}</text>'
        )
    out.append("</g>")
    out.append('<g class="chart-bars">')
    for i, b in enumerate(bars):
        by = top + row_h * i
        name = b.label if len(b.label) <= 26 else b.label[:25] + "…"
        out.append(
            f'<text x="{left - 6}" y="{by + row_h / 2 + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="currentColor">{escape(name)}</text>'
        )
        if b.value is None:
            out.append(
                f'<text x="{left + 4}" y="{by + row_h / 2 + 4:.1f}" font-size="11" fill="currentColor">'
                f"<title>{escape(b.label)}: no figures</title>no figures</text>"
            )
            continue
        end = x(b.value)
        own = f", its target {fmt(b.target, unit)}" if b.target is not None else ""
        out.append(
            f'<rect x="{left}" y="{by + 4}" width="{max(end - left, 1):.1f}" height="{row_h - 8}" '
            f'fill="{_colour(b.met)}"><title>{escape(b.label)}: {escape(fmt(b.value, unit))}'
            f"{escape(own)}{_verdict(b.met)}</title></rect>"
            f'<text x="{end + 4:.1f}" y="{by + row_h / 2 + 4:.1f}" font-size="11" fill="currentColor">'
            f"{escape(fmt(b.value, unit))}</text>"
        )
        if b.target is not None:
            tx = x(b.target)
            out.append(
                f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{by + 1}" y2="{by + row_h - 1}" stroke="{TARGET}" '
                f'stroke-width="3"><title>{escape(b.label)}: target {escape(fmt(b.target, unit))}'
                f"</title></line>"
            )
    out.append("</g>")
    if target is not None:
        tx = x(target)
        out.append(
            f'<g class="chart-target"><line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{height - bottom}" '
            f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 4"><title>End-to-end target '
            f"{escape(fmt(target, unit))}</title></line></g>"
        )
    desc = _summary(bars, unit, f"{title}: {len(bars)} providers")
    if target is not None:
        desc += f" The dashed line is the end-to-end target, {fmt(target, unit)}."
    return _frame(key, title, desc, width, height, "".join(out))
