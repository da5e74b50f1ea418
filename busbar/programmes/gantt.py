"""The plan as a Gantt-style timeline, drawn on the server as inline SVG (no JavaScript, nothing loaded
from elsewhere), like :mod:`busbar.lib.svgchart`.

Phases are bands, tasks bars, milestones diamonds at their forecast (or actual) date with a hollow
marker at their baseline date — and a dashed one at an earlier baseline being compared (``?baseline=N``)
— joined by a line showing the slip. A month / quarter axis runs along the top and a line marks today.
Every shape carries a ``<title>`` (its tooltip and accessible name), the picture as a whole a title and
a description, and :meth:`Gantt.table` gives the same facts as an HTML table (the text alternative).

Every text is escaped; colours are attributes (no inline styles), so the chart passes the site's
Content-Security-Policy and follows ``currentColor`` for its text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

RAG_FILL = {
    "green": "#00703c",
    "amber": "#f47738",
    "red": "#d4351c",
    "complete": "#505a5f",
    "": "#1d70b8",
}
RAG_LABEL = {"green": "Green", "amber": "Amber", "red": "Red", "complete": "Complete", "": "Not rated"}
BASELINE_STROKE = "#0b0c0c"
COMPARED_STROKE = "#4c2c92"
TODAY_STROKE = "#d4351c"
TASK_FILL = "#5694ca"
GRID = "#dfe2e5"
#: Rows drawn at most (the text alternative and the plan's pages list everything).
MAX_ROWS = 400
LABEL_CHARS = 34
QUARTER_START = {1: 1, 4: 2, 7: 3, 10: 4}


def _d(day: dt.date | None) -> str:
    return date_format(day, "j M Y") if day else "—"


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Band:
    """A phase: a band from ``start`` to ``end`` (either may be unknown)."""

    label: str
    start: dt.date | None = None
    end: dt.date | None = None
    rag: str = ""
    href: str = ""


@dataclass(frozen=True)
class Bar:
    """A task from ``start`` to ``finish``; ``detail`` (who, how long) goes into its title."""

    label: str
    start: dt.date
    finish: dt.date
    detail: str = ""


@dataclass(frozen=True)
class Diamond:
    """A milestone: at ``date`` (its actual date when ``done``, else its forecast), with hollow markers at
    its ``baseline`` and at the ``compared`` earlier baseline."""

    code: str
    name: str
    date: dt.date | None
    baseline: dt.date | None = None
    compared: dt.date | None = None
    rag: str = ""
    done: bool = False
    warning: str = ""
    href: str = ""
    control_point: bool = False


@dataclass
class Lane:
    """A phase (or ``band=None``: what is in no phase) with its tasks and milestones."""

    band: Band | None
    bars: list[Bar] = field(default_factory=list)
    diamonds: list[Diamond] = field(default_factory=list)
    label: str = "Not in a phase"


@dataclass
class Gantt:
    title: str
    lanes: list[Lane]
    today: dt.date
    #: The name of the earlier baseline the hollow dashed markers show ("Baseline 1"), if any.
    compared_label: str = ""
    description: str = ""
    width: int = 980
    key: str = "gantt"
    label_width: int = 240
    row_height: int = 22
    axis_height: int = 40
    legend_height: int = 34

    # The dates --------------------------------------------------------------------------------------------

    def _dates(self) -> list[dt.date]:
        out: list[dt.date] = []
        for lane in self.lanes:
            if lane.band:
                out += [d for d in (lane.band.start, lane.band.end) if d]
            for b in lane.bars:
                out += [b.start, b.finish]
            for m in lane.diamonds:
                out += [d for d in (m.date, m.baseline, m.compared) if d]
        return out

    def range(self) -> tuple[dt.date, dt.date] | None:
        """First day of the first month to the first day after the last month drawn (None: no dates)."""
        dates = self._dates()
        if not dates:
            return None
        dates.append(self.today)
        low, high = min(dates), max(dates)
        start = low.replace(day=1)
        end = _next_month(high.replace(day=1))
        while (end - start).days < 92:  # at least a quarter, so the axis reads
            end = _next_month(end)
        return start, end

    # Rows -------------------------------------------------------------------------------------------------

    def rows(self) -> list[tuple[str, object, Lane]]:
        """(kind, item, lane) per drawn row: ``band`` (the lane's heading), ``bar``, ``diamond``."""
        out: list[tuple[str, object, Lane]] = []
        for lane in self.lanes:
            if not (lane.band or lane.bars or lane.diamonds):
                continue
            out.append(("band", lane.band, lane))
            out += [("bar", b, lane) for b in lane.bars]
            out += [("diamond", m, lane) for m in lane.diamonds]
        return out

    # Drawing ----------------------------------------------------------------------------------------------

    def svg(self) -> SafeString:
        span = self.range()
        if span is None:
            return mark_safe("")
        start, end = span
        rows = self.rows()
        shown, hidden = rows[:MAX_ROWS], max(0, len(rows) - MAX_ROWS)
        plot_x0 = self.label_width
        plot_w = self.width - plot_x0 - 12
        total = (end - start).days
        top = self.axis_height
        height = top + self.row_height * (len(shown) + (1 if hidden else 0)) + 8 + self.legend_height

        def x(day: dt.date) -> float:
            return plot_x0 + plot_w * (day - start).days / total

        parts: list[str] = []
        parts.append(self._axis(start, end, x, top, height - self.legend_height))
        for i, (kind, item, lane) in enumerate(shown):
            y = top + i * self.row_height
            if i % 2 == 0:
                parts.append(
                    f'<rect x="0" y="{y}" width="{self.width}" height="{self.row_height}" fill="#f3f2f1" '
                    f'fill-opacity="0.5"/>'
                )
            if kind == "band":
                parts.append(self._band(item, lane, x, y, start, end))  # type: ignore[arg-type]
            elif kind == "bar":
                parts.append(self._bar(item, x, y))  # type: ignore[arg-type]
            else:
                parts.append(self._diamond(item, x, y))  # type: ignore[arg-type]
        if hidden:
            y = top + len(shown) * self.row_height
            parts.append(
                f'<text x="6" y="{y + 15}" font-size="12" fill="currentColor">and {hidden} more rows '
                f"(all in the table below)</text>"
            )
        if start <= self.today < end:
            tx = x(self.today)
            parts.append(
                f'<g class="gantt-today"><line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top - 6}" '
                f'y2="{height - self.legend_height}" stroke="{TODAY_STROKE}" stroke-width="1.5" '
                f'stroke-dasharray="4 3"><title>Today, {escape(_d(self.today))}</title></line>'
                f'<text x="{tx + 3:.1f}" y="{height - self.legend_height - 2}" font-size="10" '
                f'fill="{TODAY_STROKE}">Today</text></g>'
            )
        parts.append(self._legend(height - self.legend_height + 6))
        title_id, desc_id = f"{self.key}-title", f"{self.key}-desc"
        desc = self.description or self.summary()
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" role="img" '
            f'viewBox="0 0 {self.width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
            f'aria-labelledby="{title_id} {desc_id}">'
            f'<title id="{title_id}">{escape(self.title)}</title><desc id="{desc_id}">{escape(desc)}</desc>'
            + "".join(parts)
            + "</svg>"
        )
        return mark_safe(svg)

    def summary(self) -> str:
        phases = sum(1 for lane in self.lanes if lane.band)
        tasks = sum(len(lane.bars) for lane in self.lanes)
        milestones = [m for lane in self.lanes for m in lane.diamonds]
        late = sum(1 for m in milestones if m.date and m.baseline and m.date > m.baseline and not m.done)
        span = self.range()
        when = f" from {_d(span[0])} to {_d(span[1] - dt.timedelta(days=1))}" if span else ""
        return (
            f"{phases} phases, {tasks} tasks and {len(milestones)} milestones{when}; "
            f"{late} milestones forecast after their baseline."
        )

    def _axis(self, start: dt.date, end: dt.date, x, top: int, bottom: int) -> str:
        out = ['<g class="gantt-axis" aria-hidden="true">']
        out.append(
            f'<line x1="{self.label_width}" x2="{self.width - 12}" y1="{top}" y2="{top}" stroke="#b1b4b6"/>'
        )
        month = start
        months = []
        while month < end:
            months.append(month)
            month = _next_month(month)
        month_w = (self.width - self.label_width - 12) / max(len(months), 1)
        for m in months:
            mx = x(m)
            quarter = QUARTER_START.get(m.month)
            out.append(
                f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top - (18 if quarter else 6)}" y2="{bottom}" '
                f'stroke="{GRID if not quarter else "#b1b4b6"}" stroke-width="1"/>'
            )
            if quarter:
                out.append(
                    f'<text x="{mx + 3:.1f}" y="{top - 24}" font-size="11" font-weight="bold" '
                    f'fill="currentColor">Q{quarter} {m.year}</text>'
                )
            if month_w >= 22:
                out.append(
                    f'<text x="{mx + month_w / 2:.1f}" y="{top - 6}" font-size="10" text-anchor="middle" '
                    f'fill="currentColor">{m:%b}</text>'
                )
        out.append("</g>")
        return "".join(out)

    def _label(self, y: int, text: str, *, bold: bool = False, indent: int = 0, href: str = "") -> str:
        weight = ' font-weight="bold"' if bold else ""
        shown = escape(_short(text, LABEL_CHARS - indent // 6))
        label = (
            f'<text x="{6 + indent}" y="{y + 15}" font-size="12"{weight} fill="currentColor">{shown}'
            f"<title>{escape(text)}</title></text>"
        )
        if href:
            return f'<a href="{escape(href)}">{label}</a>'
        return label

    def _band(self, band: Band | None, lane: Lane, x, y: int, start: dt.date, end: dt.date) -> str:
        if band is None:
            return self._label(y, lane.label, bold=True)
        out = [self._label(y, band.label, bold=True, href=band.href)]
        if band.start or band.end:
            b0 = max(band.start or start, start)
            b1 = min(band.end or end, end)
            if b1 >= b0:
                colour = RAG_FILL.get(band.rag, RAG_FILL[""])
                title = (
                    f"Phase {band.label}: {_d(band.start)} to {_d(band.end)}, RAG "
                    f"{RAG_LABEL.get(band.rag, band.rag)}"
                )
                x0, x1 = x(b0), x(b1 + dt.timedelta(days=1))
                out.append(
                    f'<rect class="gantt-phase" x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 2):.1f}" '
                    f'height="{self.row_height - 6}" rx="3" fill="{colour}" fill-opacity="0.18" '
                    f'stroke="{colour}" stroke-width="1.5"><title>{escape(title)}</title></rect>'
                )
        return "".join(out)

    def _bar(self, bar: Bar, x, y: int) -> str:
        x0, x1 = x(bar.start), x(bar.finish + dt.timedelta(days=1))
        title = f"{bar.label}: {_d(bar.start)} to {_d(bar.finish)}" + (
            f" — {bar.detail}" if bar.detail else ""
        )
        return self._label(y, bar.label, indent=12) + (
            f'<rect class="gantt-task" x="{x0:.1f}" y="{y + 6}" width="{max(x1 - x0, 2):.1f}" '
            f'height="{self.row_height - 12}" rx="2" fill="{TASK_FILL}"><title>{escape(title)}</title></rect>'
        )

    def _diamond(self, m: Diamond, x, y: int) -> str:
        cy = y + self.row_height / 2
        out = [self._label(y, f"{m.code} {m.name}", indent=12, href=m.href)]
        points = [(d, k) for d, k in ((m.baseline, "baseline"), (m.compared, "compared")) if d]
        if m.date:
            for d, _ in points:
                if d != m.date:
                    out.append(
                        f'<line x1="{x(d):.1f}" x2="{x(m.date):.1f}" y1="{cy:.1f}" y2="{cy:.1f}" '
                        f'stroke="#6f777b" stroke-width="1"/>'
                    )
        if m.compared:
            out.append(
                _diamond_shape(
                    x(m.compared),
                    cy,
                    6,
                    fill="none",
                    stroke=COMPARED_STROKE,
                    dashed=True,
                    css="gantt-compared",
                    title=f"{m.code} in {self.compared_label or 'the compared baseline'}: {_d(m.compared)}",
                )
            )
        if m.baseline:
            out.append(
                _diamond_shape(
                    x(m.baseline),
                    cy,
                    6,
                    fill="none",
                    stroke=BASELINE_STROKE,
                    css="gantt-baseline",
                    title=f"{m.code} baseline: {_d(m.baseline)}",
                )
            )
        if m.date:
            kind = "actual" if m.done else "forecast"
            title = f"{m.code} {m.name}: {kind} {_d(m.date)}"
            if m.baseline and m.date != m.baseline:
                title += f" (baseline {_d(m.baseline)})"
            title += f"; RAG {RAG_LABEL.get(m.rag, m.rag)}"
            if m.warning:
                title += f". Warning: {m.warning}"
            colour = RAG_FILL["complete"] if m.done else RAG_FILL.get(m.rag, RAG_FILL[""])
            out.append(
                _diamond_shape(
                    x(m.date),
                    cy,
                    7,
                    fill=colour,
                    stroke="#0b0c0c" if m.warning else colour,
                    css="gantt-milestone" + (" gantt-warning" if m.warning else ""),
                    title=title,
                    square=m.control_point,
                )
            )
            if m.warning:
                out.append(
                    f'<text x="{x(m.date) + 9:.1f}" y="{cy + 4:.1f}" font-size="12" font-weight="bold" '
                    f'fill="#d4351c" aria-hidden="true">!</text>'
                )
        return "".join(out)

    def _legend(self, y: int) -> str:
        items = [
            ('<rect x="{x}" y="{y0}" width="18" height="9" rx="2" fill="{f}"/>', TASK_FILL, "Task"),
            (
                '<rect x="{x}" y="{y0}" width="18" height="9" rx="2" fill="{f}" fill-opacity="0.18" '
                'stroke="{f}"/>',
                RAG_FILL["green"],
                "Phase (RAG)",
            ),
            ("diamond", RAG_FILL[""], "Milestone forecast"),
            ("square", RAG_FILL[""], "Control point"),
            ("hollow", BASELINE_STROKE, "Baseline"),
        ]
        if self.compared_label:
            items.append(("dashed", COMPARED_STROKE, self.compared_label))
        items.append(("today", TODAY_STROKE, "Today"))
        out = ['<g class="gantt-legend" aria-hidden="true">']
        lx = 6
        for shape, colour, text in items:
            cy = y + 8
            if shape == "diamond":
                out.append(_diamond_shape(lx + 7, cy, 6, fill=colour, stroke=colour))
            elif shape == "square":
                out.append(_diamond_shape(lx + 7, cy, 6, fill=colour, stroke=colour, square=True))
            elif shape == "hollow":
                out.append(_diamond_shape(lx + 7, cy, 6, fill="none", stroke=colour))
            elif shape == "dashed":
                out.append(_diamond_shape(lx + 7, cy, 6, fill="none", stroke=colour, dashed=True))
            elif shape == "today":
                out.append(
                    f'<line x1="{lx + 7}" x2="{lx + 7}" y1="{cy - 7}" y2="{cy + 7}" stroke="{colour}" '
                    f'stroke-width="1.5" stroke-dasharray="4 3"/>'
                )
            else:
                out.append(shape.format(x=lx, y0=cy - 4, f=colour))
            out.append(
                f'<text x="{lx + 22}" y="{cy + 4}" font-size="11" fill="currentColor">{escape(text)}</text>'
            )
            lx += 34 + 7 * len(text)
        out.append("</g>")
        return "".join(out)

    # The text alternative ---------------------------------------------------------------------------------

    def table(self, *, caption: str = "") -> SafeString:
        """Every row of the chart as an HTML table."""
        columns = ["Item", "Kind", "Start / baseline", "Finish / forecast"]
        columns += [self.compared_label] if self.compared_label else []
        columns.append("Notes")
        head_html = format_html(
            "<tr>{}</tr>", format_html_join("", '<th scope="col">{}</th>', ((c,) for c in columns))
        )
        body = []
        for kind, item, lane in self.rows():
            compared_cell = mark_safe("<td></td>" if self.compared_label else "")
            if kind == "band":
                if item is None:
                    body.append(format_html('<tr><th scope="row" colspan="2">{}</th></tr>', lane.label))
                    continue
                band: Band = item  # type: ignore[assignment]
                body.append(
                    format_html(
                        '<tr><th scope="row">{}</th><td>Phase</td><td>{}</td><td>{}</td>{}'
                        "<td>RAG {}</td></tr>",
                        band.label,
                        _d(band.start),
                        _d(band.end),
                        compared_cell,
                        RAG_LABEL.get(band.rag, band.rag),
                    )
                )
            elif kind == "bar":
                bar: Bar = item  # type: ignore[assignment]
                body.append(
                    format_html(
                        '<tr><th scope="row">{}</th><td>Task</td><td>{}</td><td>{}</td>{}<td>{}</td></tr>',
                        bar.label,
                        _d(bar.start),
                        _d(bar.finish),
                        compared_cell,
                        bar.detail,
                    )
                )
            else:
                m: Diamond = item  # type: ignore[assignment]
                notes = [f"RAG {RAG_LABEL.get(m.rag, m.rag)}"]
                if m.done:
                    notes.append("achieved")
                if m.warning:
                    notes.append(f"Warning: {m.warning}")
                if self.compared_label:
                    compared_cell = format_html("<td>{}</td>", _d(m.compared))
                body.append(
                    format_html(
                        '<tr><th scope="row">{} {}</th><td>{}</td><td>{}</td><td>{}{}</td>{}<td>{}</td></tr>',
                        m.code,
                        m.name,
                        "Control point" if m.control_point else "Milestone",
                        _d(m.baseline),
                        _d(m.date),
                        " (actual)" if m.done else "",
                        compared_cell,
                        "; ".join(notes),
                    )
                )
        return format_html(
            '<table class="chart-data gantt-data"><caption>{}</caption><thead>{}</thead>'
            "<tbody>{}</tbody></table>",
            caption or self.title,
            head_html,
            mark_safe("".join(body)),  # each row built with format_html
        )


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _diamond_shape(
    cx: float,
    cy: float,
    r: float,
    *,
    fill: str,
    stroke: str,
    dashed: bool = False,
    css: str = "",
    title: str = "",
    square: bool = False,
) -> str:
    dash = ' stroke-dasharray="2 2"' if dashed else ""
    cls = f' class="{css}"' if css else ""
    inner = f"<title>{escape(title)}</title>" if title else ""
    if square:
        return (
            f'<rect{cls} x="{cx - r + 1:.1f}" y="{cy - r + 1:.1f}" width="{2 * r - 2:.1f}" '
            f'height="{2 * r - 2:.1f}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}>'
            f"{inner}</rect>"
        )
    pts = f"{cx:.1f},{cy - r:.1f} {cx + r:.1f},{cy:.1f} {cx:.1f},{cy + r:.1f} {cx - r:.1f},{cy:.1f}"
    return (
        f'<polygon{cls} points="{pts}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}>'
        f"{inner}</polygon>"
    )
