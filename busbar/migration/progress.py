"""Migration progress, read from the incremental daily aggregates (issue 16, items 3 and 6).

* :func:`industry` / :func:`supplier`: per day the MPANs planned (the day's :class:`PlanLine` volumes of
  SUBMITTED and ACCEPTED plans) and migrated (net: migrated + re-migrated − reverse-migrated, from
  :class:`DailyProgress`), cumulative, by segment, and the totals against the portfolio (the supplier
  entrants' portfolio counts).
* :func:`distributor_load`: per distributor (DNO) area and day, MPANs planned, migrated and the cap of the
  distributor threshold in force (:mod:`busbar.migration.thresholds`' rule).
* :func:`readiness`: per supplier, migrated so far against its portfolio, the 14-day run rate and the day
  it would finish at that rate, against M14 and M15.
* :func:`at_risk`: the participants at risk and why (not qualified by a tranche ending after the risk
  cut-off, plan ending after M15, behind plan by more than 10 %, open exceptions, a large portfolio landing
  late — R525).

The ledger (:class:`Mpan`) is never counted here: at 30 million MPANs only the daily aggregates are read.
Every function costs a fixed number of aggregate queries whatever the number of days, suppliers or
distributors (the tests count them).

``viewer`` is the person (a user, as :func:`busbar.migration.queries.viewer` takes) or their
:class:`~busbar.migration.queries.Viewer`. Visibility follows :mod:`busbar.migration.queries`: the
programme (read-all functions, the desk) sees everything; a supplier its own rows; a DNO the rows of its
area(s); nobody else anything. :func:`supplier` of a supplier the viewer may not see raises ``Http404``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.http import Http404

from busbar.migration import common, queries
from busbar.migration.models import (
    QUALIFIED_STATUSES,
    DailyProgress,
    Entrant,
    EntrantKind,
    ExceptionStatus,
    MigrationException,
    MigrationPlan,
    PlanDay,
    PlanLine,
    PlanStatus,
    QualificationStatus,
    Segment,
    ThresholdScope,
)
from busbar.migration.queries import Viewer

#: Plans whose lines count as planned (a draft or returned plan is the supplier's working copy).
COUNTED_PLANS = (PlanStatus.SUBMITTED, PlanStatus.ACCEPTED)
#: The run rate is the average net MPANs migrated a day over this many days (to today).
RUN_RATE_DAYS = 14
#: Behind plan when migrated to date is more than this share under planned to date.
BEHIND_SHARE = 0.10
#: Exceptions still to be worked.
OPEN_EXCEPTIONS = (ExceptionStatus.OPEN, ExceptionStatus.INVESTIGATING)
#: The longest span a progress report covers (days), and the longest distributor-load range.
MAX_DAYS = 3 * 366
MAX_LOAD_DAYS = 366
#: The distributor-load range when none is given: today and the next days.
DEFAULT_LOAD_DAYS = 28
SEGMENTS: tuple[str, ...] = tuple(Segment.values)
SEGMENT_LABELS: dict[str, str] = dict(Segment.choices)


# Who sees what ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Who:
    user: Any
    v: Viewer


def _who(viewer: Any) -> _Who:
    if isinstance(viewer, _Who):
        return viewer
    if isinstance(viewer, Viewer):
        return _Who(user=None, v=viewer)
    return _Who(user=viewer, v=queries.viewer(viewer))


def _progress_rows(who: _Who) -> QuerySet:
    """Daily aggregates the person sees (queries.progress_visible_to)."""
    if who.user is not None:
        return queries.progress_visible_to(who.user)
    v = who.v
    qs = DailyProgress.objects.all()
    if not v.is_authenticated:
        return qs.none()
    if v.reads_all:
        return qs
    return qs.filter(Q(supplier_id__in=v.organisation_ids) | Q(distributor__in=v.distributors))


def _plan_lines(who: _Who, programme_id: int, *, by_distributor: bool = False) -> QuerySet:
    """Counted plan lines the person sees, on the same rule as the daily aggregates: the programme all, a
    supplier its own plans' lines, a DNO the lines in its area (queries.plan_lines_visible_to, narrowed so
    that planned and migrated always cover the same MPANs)."""
    v = who.v
    if not v.is_authenticated:
        return PlanDay.objects.none()
    if not by_distributor and (v.reads_all or not v.distributors):
        # No distributor in the rule: the plans' daily totals (PlanDay, kept by the plan actions) answer
        # the same sums from a row per plan and day instead of one per day, distributor and agent.
        days = PlanDay.objects.filter(plan__programme_id=programme_id, plan__status__in=COUNTED_PLANS)
        return days if v.reads_all else days.filter(plan__supplier_id__in=v.organisation_ids)
    if who.user is not None:
        qs = queries.plan_lines_visible_to(who.user)
    elif not v.is_authenticated:
        qs = PlanLine.objects.none()
    elif v.central:
        qs = PlanLine.objects.all()
    else:
        qs = PlanLine.objects.filter(
            Q(plan__programme_id__in=v.reads)
            | Q(plan__supplier_id__in=v.organisation_ids)
            | Q(distributor__in=v.distributors)
        )
    qs = qs.filter(plan__programme_id=programme_id, plan__status__in=COUNTED_PLANS)
    if not v.reads_all:
        qs = qs.filter(Q(plan__supplier_id__in=v.organisation_ids) | Q(distributor__in=v.distributors))
    return qs


def sees_progress(viewer: Any) -> bool:
    """May the person open the progress pages: the programme, a DNO, or a supplier (an organisation with a
    supplier entrant, a plan or daily progress of its own). At most one query."""
    who = _who(viewer)
    v = who.v
    if not v.is_authenticated:
        return False
    if v.reads_all or v.distributors:
        return True
    orgs = list(v.organisation_ids)
    if not orgs:
        return False
    return (
        Entrant.objects.filter(organisation_id__in=orgs, kind=EntrantKind.SUPPLIER).exists()
        or MigrationPlan.objects.filter(supplier_id__in=orgs).exists()
        or DailyProgress.objects.filter(supplier_id__in=orgs).exists()
    )


def sees_readiness(viewer: Any) -> bool:
    """The readiness report: the programme (every supplier) and suppliers (their own)."""
    v = _who(viewer).v
    return v.is_authenticated and (v.reads_all or bool(v.organisation_ids))


def sees_distributor_load(viewer: Any) -> bool:
    """Distributor load: the programme (every area) and DNOs (their own area)."""
    v = _who(viewer).v
    return v.is_authenticated and (v.reads_all or bool(v.distributors))


def sees_at_risk(viewer: Any) -> bool:
    """At-risk participants: the programme's readers and managers only."""
    v = _who(viewer).v
    return v.is_authenticated and v.reads_all


