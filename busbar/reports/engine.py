"""The KPI engine: the ten KPIs of :mod:`busbar.reports.kpis` for a range of months, sliced by month,
provider, service and severity, end to end when not sliced by provider (``docs/kpis.md``).

* **Incident KPIs** (incidents, escalations, response_time, resolution_time, resolved_in_sla) are read
  from the monthly aggregates (:class:`~busbar.reports.models.KpiMonth`, one query) or, when the figures
  are for one participant organisation, straight from the incident facts (three queries, one per kind of
  month). Each counts an incident in its own month (``Kpi.month_of``): raised, resolved or escalated.
  ``provider`` is the incident's resolver organisation (None: the desk never passed it on).
* **Service KPIs** (availability, interruptions, interruption_minutes, major_changes, emergency_changes)
  come from :func:`busbar.changes.availability.for_services` per service and month, combined over the
  services of the slice: availability = Σ(agreed − downtime) / Σ agreed × 100 (weighted by agreed time),
  average interruption = Σ downtime / Σ interruptions, counts summed. ``provider`` is the service's
  provider. They have no severity and are not measured per participant: with a severity or an
  organisation they are None.

Values are :class:`Value` (a Decimal rounded half up: percentages to 3 places, minutes to 1, counts
whole; availability is rounded down, as each service's own figure is); ``count`` is how many incidents
(or services, for availability; interruptions, for their average) the value is over.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from busbar.reports import kpis as kpi_defs
from busbar.reports.aggregates import COLUMNS
from busbar.reports.models import FactSegment, IncidentFact, KpiMonth

__all__ = [
    "GROUPS",
    "MAX_MONTHS",
    "FilterError",
    "Filters",
    "Holding",
    "Row",
    "Value",
    "attribution",
    "changes_behind",
    "figures",
    "incidents_behind",
    "months",
]

#: A range of more months than this is refused (five years).
MAX_MONTHS = 60
GROUPS = ("month", "provider", "service", "severity")
_EARLIEST = dt.date(2000, 1, 1)
_LATEST = dt.date(2099, 12, 1)
_PERCENT = Decimal("0.001")
_MINUTES = Decimal("0.1")
DESK_LABEL = "Service desk"


class FilterError(ValueError):
    """A filter that cannot be used; ``field`` names it ("from", "to", "group_by", "kpi")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _first(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


@dataclass(frozen=True)
class Filters:
    """Which figures: months ``start`` to ``end`` (first days of months, both included), optionally one
    provider, service, severity code and participant organisation. Refused with :class:`FilterError`
    (a ValueError naming "from" or "to") when the range is backwards or over :data:`MAX_MONTHS`."""

    start: dt.date
    end: dt.date
    provider_id: int | None = None
    service_id: int | None = None
    severity: str | None = None
    organisation_id: int | None = None

    def __post_init__(self) -> None:
        for name, value in (("from", self.start), ("to", self.end)):
            if not isinstance(value, dt.date):
                raise FilterError(name, "give a month (YYYY-MM)")
            if not _EARLIEST <= _first(value) <= _LATEST:
                raise FilterError(name, f"must be between {_EARLIEST:%Y-%m} and {_LATEST:%Y-%m}")
        object.__setattr__(self, "start", _first(self.start))
        object.__setattr__(self, "end", _first(self.end))
        if self.end < self.start:
            raise FilterError("to", "must not be before from")
        if len(months(self.start, self.end)) > MAX_MONTHS:
            raise FilterError("to", f"a range is at most {MAX_MONTHS} months (five years)")
        if self.severity == "":
            object.__setattr__(self, "severity", None)

    @property
    def month_list(self) -> list[dt.date]:
        return months(self.start, self.end)


@dataclass(frozen=True)
class Value:
    """One KPI's figure: ``value`` (None when there is nothing to measure) over ``count`` incidents
    (or services for availability, interruptions for interruption_minutes)."""

    kpi: str
    value: Decimal | None
    count: int


@dataclass
class Row:
    """One slice: ``key`` holds the group_by dimensions; ``values`` every asked KPI by code."""

    key: dict
    values: dict[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Holding:
    """Where the resolution time went: one holder's (the desk's, ``provider_id`` None, or a provider's)
    working minutes of the incidents resolved in the range."""

    provider_id: int | None
    label: str
    incidents: int
    minutes: int
    mean_minutes: Decimal | None
    share: Decimal | None


def months(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the months from ``start`` to ``end``, both included."""
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _round(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def _ratio(num: int, den: int, places: Decimal, scale: int = 1) -> Decimal | None:
    if not den:
        return None
    return _round(Decimal(num) * scale / Decimal(den), places)


# Incident KPIs ------------------------------------------------------------------------------------------

_DIMENSION = {"provider": "provider_id", "service": "service_id", "severity": "severity_code"}


def _key(group_by: Sequence[str], month: dt.date, provider, service, severity) -> tuple:
    parts = {"month": month, "provider": provider, "service": service, "severity": severity}
    return tuple(parts[g] for g in group_by)


def _fact_filter(filters: Filters) -> Q:
    q = Q()
    if filters.provider_id is not None:
        q &= Q(provider_id=filters.provider_id)
    if filters.service_id is not None:
        q &= Q(service_id=filters.service_id)
    if filters.severity is not None:
        q &= Q(severity_code=filters.severity)
    if filters.organisation_id is not None:
        q &= Q(organisation_id=filters.organisation_id)
    return q


def _incident_sums(filters: Filters, group_by: Sequence[str]) -> dict[tuple, dict[str, int]]:
    """The KpiMonth columns summed per group key, from the aggregates (one query) or, for one
    organisation, from the facts (three queries)."""
    sums: dict[tuple, dict[str, int]] = {}
    dims = [_DIMENSION[g] for g in group_by if g != "month"]
    if filters.organisation_id is None:
        qs = KpiMonth.objects.filter(_fact_filter(filters), month__gte=filters.start, month__lte=filters.end)
        if not group_by:
            total = qs.aggregate(**{f"s_{c}": Sum(c) for c in COLUMNS})
            return {(): {c: int(total[f"s_{c}"] or 0) for c in COLUMNS}}
        rows = qs.values("month", *dims) if "month" in group_by else qs.values(*dims)
        rows = rows.annotate(**{f"s_{c}": Sum(c) for c in COLUMNS}).order_by()
        for r in rows:
            key = _key(
                group_by, r.get("month"), r.get("provider_id"), r.get("service_id"), r.get("severity_code")
            )
            sums[key] = {c: int(r[f"s_{c}"] or 0) for c in COLUMNS}
        return sums
    from busbar.reports.aggregates import _SOURCES

    base = IncidentFact.objects.filter(_fact_filter(filters))
    for month_field, aggregates in _SOURCES:
        qs = base.filter(**{f"{month_field}__gte": filters.start, f"{month_field}__lte": filters.end})
        named = {f"s_{name}": agg for name, agg in aggregates.items()}
        if not group_by:
            total = qs.aggregate(**named)
            row = sums.setdefault((), dict.fromkeys(COLUMNS, 0))
            for name in aggregates:
                row[name] = int(total[f"s_{name}"] or 0)
            continue
        values = qs.values(*dims, s_month=F(month_field)) if "month" in group_by else qs.values(*dims)
        for r in values.annotate(**named).order_by():
            key = _key(
                group_by, r.get("s_month"), r.get("provider_id"), r.get("service_id"), r.get("severity_code")
            )
            row = sums.setdefault(key, dict.fromkeys(COLUMNS, 0))
            for name in aggregates:
                row[name] = int(r[f"s_{name}"] or 0)
    return sums


def _incident_values(s: dict[str, int]) -> dict[str, Value]:
    return {
        "incidents": Value("incidents", Decimal(s["raised"]), s["raised"]),
        "escalations": Value("escalations", Decimal(s["escalated"]), s["escalated"]),
        "response_time": Value(
            "response_time", _ratio(s["response_minutes"], s["responded"], _MINUTES), s["responded"]
        ),
        "resolution_time": Value(
            "resolution_time", _ratio(s["resolution_minutes"], s["resolved"], _MINUTES), s["resolved"]
        ),
        "resolved_in_sla": Value(
            "resolved_in_sla", _ratio(s["resolution_met"], s["resolved"], _PERCENT, 100), s["resolved"]
        ),
    }


# Service KPIs -------------------------------------------------------------------------------------------

_SERVICE_SUMS = ("services", "agreed", "downtime", "interruptions", "major_changes", "emergency_changes")


def _services(filters: Filters):
    from busbar.services.models import Service

    qs = Service.objects.all()
    if filters.provider_id is not None:
        qs = qs.filter(provider_id=filters.provider_id)
    if filters.service_id is not None:
        qs = qs.filter(pk=filters.service_id)
    return list(qs.order_by("pk"))


def _service_sums(
    filters: Filters, group_by: Sequence[str], now: dt.datetime | None
) -> dict[tuple, dict[str, int]]:
    from busbar.changes.availability import for_services

    services = _services(filters)
    sums: dict[tuple, dict[str, int]] = {}
    if not services:
        return sums
    by_year: dict[int, list[int]] = defaultdict(list)
    for month in filters.month_list:
        by_year[month.year].append(month.month)
    for year, wanted in sorted(by_year.items()):
        result = for_services(services, year, months=wanted, now=now)
        for service in services:
            for fig in result.get(service.pk, []):
                key = _key(group_by, dt.date(year, fig.month, 1), service.provider_id, service.pk, None)
                row = sums.setdefault(key, dict.fromkeys(_SERVICE_SUMS, 0))
                if fig.agreed_minutes > 0:
                    row["services"] += 1
                row["agreed"] += fig.agreed_minutes
                row["downtime"] += fig.downtime_minutes
                row["interruptions"] += fig.interruptions
                row["major_changes"] += fig.major_changes
                row["emergency_changes"] += fig.emergency_changes
    return sums


def _service_values(s: dict[str, int] | None) -> dict[str, Value]:
    if s is None:
        return {code: Value(code, None, 0) for code in _SERVICE_CODES}
    availability = None
    if s["agreed"] > 0:
        # Rounded down, as each service's own figure is (busbar.changes.availability): never flattering.
        exact = Decimal(s["agreed"] - s["downtime"]) * 100 / Decimal(s["agreed"])
        availability = exact.quantize(_PERCENT, rounding=ROUND_DOWN)
    return {
        "availability": Value("availability", availability, s["services"]),
        "interruptions": Value("interruptions", Decimal(s["interruptions"]), s["interruptions"]),
        "interruption_minutes": Value(
            "interruption_minutes", _ratio(s["downtime"], s["interruptions"], _MINUTES), s["interruptions"]
        ),
        "major_changes": Value("major_changes", Decimal(s["major_changes"]), s["major_changes"]),
        "emergency_changes": Value(
            "emergency_changes", Decimal(s["emergency_changes"]), s["emergency_changes"]
        ),
    }


_SERVICE_CODES = tuple(k.code for k in kpi_defs.KPIS if k.basis == "service")
_INCIDENT_CODES = tuple(k.code for k in kpi_defs.KPIS if k.basis == "incident")


# Figures ------------------------------------------------------------------------------------------------


def _check_groups(group_by: Sequence[str]) -> list[str]:
    groups = [g for g in GROUPS if g in set(group_by)]
    unknown = set(group_by) - set(GROUPS)
    if unknown:
        raise FilterError("group_by", f"unknown {', '.join(sorted(unknown))}: one of {', '.join(GROUPS)}")
    return groups


def _check_kpis(codes: Sequence[str] | None) -> list[str]:
    if codes is None:
        return list(kpi_defs.CODES)
    unknown = [c for c in codes if c not in kpi_defs.BY_CODE]
    if unknown:
        raise FilterError("kpi", f"unknown {', '.join(unknown)}: one of {', '.join(kpi_defs.CODES)}")
    return [c for c in kpi_defs.CODES if c in set(codes)]


def _sort_key(key: tuple) -> tuple:
    return tuple((v is not None, v if v is not None else 0) for v in key)


def figures(
    filters: Filters,
    *,
    group_by: Sequence[str] = (),
    kpis: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> list[Row]:
    """The asked KPIs (default: all ten) per slice of ``group_by`` (in GROUPS order), rows sorted by key.
    Grouped by month, every month of the range has a row; otherwise the slices with something measured
    (one row, key {}, when not grouped). A fixed number of queries whatever the range."""
    groups = _check_groups(group_by)
    codes = _check_kpis(kpis)
    want_incident = any(c in _INCIDENT_CODES for c in codes)
    service_applies = (
        filters.severity is None and filters.organisation_id is None and "severity" not in groups
    )
    want_service = service_applies and any(c in _SERVICE_CODES for c in codes)
    incident = _incident_sums(filters, groups) if want_incident else {}
    service = _service_sums(filters, groups, now) if want_service else {}
    keys = set(incident) | set(service)
    if not groups:
        keys = {()}
    elif groups == ["month"]:
        keys |= {(m,) for m in filters.month_list}
    empty = dict.fromkeys(COLUMNS, 0)
    rows = []
    for key in sorted(keys, key=_sort_key):
        values = _incident_values(incident.get(key, empty))
        if want_service:
            values.update(_service_values(service.get(key, dict.fromkeys(_SERVICE_SUMS, 0))))
        else:
            values.update(_service_values(None))
        rows.append(Row(key=dict(zip(groups, key, strict=True)), values={c: values[c] for c in codes}))
    return rows


# Attribution --------------------------------------------------------------------------------------------


def _resolved_facts(filters: Filters) -> QuerySet[IncidentFact]:
    return IncidentFact.objects.filter(
        _fact_filter(filters), resolved_month__gte=filters.start, resolved_month__lte=filters.end
    )


def attribution(filters: Filters, *, now: dt.datetime | None = None) -> list[Holding]:
    """Who held the resolution clock's working time of the incidents resolved in the range (filters
    applied; ``provider`` filters on the resolver): the desk first, then providers by name. One query."""
    rows = (
        FactSegment.objects.filter(fact__in=_resolved_facts(filters))
        .values("provider_id", "provider__name")
        .annotate(n=Count("fact_id", distinct=True), minutes=Sum("minutes"))
        .order_by()
    )
    rows = list(rows)
    total = sum(int(r["minutes"] or 0) for r in rows)
    out = []
    for r in sorted(rows, key=lambda r: (r["provider_id"] is not None, r["provider__name"] or "")):
        minutes = int(r["minutes"] or 0)
        out.append(
            Holding(
                provider_id=r["provider_id"],
                label=r["provider__name"] or DESK_LABEL,
                incidents=r["n"],
                minutes=minutes,
                mean_minutes=_ratio(minutes, r["n"], _MINUTES),
                share=_ratio(minutes, total, _PERCENT, 100),
            )
        )
    return out


# Drill-down ---------------------------------------------------------------------------------------------


def _range(filters: Filters) -> tuple[dt.datetime, dt.datetime]:
    from busbar.changes.availability import month_bounds

    start = month_bounds(filters.start.year, filters.start.month)[0]
    end = month_bounds(filters.end.year, filters.end.month)[1]
    return start, end


def incidents_behind(filters: Filters, kpi: str) -> QuerySet:
    """The incidents a figure counts (not visibility-filtered: intersect with the caller's
    ``busbar.incidents.queries.visible_to``). Service KPIs: the most-severe major incidents on the slice's
    services that overlap the range (availability, interruptions); change KPIs: none."""
    from busbar.incidents.models import Incident, IncidentStatus

    definition = kpi_defs.get(kpi)
    if definition.basis == "service":
        if kpi in ("major_changes", "emergency_changes") or filters.severity or filters.organisation_id:
            return Incident.objects.none()
        start, end = _range(filters)
        services = [s.pk for s in _services(filters)]
        return (
            Incident.objects.filter(
                service_id__in=services, major__isnull=False, severity__rank=1, major__opened_at__lt=end
            )
            .exclude(status=IncidentStatus.CANCELLED)
            .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=start))
        )
    month_field = {"raised": "month", "resolved": "resolved_month", "escalated": "escalated_month"}[
        definition.month_of
    ]
    facts = IncidentFact.objects.filter(
        _fact_filter(filters), **{f"{month_field}__gte": filters.start, f"{month_field}__lte": filters.end}
    )
    if kpi == "response_time":
        facts = facts.filter(response_minutes__isnull=False)
    return Incident.objects.filter(pk__in=facts.values("incident_id"))


def changes_behind(filters: Filters, kpi: str) -> QuerySet:
    """The Change Notifications a major_changes / emergency_changes figure counts (none for other KPIs)."""
    from busbar.changes.models import IMPLEMENTED, ChangeNotification, ChangeService, ChangeStatus, ChangeType

    kpi_defs.get(kpi)
    kind = {"major_changes": ChangeType.MAJOR, "emergency_changes": ChangeType.EMERGENCY}.get(kpi)
    if kind is None or filters.severity or filters.organisation_id:
        return ChangeNotification.objects.none()
    start, end = _range(filters)
    rows = ChangeService.objects.filter(
        service_id__in=[s.pk for s in _services(filters)],
        change__change_type=kind,
        change__status__in=IMPLEMENTED | {ChangeStatus.IN_PROGRESS},
    ).filter(
        Q(change__actual_start__gte=start, change__actual_start__lt=end)
        | Q(
            change__actual_start__isnull=True, change__planned_start__gte=start, change__planned_start__lt=end
        )
    )
    return ChangeNotification.objects.filter(pk__in=rows.values("change_id"))


def provider_labels(ids: Iterable[int | None]) -> dict[int | None, str]:
    """Names of providers by id (None: the desk), for tables."""
    from busbar.parties.models import Organisation

    names = dict(Organisation.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))
    return {i: names.get(i, DESK_LABEL if i is None else str(i)) for i in ids}
