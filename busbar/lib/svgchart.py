"""Small charts drawn on the server as inline SVG: no JavaScript, nothing loaded from elsewhere.

A :class:`Chart` holds category labels (the x axis: days, services…) and one or more :class:`Series` of
counts. :meth:`Chart.bars` draws grouped bars, :meth:`Chart.lines` a line per series; both carry an
accessible name and description (``<title>``/``<desc>``, ``role="img"``) and every number stays readable
in :meth:`Chart.table`, the data table shown beside or under the picture (screen readers, printing, copying).

Colours are set per series (``Series.css``) by a class the page's stylesheet fills, with a fill attribute as a
fallback, so the charts follow the site's themes and pass a Content-Security-Policy without inline styles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

#: Fallback fills of the series, in order (the stylesheet's ``.chart-s0``… classes may override them).
PALETTE = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#505a5f")
#: Bounds: more categories or series than this is a programming error, not a chart.
MAX_CATEGORIES = 400
MAX_SERIES = len(PALETTE)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int | float]
    #: :meth:`Chart.lines`: draw the line dashed (a plan, a target).
    dashed: bool = False
    #: :meth:`Chart.lines`: draw only the first ``upto`` values (e.g. actual figures up to this week).
    upto: int | None = None


@dataclass(frozen=True)
class Chart:
    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    #: One sentence saying what the chart shows (its ``<desc>``); a summary of the figures is added.
    description: str = ""
    #: The header of the labels' column in the data table.
    label_heading: str = ""
    width: int = 640
    height: int = 240
    #: Distinguishes several charts on one page (ids of the title and description).
    key: str = "chart"
    #: Show every n-th label under the axis (all still in the table); 0: as many as fit.
    label_every: int = 0
    _margins: tuple[int, int, int, int] = field(default=(12, 12, 40, 36))  # top, right, bottom, left

    def __post_init__(self) -> None:
        if not self.series or len(self.series) > MAX_SERIES:
            raise ValueError(f"a chart has 1 to {MAX_SERIES} series")
        if len(self.labels) > MAX_CATEGORIES:
            raise ValueError(f"a chart has at most {MAX_CATEGORIES} categories")
        for s in self.series:
            if len(s.values) != len(self.labels):
                raise ValueError(f"series {s.name!r}: {len(s.values)} values, {len(self.labels)} labels")

    # The numbers ------------------------------------------------------------------------------------------

    @property
    def peak(self) -> float:
        return max((v for s in self.series for v in s.values), default=0)

    def _scale_top(self) -> int:
        """A round top for the y axis: 1, 2, 5, 10, 20, 50… at or above the largest value (at least 1)."""
        peak = max(self.peak, 1)
        step = 1
        while True:
            for m in (1, 2, 5):
                if step * m >= peak:
                    return step * m
            step *= 10

    def summary(self) -> str:
        parts = [
            f"{s.name}: {_num(sum(s.values))} in all, at most {_num(max(s.values, default=0))}"
            for s in self.series
        ]
        return "; ".join(parts) + "."

    # Drawing ----------------------------------------------------------------------------------------------

    def _frame(self, body: str) -> SafeString:
        title_id, desc_id = f"{self.key}-title", f"{self.key}-desc"
        desc = " ".join(p for p in (self.description, self.summary()) if p)
        legend = self._legend()
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'viewBox="0 0 {self.width} {self.height}" width="100%" preserveAspectRatio="xMidYMid meet" '
            f'aria-labelledby="{title_id} {desc_id}">'
            f'<title id="{title_id}">{escape(self.title)}</title><desc id="{desc_id}">{escape(desc)}</desc>'
            f"{self._axes()}{body}{legend}</svg>"
        )
        return mark_safe(svg)

    def _plot(self) -> tuple[float, float, float, float]:
        top, right, bottom, left = self._margins
        return left, top, self.width - left - right, self.height - top - bottom

    def _y(self, value: float) -> float:
        x0, y0, w, h = self._plot()
        return y0 + h - (value / self._scale_top()) * h

    def _axes(self) -> str:
        x0, y0, w, h = self._plot()
        top = self._scale_top()
        ticks = [0, top / 2, top] if top > 1 else [0, top]
        out = ['<g class="chart-axes" aria-hidden="true">']
        for t in ticks:
            y = self._y(t)
            out.append(
                f'<line x1="{x0:.1f}" x2="{x0 + w:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b1b4b6" '
                f'stroke-width="1"/><text x="{x0 - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" '
                f'font-size="11" fill="currentColor">{_num(t)}</text>'
            )
        n = len(self.labels)
        every = self.label_every or max(1, -(-n * 48 // max(int(w), 1)))
        slot = w / n if n else w
        for i, label in enumerate(self.labels):
            if i % every:
                continue
            x = x0 + slot * (i + 0.5)
            out.append(
                f'<text x="{x:.1f}" y="{y0 + h + 16:.1f}" text-anchor="middle" font-size="11" '
                f'fill="currentColor">{escape(label)}</text>'
            )
        out.append("</g>")
        return "".join(out)

    def _legend(self) -> str:
        x0, y0, w, h = self._plot()
        out = ['<g class="chart-legend" aria-hidden="true">']
        x = x0
        y = self.height - 8
        for i, s in enumerate(self.series):
            out.append(
                f'<rect class="chart-s{i}" x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" '
                f'fill="{PALETTE[i]}"/><text x="{x + 14:.1f}" y="{y:.1f}" font-size="11" '
                f'fill="currentColor">{escape(s.name)}</text>'
            )
            x += 24 + 7 * len(s.name)
        out.append("</g>")
        return "".join(out)

    def bars(self) -> SafeString:
        """Grouped bars: one group per label, one bar per series, each with its own tooltip title."""
        x0, y0, w, h = self._plot()
        n, k = len(self.labels), len(self.series)
        slot = w / n if n else w
        bar = slot * 0.8 / k
        base = self._y(0)
        out = ['<g class="chart-bars">']
        for i, label in enumerate(self.labels):
            for j, s in enumerate(self.series):
                value = s.values[i]
                y = self._y(value)
                x = x0 + slot * i + slot * 0.1 + bar * j
                out.append(
                    f'<rect class="chart-s{j}" x="{x:.1f}" y="{y:.1f}" width="{max(bar - 1, 1):.1f}" '
                    f'height="{base - y:.1f}" fill="{PALETTE[j]}"><title>{escape(label)}: '
                    f"{escape(s.name)} {_num(value)}</title></rect>"
                )
        out.append("</g>")
        return self._frame("".join(out))

    def lines(self) -> SafeString:
        """One line per series, a dot (with its tooltip title) on each value."""
        x0, y0, w, h = self._plot()
        n = len(self.labels)
        slot = w / n if n else w
        out = ['<g class="chart-lines">']
        for j, s in enumerate(self.series):
            shown = len(s.values) if s.upto is None else max(0, min(s.upto, len(s.values)))
            points = [(x0 + slot * (i + 0.5), self._y(v)) for i, v in enumerate(s.values[:shown])]
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            out.append(
                f'<polyline class="chart-s{j}" points="{path}" fill="none" stroke="{PALETTE[j]}" '
                f'stroke-width="2"{dash}/>'
            )
            for (x, y), label, v in zip(points, self.labels[:shown], s.values[:shown], strict=True):
                out.append(
                    f'<circle class="chart-s{j}" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PALETTE[j]}">'
                    f"<title>{escape(label)}: {escape(s.name)} {_num(v)}</title></circle>"
                )
        out.append("</g>")
        return self._frame("".join(out))

    def table(self, *, caption: str = "") -> SafeString:
        """The same figures as an HTML table (the chart's text alternative)."""
        head = "".join(format_html('<th scope="col">{}</th>', s.name) for s in self.series)
        rows = "".join(
            format_html('<tr><th scope="row">{}</th>', label)
            + "".join(format_html('<td class="num">{}</td>', _num(s.values[i])) for s in self.series)
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