# Progress -----------------------------------------------------------------------------------------------


@dataclass
class DayRow:
    day: dt.date
    planned: int = 0
    scheduled: int = 0
    migrated: int = 0
    remigrated: int = 0
    reversed: int = 0
    failed: int = 0
    cum_planned: int = 0
    cum_actual: int = 0
    #: segment -> (planned, actual net) on the day
    segments: dict[str, list[int]] = field(default_factory=dict)

    @property
    def actual(self) -> int:
        """Net MPANs migrated on the day: migrated + re-migrated − reverse-migrated."""
        return self.migrated + self.remigrated - self.reversed


@dataclass
class SegmentProgress:
    segment: str
    label: str
    planned: int = 0
    planned_to_date: int = 0
    actual: int = 0
    portfolio: int | None = None
    #: per day of :attr:`Progress.days`
    daily_planned: list[int] = field(default_factory=list)
    daily_actual: list[int] = field(default_factory=list)
    cum_planned: list[int] = field(default_factory=list)
    cum_actual: list[int] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        return _percent(self.actual, self.portfolio)

    @property
    def variance(self) -> int:
        """Migrated to date minus planned to date (negative: behind)."""
        return self.actual - self.planned_to_date


@dataclass
class Progress:
    today: dt.date
    #: "industry", "supplier"; ``area`` names what a DNO sees (its distributor IDs)
    kind: str
    segment: str | None
    supplier: Any = None
    area: tuple[str, ...] = ()
    restricted: bool = False
    programme: Any = None
    days: list[DayRow] = field(default_factory=list)
    segments: list[SegmentProgress] = field(default_factory=list)
    planned: int = 0
    planned_to_date: int = 0
    actual: int = 0
    migrated: int = 0
    remigrated: int = 0
    reversed: int = 0
    failed: int = 0
    portfolio: int | None = None
    m11: dt.date | None = None
    m14: dt.date | None = None
    m15: dt.date | None = None

    @property
    def percent(self) -> float | None:
        return _percent(self.actual, self.portfolio)

    @property
    def variance(self) -> int:
        return self.actual - self.planned_to_date

    @property
    def empty(self) -> bool:
        return not self.days

    @property
    def title(self) -> str:
        who = self.supplier.name if self.supplier is not None else "Industry"
        if self.area:
            who += f" (distributor area {', '.join(self.area)})"
        elif self.restricted and self.supplier is None:
            who = "Your organisation"
        seg = f", {SEGMENT_LABELS[self.segment]}" if self.segment else ""
        return f"{who}{seg}"


