"""The KPI pages' tables, computed once for the page and its CSV/XLSX exports (:mod:`busbar.reports.exports`)
so that a download always holds what the page shows, under the same audience rules
(:func:`busbar.reports.queries.audience`):

* **everyone signed in**: the ten KPIs end to end (or for the chosen service/severity), against their
  targets, and the incident KPIs by severity;
* **a participant** also sees a column of its own organisation's incidents; never a provider breakdown,
  and of the "where the time went" attribution only the total;
* **a provider** also sees a column of its own figures (judged against its OLA) and, of the attribution,
  its own row and the total;
* **the desk** sees the provider comparison (each provider's ten KPIs against its OLA) and every row of
  the attribution.

Every figure carries the link to the drill-down (the incidents or changes behind it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.urls import reverse

from busbar.reports import charts, engine, targets
from busbar.reports.forms.kpis import KpiQuery, add_months, months_between
from busbar.reports.kpis import KPIS, Kpi
from busbar.reports.queries import Audience

INCIDENT_KPIS: tuple[Kpi, ...] = tuple(k for k in KPIS if k.basis == "incident")
#: At most this many "own" columns (a person in several organisations).
MAX_OWN = 3
DESK_LABEL = "Service desk (not passed on)"


@dataclass(frozen=True)
class Cell:
    """One figure: its KPI, value, how many incidents or services it is over, its judgement and link."""

    kpi: Kpi
    value: Decimal | None
    count: int
    judgement: targets.Judgement
    url: str

    @property
    def text(self) -> str:
        return charts.fmt(self.value, self.kpi.unit) if self.value is not None else "—"

    @property
    def target_text(self) -> str:
        target = self.judgement.target
        return charts.fmt(target, self.kpi.unit) if target is not None else ""

    @property
    def met(self) -> bool | None:
        return self.judgement.met

    @property
    def missed(self) -> bool:
        return self.judgement.met is False


@dataclass(frozen=True)
class Column:
    """A column of the overview beside the main figures: a participant's or a provider's own."""

    label: str
    cells: dict[str, Cell]


@dataclass(frozen=True)
class Line:
    """A row of a table: its label (a provider, a severity, a month) and its cells in KPI order."""

    label: str
    cells: list[Cell]
    key: int | str | dt.date | None = None

    @property
    def misses(self) -> int:
        return sum(1 for c in self.cells if c.missed)


@dataclass(frozen=True)
class Holding:
    label: str
    provider_id: int | None
    incidents: int
    minutes: int
    mean_minutes: Decimal | None
    share: Decimal | None
    url: str = ""
    is_total: bool = False


@dataclass
class Overview:
    query: KpiQuery
    main: list[Cell] = field(default_factory=list)
    own: list[Column] = field(default_factory=list)
    providers: list[Line] | None = None
    severities: list[Line] = field(default_factory=list)
    severity_kpis: tuple[Kpi, ...] = INCIDENT_KPIS
    attribution: list[Holding] = field(default_factory=list)
    attribution_by_provider: bool = False
    #: (provider label, severity, cell) of every provider's incident KPI by severity that misses its OLA.
    severity_misses: list[tuple[str, str, Cell]] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[Cell, list[Cell]]]:
        """The KPI table's rows: the main figure and the viewer's own, KPI by KPI."""
        return [(c, [col.cells[c.kpi.code] for col in self.own]) for c in self.main]


def drill_url(kpi: Kpi, q: KpiQuery, **changes) -> str:
    return reverse("kpi_drill", args=[kpi.code]) + "?" + q.qs(**changes)


def _values(rows: list[engine.Row]) -> dict:
    return rows[0].values if rows else {}


def _cell(kpi: Kpi, values: dict, book: targets.Book, q: KpiQuery, url: str, **slice_) -> Cell:
    found = values.get(kpi.code)
    value = found.value if found is not None else None
    count = found.count if found is not None else 0
    judgement = book.judge(
        kpi.code,
        value,
        month=slice_.pop("month", q.month),
        provider_id=slice_.get("provider_id", q.provider_id),
        service_id=q.service_id,
        severity=slice_.get("severity", q.severity or None),
    )
    return Cell(kpi, value, count, judgement, url)


def provider_names(ids) -> dict[int, str]:
    from busbar.parties.models import Organisation

    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(Organisation.objects.filter(pk__in=wanted).values_list("pk", "name"))


def own_slices(q: KpiQuery, who: Audience) -> list[tuple[str, dict, dict]]:
    """The viewer's own columns: (label, engine filter changes, query-argument changes)."""
    if who.kind == "participant" and q.organisation is None:
        names = provider_names(sorted(who.organisation_ids)[:MAX_OWN])
        return [
            (
                f"Your organisation's incidents ({names.get(o, o)})",
                {"organisation_id": o},
                {"organisation": o},
            )
            for o in sorted(who.organisation_ids)[:MAX_OWN]
        ]
    if who.kind == "provider" and q.provider is None:
        names = provider_names(sorted(who.provider_ids)[:MAX_OWN])
        return [
            (f"Your figures ({names.get(p, p)})", {"provider_id": p}, {"provider": p})
            for p in sorted(who.provider_ids)[:MAX_OWN]
        ]
    return []


