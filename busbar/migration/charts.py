"""The migration charts, drawn on the server as inline SVG with :mod:`busbar.lib.svgchart` (no JavaScript,
nothing loaded from elsewhere, colours by class with fill attributes as fallback).

* :func:`profile`: the **migration profile** (issue 16, item 3): MPANs planned against migrated, per day
  (per week when the span is long) and cumulative, overall and by segment, with vertical markers at M14
  (end of reverse migration) and M15 (every MPAN migrated).
* :func:`distributor_load`: per distributor (DNO) area, the MPANs planned and migrated each day as bars,
  with the cap in force drawn across each day (a dashed line, red where the plan is over it).

:class:`MarkedChart` adds those markers and caps to :class:`busbar.lib.svgchart.Chart` (by subclassing;
the library is not changed); every figure stays in the chart's data table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from busbar.lib.svgchart import Chart, Series

MARKER = "#0b0c0c"
OVER = "#d4351c"
#: Past this many days a profile is drawn per week (7 days a point), so that it stays readable.
WEEKLY_AFTER = 120


@dataclass(frozen=True)
class Marker:
    """A vertical line at category ``index`` (e.g. M14), labelled."""

    index: int
    label: str


@dataclass(frozen=True)
class MarkedChart(Chart):
    """A :class:`Chart` with vertical markers and, per category, an optional cap drawn across its slot."""

    markers: Sequence[Marker] = ()
    caps: Sequence[int | None] = ()
    cap_name: str = "Cap"

    @property
    def peak(self) -> float:
        caps = [c for c in self.caps if c is not None]
        return max([super().peak, *caps]) if caps else super().peak

    def _overlay(self) -> str:
        x0, y0, w, h = self._plot()
        n = len(self.labels)
        slot = w / n if n else w
        out = ['<g class="chart-markers">']
        if self.caps:
            values = self.series[0].values if self.series else []
            for i, cap in enumerate(self.caps):
                if cap is None:
                    continue
                y = self._y(cap)
                over = i < len(values) and values[i] > cap
                colour = OVER if over else MARKER
                css = "chart-cap chart-cap-over" if over else "chart-cap"
                out.append(
                    f'<line class="{css}" x1="{x0 + slot * i:.1f}" x2="{x0 + slot * (i + 1):.1f}" '
                    f'y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="2" stroke-dasharray="4 2">'
                    f"<title>{escape(self.labels[i])}: {escape(self.cap_name)} {_num(cap)}"
                    f"{' (over)' if over else ''}</title></line>"
                )
        for m in self.markers:
            if not 0 <= m.index < n:
                continue
            x = x0 + slot * (m.index + 0.5)
            out.append(
                f'<line class="chart-marker" x1="{x:.1f}" x2="{x:.1f}" y1="{y0:.1f}" y2="{y0 + h:.1f}" '
                f'stroke="{MARKER}" stroke-width="1.5" stroke-dasharray="3 3"><title>{escape(m.label)}: '
                f"{escape(self.labels[m.index])}</title></line>"
                f'<text x="{x + 3:.1f}" y="{y0 + 10:.1f}" font-size="11" fill="currentColor">'
                f"{escape(m.label)}</text>"
            )
        out.append("</g>")
        return "".join(out)

    def _frame(self, body: str) -> SafeString:
        return super()._frame(body + self._overlay())

    def summary(self) -> str:
        text = super().summary()
        marks = "; ".join(
            f"{m.label} at {self.labels[m.index]}" for m in self.markers if 0 <= m.index < len(self.labels)
        )
        return f"{text} {marks}." if marks else text

    def table(self, *, caption: str = "") -> SafeString:
        """The figures as a table, with the cap as a last column when there is one."""
        if not self.caps:
            return super().table(caption=caption)
        head = "".join(format_html('<th scope="col">{}</th>', s.name) for s in self.series)
        head += format_html('<th scope="col">{}</th>', self.cap_name)
        rows = "".join(
            format_html('<tr><th scope="row">{}</th>', label)
            + "".join(format_html('<td class="num">{}</td>', _num(s.values[i])) for s in self.series)
            + format_html(
                '<td class="num">{}</td>',
                "—" if i >= len(self.caps) or self.caps[i] is None else _num(self.caps[i]),
            )
            + "</tr>"
            for i, label in enumerate(self.labels)
        )
        return format_html(
            '<table class="chart-data"><caption>{}</caption><thead><tr><th scope="col">{}</th>{}</tr></thead>'
            "<tbody>{}</tbody></table>",
            caption or self.title,
            self.label_heading,
            mark_safe(head),
            mark_safe(rows),
        )


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


# The migration profile ----------------------------------------------------------------------------------


@dataclass
class Bucket:
    """A point of the profile: a day, or a week from ``first`` to ``last``."""

    first: dt.date
    last: dt.date
    planned: int = 0
    migrated: int = 0  # migrated + re-migrated
    reversed: int = 0
    cum_planned: int = 0
    cum_actual: int = 0
    segments: dict[str, list[int]] = field(default_factory=dict)  # segment -> [planned, net, cum p, cum a]

    def label(self, weekly: bool) -> str:
        return f"{self.first:%d %b %y}" if weekly else f"{self.first:%d %b}"


def buckets(progress: Any) -> tuple[list[Bucket], bool]:
    """The profile's points: each day, or each week (from the first day) past :data:`WEEKLY_AFTER` days."""
    days = progress.days
    weekly = len(days) > WEEKLY_AFTER
    size = 7 if weekly else 1
    out: list[Bucket] = []
    seg_idx = {s.segment: s for s in progress.segments}
    for start in range(0, len(days), size):
        chunk = days[start : start + size]
        b = Bucket(first=chunk[0].day, last=chunk[-1].day)
        for row in chunk:
            b.planned += row.planned
            b.migrated += row.migrated + row.remigrated
            b.reversed += row.reversed
        b.cum_planned, b.cum_actual = chunk[-1].cum_planned, chunk[-1].cum_actual
        last = start + len(chunk) - 1
        for s, sp in seg_idx.items():
            b.segments[s] = [
                sum(sp.daily_planned[start : last + 1]),
                sum(sp.daily_actual[start : last + 1]),
                sp.cum_planned[last],
                sp.cum_actual[last],
            ]
        out.append(b)
    return out, weekly