def _percent(part: int, whole: int | None) -> float | None:
    if not whole:
        return None
    return round(100.0 * part / whole, 1)


def _programme() -> Any:
    return common.migration_programme()


def _windows(programme: Any, segment: str | None) -> tuple[dict[str, Any], Any, Any, Any]:
    wins = common.segment_windows(programme.pk) if programme is not None else {}
    chosen = [w for s, w in wins.items() if segment in (None, s)]
    if not chosen:
        return wins, None, None, None
    return (
        wins,
        min(w.opens for w in chosen),
        max(w.reverse_until for w in chosen),
        max(w.closes for w in chosen),
    )


def _check_segment(segment: str | None) -> str | None:
    if segment in (None, ""):
        return None
    if segment not in SEGMENTS:
        from busbar.lib.actions import ActionError

        raise ActionError(f"Choose one of {', '.join(SEGMENTS)}", field="segment")
    return segment


def _build(
    who: _Who,
    *,
    kind: str,
    segment: str | None,
    supplier_org: Any,
    today: dt.date | None,
) -> Progress:
    today = today or common.today()
    v = who.v
    programme = _programme()
    restricted = not v.reads_all
    # A DNO sees its area's rows (of every supplier, or of the supplier asked for), unless the supplier
    # asked for is its own organisation.
    own = supplier_org is not None and supplier_org.pk in v.organisation_ids
    area = tuple(sorted(v.distributors)) if restricted and v.distributors and not own else ()
    out = Progress(
        today=today,
        kind=kind,
        segment=segment,
        supplier=supplier_org,
        area=area,
        restricted=restricted,
        programme=programme,
    )
    if programme is None:
        return out
    _wins, out.m11, out.m14, out.m15 = _windows(programme, segment)

    actual_rows = _progress_rows(who)
    plan_rows = _plan_lines(who, programme.pk)
    if supplier_org is not None:
        actual_rows = actual_rows.filter(supplier_id=supplier_org.pk)
        plan_rows = plan_rows.filter(plan__supplier_id=supplier_org.pk)
    if segment:
        actual_rows = actual_rows.filter(segment=segment)
        plan_rows = plan_rows.filter(plan__segment=segment)

    planned: dict[tuple[dt.date, str], int] = {
        (r["day"], r["plan__segment"]): r["n"] or 0
        for r in plan_rows.values("day", "plan__segment").annotate(n=Sum("volume")).order_by()
    }
    actual: dict[tuple[dt.date, str], dict[str, int]] = {
        (r["day"], r["segment"]): r
        for r in actual_rows.values("day", "segment")
        .annotate(
            s=Sum("scheduled"), m=Sum("migrated"), rm=Sum("remigrated"), rv=Sum("reversed"), f=Sum("failed")
        )
        .order_by()
    }
    out.portfolio, seg_portfolio = _portfolio(who, programme, supplier_org, area)
    if segment and seg_portfolio is not None:
        out.portfolio = seg_portfolio.get(segment, 0)

    data_days = [d for d, _ in planned] + [d for d, _ in actual]
    bounds = [d for d in (out.m11, out.m15) if d is not None] + data_days
    if bounds:
        start, end = min(bounds), max(bounds)
        if (end - start).days >= MAX_DAYS:
            start = end - dt.timedelta(days=MAX_DAYS - 1)
        n = (end - start).days + 1
    else:
        start, n = today, 0
    shown_segments = [segment] if segment else list(SEGMENTS)
    segs = {
        s: SegmentProgress(
            segment=s,
            label=SEGMENT_LABELS[s],
            portfolio=seg_portfolio.get(s) if seg_portfolio is not None else None,
        )
        for s in shown_segments
    }
    cum_p = cum_a = 0
    seg_cum = {s: [0, 0] for s in shown_segments}
    for i in range(n):
        day = start + dt.timedelta(days=i)
        row = DayRow(day=day)
        for s in shown_segments:
            p = planned.get((day, s), 0)
            a = actual.get((day, s))
            sp = segs[s]
            net = 0
            if a:
                row.scheduled += a["s"] or 0
                row.migrated += a["m"] or 0
                row.remigrated += a["rm"] or 0
                row.reversed += a["rv"] or 0
                row.failed += a["f"] or 0
                net = (a["m"] or 0) + (a["rm"] or 0) - (a["rv"] or 0)
            row.planned += p
            row.segments[s] = [p, net]
            seg_cum[s][0] += p
            seg_cum[s][1] += net
            sp.daily_planned.append(p)
            sp.daily_actual.append(net)
            sp.cum_planned.append(seg_cum[s][0])
            sp.cum_actual.append(seg_cum[s][1])
            sp.planned += p
            sp.actual += net
            if day <= today:
                sp.planned_to_date += p
        cum_p += row.planned
        cum_a += row.actual
        row.cum_planned, row.cum_actual = cum_p, cum_a
        out.days.append(row)
        out.planned += row.planned
        if day <= today:
            out.planned_to_date += row.planned
        out.actual += row.actual
        out.migrated += row.migrated
        out.remigrated += row.remigrated
        out.reversed += row.reversed
        out.failed += row.failed
    out.segments = list(segs.values())
    return out