def overview(q: KpiQuery, who: Audience, *, now: dt.datetime | None = None) -> Overview:
    """Every table of the overview page for ``q`` as ``who`` may see it."""
    out = Overview(query=q)
    if q.is_future:
        return out
    book = targets.load(q.month, q.month)
    filters = q.filters()
    values = _values(engine.figures(filters, now=now))
    out.main = [_cell(k, values, book, q, drill_url(k, q)) for k in KPIS]
    for label, changes, args in own_slices(q, who):
        own = _values(engine.figures(q.filters(**changes), now=now))
        slice_ = {"provider_id": changes["provider_id"]} if "provider_id" in changes else {}
        cells = {k.code: _cell(k, own, book, q, drill_url(k, q, **args), **slice_) for k in KPIS}
        out.own.append(Column(label, cells))
    if who.may_compare_providers and q.provider is None:
        rows = engine.figures(filters, group_by=("provider",), now=now)
        names = provider_names(r.key.get("provider") for r in rows)
        lines = []
        for r in rows:
            pid = r.key.get("provider")
            cells = [
                _cell(k, r.values, book, q, drill_url(k, q, provider=pid) if pid else "", provider_id=pid)
                for k in KPIS
            ]
            lines.append(Line(names.get(pid, DESK_LABEL) if pid else DESK_LABEL, cells, pid))
        lines.sort(key=lambda line: (line.key is None, line.label))
        out.providers = lines
    if not q.severity:
        rows = engine.figures(filters, group_by=("severity",), kpis=[k.code for k in INCIDENT_KPIS], now=now)
        lines = []
        for r in rows:
            code = r.key.get("severity")
            cells = [
                _cell(k, r.values, book, q, drill_url(k, q, severity=code), severity=code)
                for k in INCIDENT_KPIS
            ]
            lines.append(Line(f"Severity {code}", cells, code))
        lines.sort(key=lambda line: str(line.key))
        out.severities = lines
    out.severity_misses = severity_misses(q, who, book, now=now)
    resolved = values.get("resolved_in_sla")
    out.attribution = attribution(q, who, resolved.count if resolved else 0, now=now)
    out.attribution_by_provider = who.kind != "participant"
    return out


def severity_misses(
    q: KpiQuery, who: Audience, book: targets.Book, *, now=None
) -> list[tuple[str, str, Cell]]:
    """Each provider's incident KPIs by severity that miss its OLA (for the desk every provider, for a
    provider its own): the per-severity targets a provider-wide row cannot show."""
    if q.severity or who.kind not in ("desk", "provider"):
        return []
    if who.is_desk:
        wanted = [q.provider_id] if q.provider else None
    else:
        wanted = [q.provider_id] if q.provider else sorted(who.provider_ids)[:MAX_OWN]
    rows: list[engine.Row] = []
    codes = [k.code for k in INCIDENT_KPIS]
    if wanted is None:
        rows = engine.figures(q.filters(), group_by=("provider", "severity"), kpis=codes, now=now)
    else:
        for pid in wanted:
            rows += engine.figures(
                q.filters(provider_id=pid), group_by=("provider", "severity"), kpis=codes, now=now
            )
    names = provider_names(r.key.get("provider") for r in rows)
    found = []
    for r in rows:
        pid, code = r.key.get("provider"), r.key.get("severity")
        if not pid:
            continue
        for k in INCIDENT_KPIS:
            cell = _cell(
                k,
                r.values,
                book,
                q,
                drill_url(k, q, provider=pid, severity=code),
                provider_id=pid,
                severity=code,
            )
            if cell.missed:
                found.append((names.get(pid, str(pid)), str(code), cell))
    found.sort(key=lambda item: (item[0], item[1], item[2].kpi.code))
    return found


