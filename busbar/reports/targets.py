"""Which agreement target a figure is judged against (SL-01, SL-19), and whether it met it.

:func:`load` reads every agreement in force at some point in a range of months (two queries) into a
:class:`Book`; :meth:`Book.judge` then answers, for one figure, with no further query:

* a **provider** slice is judged against that provider's OLA;
* otherwise a **service** slice against the service's SLA;
* otherwise (end to end) against the end-to-end SLA (the SLA with no service).

Within the chosen agreement a severity-specific target comes first, then the all-severity one. Only
agreements in force for the figure's month count (``starts_on`` on or before the month's last day and
``ends_on`` empty or on or after its first day); when several are in force, the most recently started
one that sets a target for the KPI wins. Whether higher or lower is better is the KPI's
(:meth:`busbar.reports.kpis.Kpi.met`)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.db.models import Prefetch, Q

from busbar.reports import kpis
from busbar.reports.models import Agreement, AgreementTarget
from busbar.services.models import Severity

Kind = Literal["sla", "ola", ""]

#: The severity scheme the KPIs and the agreements' per-severity targets use.
SEVERITY_SCHEME = "REC incident severities"


def severity_codes() -> list[str]:
    """The REC scheme's severity codes, most severe first."""
    return list(
        Severity.objects.filter(scheme__name=SEVERITY_SCHEME).order_by("rank").values_list("code", flat=True)
    )


@dataclass(frozen=True)
class Judgement:
    """A figure against its target: ``met`` is None when there is no target or no value."""

    target: Decimal | None
    met: bool | None
    agreement: str = ""
    agreement_id: int | None = None
    kind: Kind = ""

    @property
    def label(self) -> str:
        """ "met", "missed" or "" (no target or no value), for templates and exports."""
        if self.met is None:
            return ""
        return "met" if self.met else "missed"


NO_TARGET = Judgement(target=None, met=None)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def in_force(agreement: Agreement, month: dt.date) -> bool:
    """Whether ``agreement`` is in force at some point in ``month``."""
    first, last = month_start(month), month_end(month)
    return agreement.starts_on <= last and (agreement.ends_on is None or agreement.ends_on >= first)


@dataclass
class Book:
    """The agreements in force in a range, grouped by what they bind (provider / service / end to end)."""

    start: dt.date
    end: dt.date
    agreements: list[Agreement] = field(default_factory=list)
    _olas: dict[int, list[Agreement]] = field(default_factory=dict, repr=False)
    _slas: dict[int | None, list[Agreement]] = field(default_factory=dict, repr=False)
    _targets: dict[int, dict[tuple[str, str], Decimal]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        olas: dict[int, list[Agreement]] = defaultdict(list)
        slas: dict[int | None, list[Agreement]] = defaultdict(list)
        # Most recently started first; the newest id breaks a tie.
        for agreement in sorted(self.agreements, key=lambda a: (a.starts_on, a.id), reverse=True):
            if agreement.kind == Agreement.Kind.OLA:
                olas[agreement.provider_id].append(agreement)
            else:
                slas[agreement.service_id].append(agreement)
            self._targets[agreement.id] = {(t.kpi, t.severity_code): t.value for t in agreement.targets.all()}
        self._olas = dict(olas)
        self._slas = dict(slas)

    def candidates(self, *, provider_id: int | None = None, service_id: int | None = None) -> list[Agreement]:
        """The agreements a slice is judged against, most recently started first (not filtered by month)."""
        if provider_id is not None:
            return self._olas.get(provider_id, [])
        return self._slas.get(service_id, [])

    def target_of(self, agreement: Agreement, kpi: str, severity: str | None = None) -> Decimal | None:
        """The agreement's target for ``kpi``: the severity's own first, then the all-severity one."""
        values = self._targets.get(agreement.id, {})
        if severity:
            found = values.get((kpi, severity))
            if found is not None:
                return found
        return values.get((kpi, ""))

    def judge(
        self,
        kpi: str,
        value: Decimal | None,
        *,
        month: dt.date | None = None,
        provider_id: int | None = None,
        service_id: int | None = None,
        severity: str | None = None,
    ) -> Judgement:
        """``value`` of ``kpi`` for one slice and month against its target (see the module docstring).
        ``month`` None: the book's last month (a figure over the whole range)."""
        definition = kpis.get(kpi)
        when = month_start(month or self.end)
        for agreement in self.candidates(provider_id=provider_id, service_id=service_id):
            if not in_force(agreement, when):
                continue
            target = self.target_of(agreement, kpi, severity)
            if target is None:
                continue
            return Judgement(
                target=target,
                met=definition.met(value, target),
                agreement=agreement.name,
                agreement_id=agreement.id,
                kind=agreement.kind,
            )
        return NO_TARGET


def load(start: dt.date, end: dt.date) -> Book:
    """Every agreement in force at some point from ``start``'s month to ``end``'s month, with its targets
    (two queries)."""
    first, last = month_start(start), month_end(end)
    agreements = list(
        Agreement.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first), starts_on__lte=last)
        .select_related("service", "provider")
        .prefetch_related(
            Prefetch("targets", queryset=AgreementTarget.objects.order_by("kpi", "severity_code"))
        )
    )
    return Book(start=month_start(start), end=month_start(end), agreements=agreements)


@dataclass(frozen=True)
class Measure:
    """One target of an agreement against the month's measured figure for the agreement's slice."""

    target: AgreementTarget
    value: Decimal | None
    count: int
    met: bool | None

    @property
    def kpi(self) -> kpis.Kpi:
        return kpis.get(self.target.kpi)

    @property
    def label(self) -> str:
        if self.met is None:
            return ""
        return "met" if self.met else "missed"


def measure(agreement: Agreement, month: dt.date, *, now: dt.datetime | None = None) -> list[Measure]:
    """Every target of ``agreement`` (its ``targets`` prefetched or read here) against ``month``'s figure
    for what it binds: an OLA its provider, an SLA its service (or end to end), the target's severity.
    One engine call per distinct severity among the targets."""
    from busbar.reports import engine

    month = month_start(month)
    rows = list(agreement.targets.all())
    by_severity: dict[str, list[AgreementTarget]] = defaultdict(list)
    for target in rows:
        by_severity[target.severity_code].append(target)
    figures: dict[tuple[str, str], engine.Value] = {}
    for severity, group in by_severity.items():
        filters = engine.Filters(
            start=month,
            end=month,
            provider_id=agreement.provider_id if agreement.kind == Agreement.Kind.OLA else None,
            service_id=agreement.service_id if agreement.kind == Agreement.Kind.SLA else None,
            severity=severity or None,
        )
        found = engine.figures(filters, kpis=sorted({t.kpi for t in group}), now=now)
        for code, value in (found[0].values if found else {}).items():
            figures[(code, severity)] = value
    out = []
    for target in rows:
        figure = figures.get((target.kpi, target.severity_code))
        value = figure.value if figure is not None else None
        out.append(
            Measure(
                target=target,
                value=value,
                count=figure.count if figure is not None else 0,
                met=kpis.get(target.kpi).met(value, target.value),
            )
        )
    return out