def _portfolio(
    who: _Who, programme: Any, supplier_org: Any, area: tuple[str, ...]
) -> tuple[int | None, dict[str, int] | None]:
    """The portfolio behind the figures (supplier entrants' counts; one query), or None where the figures
    are a distributor area's (no portfolio per area is known)."""
    v = who.v
    if area:
        return None, None
    entrants = Entrant.objects.filter(window__programme_id=programme.pk, kind=EntrantKind.SUPPLIER).exclude(
        status=QualificationStatus.WITHDRAWN
    )
    if supplier_org is not None:
        entrants = entrants.filter(organisation_id=supplier_org.pk)
    elif not v.reads_all:
        entrants = entrants.filter(organisation_id__in=v.organisation_ids)
    sums = entrants.aggregate(
        smart=Sum("smart"), non_smart=Sum("non_smart"), advanced=Sum("advanced"), unmetered=Sum("unmetered")
    )
    if all(value is None for value in sums.values()):
        return None, None
    by_segment = {s: sums.get(s) or 0 for s in SEGMENTS}
    return sum(by_segment.values()), by_segment


def industry(viewer: Any, *, segment: str | None = None, today: dt.date | None = None) -> Progress:
    """Industry-wide progress as the person may see it (the programme: everything; a supplier: its own; a
    DNO: its area). Five queries."""
    who = _who(viewer)
    return _build(who, kind="industry", segment=_check_segment(segment), supplier_org=None, today=today)