def _index_of(points: list[Bucket], day: dt.date | None) -> int:
    if day is None:
        return -1
    for i, b in enumerate(points):
        if b.first <= day <= b.last:
            return i
    return -1


def _markers(points: list[Bucket], progress: Any) -> list[Marker]:
    found = []
    for label, day in (("M14", progress.m14), ("M15", progress.m15)):
        i = _index_of(points, day)
        if i >= 0:
            found.append(Marker(index=i, label=label))
    return found


def _upto(points: list[Bucket], today: dt.date) -> int:
    """How many points have happened (actual figures are drawn up to today)."""
    return sum(1 for b in points if b.first <= today)


@dataclass
class Drawn:
    """A chart as SVG and as its data table."""

    key: str
    title: str
    svg: SafeString
    table: SafeString


def profile(progress: Any, *, key: str = "profile") -> list[Drawn]:
    """The migration profile of a :class:`busbar.migration.progress.Progress`: cumulative planned against
    migrated (net), planned against migrated and reversed per day (or week), and each segment's cumulative
    profile; M14 and M15 marked on each. Empty when there is nothing to draw."""
    if progress.empty:
        return []
    points, weekly = buckets(progress)
    labels = [b.label(weekly) for b in points]
    per = "week" if weekly else "day"
    heading = "Week from" if weekly else "Day"
    markers = _markers(points, progress)
    upto = _upto(points, progress.today)
    every = max(1, -(-len(labels) * 64 // 580))  # a label about every 64 pixels
    drawn = []
    cumulative = MarkedChart(
        title=f"{progress.title}: migration profile, cumulative",
        labels=labels,
        series=[
            Series("Planned (cumulative)", [b.cum_planned for b in points], dashed=True),
            Series("Migrated, net (cumulative)", [b.cum_actual for b in points], upto=upto),
        ],
        description=(
            f"MPANs planned and migrated (net of reverse migrations) to the end of each {per}, "
            "with M14 and M15 marked."
        ),
        label_heading=heading,
        key=f"{key}-cum",
        markers=markers,
        label_every=every,
    )
    drawn.append(Drawn(cumulative.key, cumulative.title, cumulative.lines(), cumulative.table()))
    daily = MarkedChart(
        title=f"{progress.title}: planned and migrated per {per}",
        labels=labels,
        series=[
            Series("Planned", [b.planned for b in points]),
            Series("Migrated (incl. re-migrated)", [b.migrated for b in points]),
            Series("Reverse-migrated", [b.reversed for b in points]),
        ],
        description=f"MPANs planned, migrated and reverse-migrated each {per}, with M14 and M15 marked.",
        label_heading=heading,
        key=f"{key}-per",
        markers=markers,
        label_every=every,
    )
    drawn.append(Drawn(daily.key, daily.title, daily.bars(), daily.table()))
    for sp in progress.segments:
        if not (sp.planned or sp.actual or any(sp.daily_actual)):
            continue
        chart = MarkedChart(
            title=f"{sp.label}: migration profile, cumulative",
            labels=labels,
            series=[
                Series("Planned (cumulative)", [b.segments[sp.segment][2] for b in points], dashed=True),
                Series("Migrated, net (cumulative)", [b.segments[sp.segment][3] for b in points], upto=upto),
            ],
            description=f"{sp.label} MPANs planned and migrated (net) to the end of each {per}.",
            label_heading=heading,
            key=f"{key}-{sp.segment}",
            markers=markers,
            label_every=every,
        )
        drawn.append(Drawn(chart.key, chart.title, chart.lines(), chart.table()))
    return drawn


# Distributor load ---------------------------------------------------------------------------------------


def distributor_load(load: Any) -> Drawn:
    """One distributor area's days (:class:`busbar.migration.progress.DistributorLoad`): planned and
    migrated bars with the cap in force across each day."""
    labels = [f"{d.day:%d %b}" for d in load.days]
    chart = MarkedChart(
        title=f"Distributor {load.name}: MPANs a day against the cap",
        labels=labels,
        series=[
            Series("Planned", [d.planned for d in load.days]),
            Series("Migrated", [d.actual for d in load.days]),
        ],
        description=(
            f"MPANs planned and migrated each day in distributor area {load.name}; the dashed line is the "
            "cap in force (red where the plan is over it)."
        ),
        label_heading="Day",
        key=f"dno-{load.distributor}",
        caps=[d.cap for d in load.days],
        cap_name="Cap",
    )
    return Drawn(chart.key, chart.title, chart.bars(), chart.table())
