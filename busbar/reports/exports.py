"""The KPI pages' tables as CSV or XLSX (``/kpis/export/?format=csv|xlsx&view=…`` plus the page's
filters), written by :mod:`busbar.lib.export` (formula-safe cells, streamed CSV, write-only XLSX) from
the same :mod:`busbar.reports.kpitables` the pages draw, so a download holds exactly what its page shows
to the same viewer:

* ``overview``: the ten KPIs for the month (and the viewer's own column: a participant's organisation,
  a provider's own figures) with targets and met/missed;
* ``providers``: the desk's provider comparison, one row per provider and KPI;
* ``severity``: the incident KPIs by severity;
* ``attribution``: where the time went (the desk sees every row, a provider its own and the total, a
  participant the total);
* ``trend``: 13 months (or ``from``…``month``, at most 60) of one KPI (``kpi=``) or of all ten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse

from busbar.lib import export
from busbar.reports import kpitables
from busbar.reports.forms.kpis import KpiQuery
from busbar.reports.kpis import KPIS, get
from busbar.reports.queries import Audience

FORMATS = export.FORMATS
VIEWS = ("overview", "providers", "severity", "attribution", "trend")


class Rows:
    """A computed table handed to busbar.lib.export (which reads rows with ``.iterator()``)."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def iterator(self, chunk_size: int = 0):
        return iter(self.rows)


@dataclass(frozen=True)
class Figure:
    """One exported row: what it is about, the KPI, and the cell."""

    about: str
    month: dt.date
    cell: kpitables.Cell


def plain(message: str, status: int = 400) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _number(value: Decimal | None):
    """A figure as a spreadsheet number: whole numbers as integers."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


FIGURE_COLUMNS = [
    export.Column("Slice", lambda r: r.about),
    export.Column("Month", lambda r: f"{r.month:%Y-%m}"),
    export.Column("KPI", lambda r: r.cell.kpi.code),
    export.Column("KPI name", lambda r: r.cell.kpi.name),
    export.Column("Unit", lambda r: r.cell.kpi.unit),
    export.Column("Value", lambda r: _number(r.cell.value)),
    export.Column("Over (incidents or services)", lambda r: r.cell.count),
    export.Column("Target", lambda r: _number(r.cell.judgement.target)),
    export.Column("Agreement", lambda r: r.cell.judgement.agreement),
    export.Column("Met", lambda r: r.cell.judgement.label),
]

ATTRIBUTION_COLUMNS = [
    export.Column("Held by", lambda h: h.label),
    export.Column("Incidents", lambda h: h.incidents),
    export.Column("Working minutes", lambda h: h.minutes),
    export.Column("Mean minutes per incident", lambda h: _number(h.mean_minutes)),
    export.Column("Share (%)", lambda h: _number(h.share)),
]


def _scope_label(q: KpiQuery) -> str:
    parts = [
        q.provider.label if q.provider else "",
        q.service.label if q.service else "",
        f"severity {q.severity}" if q.severity else "",
        q.organisation.label if q.organisation else "",
    ]
    return ", ".join(p for p in parts if p) or "End to end"


def rows_for(
    view: str, q: KpiQuery, who: Audience, *, kpi_code: str | None = None, now=None
) -> tuple[list, list]:
    """The rows and columns of one exported table."""
    if view == "trend":
        chosen = [get(kpi_code)] if kpi_code else list(KPIS)
        out: list[Figure] = []
        for kpi in chosen:
            trend = kpitables.trend(kpi, q, who, now=now)
            labels = [_scope_label(q), *trend.own_labels]
            for line in trend.months:
                out.extend(
                    Figure(label, line.key, cell) for label, cell in zip(labels, line.cells, strict=True)
                )
        return out, FIGURE_COLUMNS
    data = kpitables.overview(q, who, now=now)
    if view == "attribution":
        return data.attribution, ATTRIBUTION_COLUMNS
    if view == "providers":
        lines = data.providers or []
        return [Figure(line.label, q.month, c) for line in lines for c in line.cells], FIGURE_COLUMNS
    if view == "severity":
        return [
            Figure(line.label, q.month, c) for line in data.severities for c in line.cells
        ], FIGURE_COLUMNS
    rows = [Figure(_scope_label(q), q.month, c) for c in data.main]
    for column in data.own:
        rows.extend(Figure(column.label, q.month, column.cells[k.code]) for k in KPIS)
    return rows, FIGURE_COLUMNS


def download(view: str, q: KpiQuery, who: Audience, *, fmt: str, kpi_code: str | None = None, now=None):
    rows, columns = rows_for(view, q, who, kpi_code=kpi_code, now=now)
    stem = f"kpis-{view}{'-' + kpi_code if kpi_code else ''}-{q.month:%Y-%m}"
    return export.response(Rows(rows), columns, fmt=fmt, stem=stem)