def supplier(
    viewer: Any, supplier_id: int, *, segment: str | None = None, today: dt.date | None = None
) -> Progress:
    """One supplier's progress: the programme any supplier's, a supplier its own (another's: Http404), a DNO
    a supplier's rows in its area. Six queries."""
    from busbar.parties.models import Organisation

    who = _who(viewer)
    v = who.v
    if not v.is_authenticated:
        raise Http404
    try:
        supplier_id = int(supplier_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not (v.reads_all or supplier_id in v.organisation_ids or v.distributors):
        raise Http404
    org = Organisation.objects.filter(pk=supplier_id).first()
    if org is None:
        raise Http404
    return _build(who, kind="supplier", segment=_check_segment(segment), supplier_org=org, today=today)


# Distributor load ---------------------------------------------------------------------------------------


@dataclass
class LoadDay:
    day: dt.date
    planned: int = 0
    actual: int = 0
    reversed: int = 0
    cap: int | None = None

    @property
    def over(self) -> bool:
        return self.cap is not None and self.planned > self.cap

    @property
    def excess(self) -> int:
        return max(0, self.planned - self.cap) if self.cap is not None else 0


@dataclass
class DistributorLoad:
    distributor: str
    name: str
    days: list[LoadDay] = field(default_factory=list)

    @property
    def planned(self) -> int:
        return sum(d.planned for d in self.days)

    @property
    def actual(self) -> int:
        return sum(d.actual for d in self.days)

    @property
    def over_days(self) -> list[LoadDay]:
        return [d for d in self.days if d.over]

    @property
    def peak(self) -> int:
        return max((d.planned for d in self.days), default=0)


def distributor_name(distributor: str) -> str:
    from busbar.datagen.mpan import BY_ID

    found = BY_ID.get(distributor)
    return f"{distributor} {found.area}" if found else distributor


def load_range(
    day_from: Any = None, day_to: Any = None, *, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The range asked for, checked: dates 2000–2100, ``day_to`` not before ``day_from``, at most
    :data:`MAX_LOAD_DAYS` days (ActionError naming the field); default today and the next 27 days."""
    from busbar.lib.actions import ActionError

    today = today or common.today()
    start = common.check_day(day_from, field="day_from", required=False) or today
    end = common.check_day(day_to, field="day_to", required=False) or (
        start + dt.timedelta(days=DEFAULT_LOAD_DAYS - 1)
    )
    if end < start:
        raise ActionError("The last day is before the first", field="day_to")
    if (end - start).days >= MAX_LOAD_DAYS:
        raise ActionError(f"At most {MAX_LOAD_DAYS} days at once", field="day_to")
    return start, end


def _caps(programme_id: int) -> Any:
    """The programme's thresholds, resolved per day by H3's rule (:class:`busbar.migration.thresholds.
    Resolver`: the latest in force for the distributor, else the scope's default): one query, whatever the
    number of days."""
    from busbar.migration import thresholds

    return thresholds.resolver(programme_id)


def _cap(res: Any, distributor: str, day: dt.date) -> int | None:
    found = res.in_force(ThresholdScope.DISTRIBUTOR, distributor, "", day)
    return found.daily_max if found is not None else None


def distributor_load(
    viewer: Any, *, day_from: Any = None, day_to: Any = None, today: dt.date | None = None
) -> list[DistributorLoad]:
    """Per distributor area and day from ``day_from`` to ``day_to``: MPANs planned (counted plans), migrated
    (migrated + re-migrated that day: the area's load), reverse-migrated, and the distributor cap in force.
    The programme sees every area with plans, migrations or a cap; a DNO its own; anyone else nothing.
    Three queries."""
    who = _who(viewer)
    v = who.v
    start, end = load_range(day_from, day_to, today=today)
    if not sees_distributor_load(who):
        return []
    programme = _programme()
    if programme is None:
        return []
    plan_rows = _plan_lines(who, programme.pk, by_distributor=True).filter(day__gte=start, day__lte=end)
    actual_rows = _progress_rows(who).filter(day__gte=start, day__lte=end)
    if not v.reads_all:
        plan_rows = plan_rows.filter(distributor__in=v.distributors)
        actual_rows = actual_rows.filter(distributor__in=v.distributors)
    planned = {
        (r["distributor"], r["day"]): r["n"] or 0
        for r in plan_rows.values("distributor", "day").annotate(n=Sum("volume")).order_by()
    }
    actual = {
        (r["distributor"], r["day"]): r
        for r in actual_rows.values("distributor", "day")
        .annotate(n=Sum(F("migrated") + F("remigrated")), rv=Sum("reversed"))
        .order_by()
    }
    res = _caps(programme.pk)
    dists = {d for d, _ in planned} | {d for d, _ in actual}
    own_caps = {
        subject for scope, subject, _seg in res.by_key if scope == ThresholdScope.DISTRIBUTOR and subject
    }
    dists |= own_caps if v.reads_all else own_caps & set(v.distributors)
    out = []
    n = (end - start).days + 1
    for dist in sorted(dists):
        load = DistributorLoad(distributor=dist, name=distributor_name(dist))
        for i in range(n):
            day = start + dt.timedelta(days=i)
            a = actual.get((dist, day)) or {}
            load.days.append(
                LoadDay(
                    day=day,
                    planned=planned.get((dist, day), 0),
                    actual=a.get("n") or 0,
                    reversed=a.get("rv") or 0,
                    cap=_cap(res, dist, day),
                )
            )
        out.append(load)
    return out


# Readiness to M14 ---------------------------------------------------------------------------------------


@dataclass
class Readiness:
    entrant: Any
    organisation: Any
    portfolio: int
    migrated: int
    planned_to_date: int
    planned_total: int
    plan_ends: dt.date | None
    run_rate: float
    projected: dt.date | None
    m14: dt.date | None
    m15: dt.date | None
    today: dt.date

    @property
    def remaining(self) -> int:
        return max(0, self.portfolio - self.migrated)

    @property
    def percent(self) -> float | None:
        return _percent(self.migrated, self.portfolio)

    @property
    def behind_share(self) -> float | None:
        """How far under plan to date (0.25: a quarter under), None without a plan to date."""
        if not self.planned_to_date:
            return None
        return max(0.0, (self.planned_to_date - self.migrated) / self.planned_to_date)

    @property
    def status(self) -> str:
        """complete, on_track (by M14), after_m14, after_m15, not_started (nothing migrated lately)."""
        if self.portfolio and self.remaining == 0:
            return "complete"
        if self.projected is None:
            return "not_started"
        if self.m14 is None or self.projected <= self.m14:
            return "on_track"
        if self.m15 is None or self.projected <= self.m15:
            return "after_m14"
        return "after_m15"

    @property
    def status_label(self) -> str:
        return READINESS_LABELS[self.status]


READINESS_LABELS = {
    "complete": "Complete",
    "on_track": "On track for M14",
    "after_m14": "Finishes after M14",
    "after_m15": "Finishes after M15",
    "not_started": "No recent migrations",
}


def _project(remaining: int, rate: float, today: dt.date) -> dt.date | None:
    if remaining <= 0:
        return today
    if rate <= 0:
        return None
    last = dt.date(common.LAST_YEAR, 12, 31)
    days = math.ceil(remaining / rate)
    return last if days > (last - today).days else today + dt.timedelta(days=days)


def _supplier_entrants(who: _Who, programme: Any) -> list[Any]:
    v = who.v
    qs = (
        Entrant.objects.filter(window__programme_id=programme.pk, kind=EntrantKind.SUPPLIER)
        .exclude(status=QualificationStatus.WITHDRAWN)
        .select_related("organisation", "tranche", "window")
        .order_by("organisation__name", "pk")
    )
    if not v.reads_all:
        qs = qs.filter(organisation_id__in=v.organisation_ids)
    return list(qs)


def _milestones(wins: dict[str, Any], entrant: Any) -> tuple[dt.date | None, dt.date | None]:
    """M14 and M15 for a supplier: the latest of the segments it holds MPANs in (all when none)."""
    held = [wins[s] for s in SEGMENTS if s in wins and getattr(entrant, s, 0)] or list(wins.values())
    if not held:
        return None, None
    return max(w.reverse_until for w in held), max(w.closes for w in held)


def _supplier_figures(
    who: _Who, programme: Any, ids: list[int], today: dt.date
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Per supplier: net migrated to date and over the run-rate days (one query); planned to date, in all
    and the plan's last day (one query)."""
    since = today - dt.timedelta(days=RUN_RATE_DAYS - 1)
    net = F("migrated") + F("remigrated") - F("reversed")
    done = {
        r["supplier_id"]: r
        for r in _progress_rows(who)
        .filter(supplier_id__in=ids, day__lte=today)
        .values("supplier_id")
        .annotate(n=Sum(net), recent=Sum(net, filter=Q(day__gte=since)))
        .order_by()
    }
    plans = {
        r["plan__supplier_id"]: r
        for r in _plan_lines(who, programme.pk)
        .filter(plan__supplier_id__in=ids)
        .values("plan__supplier_id")
        .annotate(total=Sum("volume"), to_date=Sum("volume", filter=Q(day__lte=today)), last=Max("day"))
        .order_by()
    }
    return done, plans


def readiness(viewer: Any, *, today: dt.date | None = None) -> list[Readiness]:
    """Per supplier entrant the person sees (the programme: all; a supplier: its own): migrated so far
    against the portfolio, the 14-day run rate and the projected completion against M14 and M15. Five
    queries."""
    who = _who(viewer)
    today = today or common.today()
    if not sees_readiness(who):
        return []
    programme = _programme()
    if programme is None:
        return []
    wins = common.segment_windows(programme.pk)
    entrants = _supplier_entrants(who, programme)
    if not entrants:
        return []
    done, plans = _supplier_figures(who, programme, [e.organisation_id for e in entrants], today)
    return [
        _readiness_of(e, done.get(e.organisation_id, {}), plans.get(e.organisation_id, {}), wins, today)
        for e in entrants
    ]


def _readiness_of(
    e: Any, done: dict[str, Any], plan: dict[str, Any], wins: dict[str, Any], today: dt.date
) -> Readiness:
    migrated = done.get("n") or 0
    rate = max(0.0, (done.get("recent") or 0) / RUN_RATE_DAYS)
    m14, m15 = _milestones(wins, e)
    return Readiness(
        entrant=e,
        organisation=e.organisation,
        portfolio=e.portfolio,
        migrated=migrated,
        planned_to_date=plan.get("to_date") or 0,
        planned_total=plan.get("total") or 0,
        plan_ends=plan.get("last"),
        run_rate=round(rate, 1),
        projected=_project(e.portfolio - migrated, rate, today),
        m14=m14,
        m15=m15,
        today=today,
    )


# At-risk participants -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    code: str
    text: str


@dataclass
class AtRisk:
    entrant: Any
    organisation: Any
    reasons: list[Reason]
    readiness: Readiness | None = None

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]


REASON_LABELS = {
    "late_tranche": "Not qualified, tranche ends after the risk cut-off",
    "plan_after_m15": "Plan ends after M15",
    "behind_plan": "Behind plan by more than 10 %",
    "open_exceptions": "Open exceptions",
    "large_late": "Large portfolio landing late (R525)",
}


def at_risk(viewer: Any, *, today: dt.date | None = None) -> list[AtRisk]:
    """The participants at risk, each with its reasons (the programme's readers only; anyone else: an empty
    list). Seven queries:

    * ``late_tranche``: not qualified (nor exempt, nor live) and its tranche ends after the window's risk
      cut-off, or it has no tranche yet;
    * ``plan_after_m15``: one of its plans (any status) has volumes after its segment's M15;
    * ``behind_plan``: migrated to date more than 10 % under planned to date;
    * ``open_exceptions``: exceptions open or under investigation;
    * ``large_late`` (R525): a large portfolio (the window's ``large_portfolio``) whose tranche ends after
      the cut-off (or none), or whose run rate finishes it after M14.
    """
    who = _who(viewer)
    today = today or common.today()
    if not sees_at_risk(who):
        return []
    programme = _programme()
    if programme is None:
        return []
    wins = common.segment_windows(programme.pk)
    entrants = list(
        Entrant.objects.filter(window__programme_id=programme.pk)
        .exclude(status=QualificationStatus.WITHDRAWN)
        .select_related("organisation", "tranche", "window")
        .order_by("organisation__name", "kind", "pk")
    )
    suppliers = [e for e in entrants if e.kind == EntrantKind.SUPPLIER]
    ids = [e.organisation_id for e in suppliers]
    done, plans = _supplier_figures(who, programme, ids, today) if ids else ({}, {})
    plan_ends = {
        (r["plan__supplier_id"], r["plan__segment"]): r["last"]
        for r in PlanDay.objects.filter(plan__programme_id=programme.pk, plan__supplier_id__in=ids)
        .values("plan__supplier_id", "plan__segment")
        .annotate(last=Max("day"))
        .order_by()
    }
    open_exc = {
        r["supplier_id"]: r["n"]
        for r in MigrationException.objects.filter(status__in=OPEN_EXCEPTIONS)
        .values("supplier_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    out = []
    for e in entrants:
        reasons: list[Reason] = []
        qualified = e.status in QUALIFIED_STATUSES
        cutoff = e.window.risk_cutoff
        late_tranche = e.tranche is None or e.tranche.ends > cutoff
        if not qualified and late_tranche:
            where = (
                f"{e.tranche.name} ends {e.tranche.ends:%d %b %Y}" if e.tranche else "not in a tranche yet"
            )
            text = f"Not qualified; {where}, after the cut-off {cutoff:%d %b %Y}"
            reasons.append(Reason("late_tranche", text))
        state = None
        if e.kind == EntrantKind.SUPPLIER:
            state = _readiness_of(
                e, done.get(e.organisation_id, {}), plans.get(e.organisation_id, {}), wins, today
            )
            migrated = state.migrated
            late_segments = [
                SEGMENT_LABELS[s]
                for s in SEGMENTS
                if s in wins
                and plan_ends.get((e.organisation_id, s)) is not None
                and plan_ends[(e.organisation_id, s)] > wins[s].closes
            ]
            if late_segments:
                reasons.append(Reason("plan_after_m15", f"Plan ends after M15: {', '.join(late_segments)}"))
            share = state.behind_share
            if share is not None and share > BEHIND_SHARE:
                reasons.append(
                    Reason(
                        "behind_plan",
                        f"{migrated:,} migrated against {state.planned_to_date:,} planned to date "
                        f"({round(100 * share)} % behind)",
                    )
                )
            exceptions = open_exc.get(e.organisation_id, 0)
            if exceptions:
                reasons.append(Reason("open_exceptions", f"{exceptions} open exception(s)"))
            large = e.portfolio >= e.window.large_portfolio
            projected_late = state.status in ("after_m14", "after_m15") or (
                state.status == "not_started" and state.remaining > 0 and state.planned_to_date > 0
            )
            if large and ((late_tranche and not qualified) or projected_late):
                why = "tranche after the cut-off" if late_tranche and not qualified else "finishes after M14"
                text = f"Large portfolio ({e.portfolio:,} MPANs) landing late: {why} (R525)"
                reasons.append(Reason("large_late", text))
        if reasons:
            out.append(AtRisk(entrant=e, organisation=e.organisation, reasons=reasons, readiness=state))
    return out


def open_exception_count(user: Any) -> int:
    """Exceptions open or under investigation the person sees (one query)."""
    return queries.exceptions_visible_to(user).filter(status__in=OPEN_EXCEPTIONS).count()