def attribution(q: KpiQuery, who: Audience, resolved: int, *, now=None) -> list[Holding]:
    """Where the time went: the desk and each provider (as ``who`` may see them), then the total."""
    holdings = engine.attribution(q.filters(), now=now)
    minutes = sum(h.minutes for h in holdings)
    rows: list[Holding] = []
    resolution = next(k for k in KPIS if k.code == "resolution_time")
    for h in holdings:
        if who.is_desk or (who.kind == "provider" and h.provider_id in who.provider_ids):
            url = drill_url(resolution, q, provider=h.provider_id) if h.provider_id else ""
            label = h.label or (DESK_LABEL if h.provider_id is None else str(h.provider_id))
            if h.provider_id is None:
                label = "Service desk"
            rows.append(Holding(label, h.provider_id, h.incidents, h.minutes, h.mean_minutes, h.share, url))
    mean = (Decimal(minutes) / resolved).quantize(Decimal("0.1"), ROUND_HALF_UP) if resolved else None
    rows.append(
        Holding(
            "All (end to end)",
            None,
            resolved,
            minutes,
            mean,
            Decimal(100) if minutes else None,
            drill_url(resolution, q),
            is_total=True,
        )
    )
    return rows


@dataclass
class Trend:
    kpi: Kpi
    query: KpiQuery
    months: list[Line]
    own_labels: list[str]
    chart: str = ""


def month_label(month: dt.date) -> str:
    return f"{month:%b %Y}"


def trend(kpi: Kpi, q: KpiQuery, who: Audience, *, now=None) -> Trend:
    """The KPI month by month from ``q.start`` to ``q.month``: the main figure then the viewer's own."""
    months = [add_months(q.start, i) for i in range(months_between(q.start, q.month))]
    book = targets.load(q.start, q.month)
    last = min(q.month, q.current or q.month)
    slices = [("", {}, {})]
    if kpi.basis == "incident":
        slices += own_slices(q, who)
    found: list[dict] = []
    for _label, changes, _args in slices:
        by_month: dict = {}
        if q.start <= last:
            rows = engine.figures(
                q.filters(start=q.start, end=last, **changes), group_by=("month",), kpis=[kpi.code], now=now
            )
            by_month = {r.key.get("month"): r.values for r in rows}
        found.append(by_month)
    lines = []
    for month in months:
        mq = q.replace(month=month, start=month)
        cells = []
        for (_label, changes, args), by_month in zip(slices, found, strict=True):
            slice_ = {"provider_id": changes["provider_id"]} if "provider_id" in changes else {}
            cells.append(
                _cell(
                    kpi, by_month.get(month, {}), book, mq, drill_url(kpi, mq, **args), month=month, **slice_
                )
            )
        lines.append(Line(month_label(month), cells, month))
    return Trend(kpi, q, lines, [label for label, _c, _a in slices[1:]])


def comparison(kpi: Kpi, q: KpiQuery, *, now=None) -> tuple[list[Line], targets.Judgement]:
    """The desk's provider comparison of one KPI for the month, and the end-to-end judgement."""
    if q.is_future:
        return [], targets.NO_TARGET
    book = targets.load(q.month, q.month)
    rows = engine.figures(q.filters(), group_by=("provider",), kpis=[kpi.code], now=now)
    names = provider_names(r.key.get("provider") for r in rows)
    lines = []
    for r in rows:
        pid = r.key.get("provider")
        url = drill_url(kpi, q, provider=pid) if pid else ""
        cell = _cell(kpi, r.values, book, q, url, provider_id=pid)
        lines.append(Line(names.get(pid, DESK_LABEL) if pid else DESK_LABEL, [cell], pid))
    lines.sort(key=lambda line: (line.key is None, line.label))
    end_to_end = book.judge(kpi.code, None, month=q.month, service_id=q.service_id)
    return lines, end_to_end


def by_severity(kpi: Kpi, q: KpiQuery, *, now=None) -> list[Line]:
    if q.is_future or kpi.basis != "incident" or q.severity:
        return []
    book = targets.load(q.month, q.month)
    rows = engine.figures(q.filters(), group_by=("severity",), kpis=[kpi.code], now=now)
    lines = []
    for r in rows:
        code = r.key.get("severity")
        cell = _cell(kpi, r.values, book, q, drill_url(kpi, q, severity=code), severity=code)
        lines.append(Line(f"Severity {code}", [cell], code))
    lines.sort(key=lambda line: str(line.key))
    return lines
