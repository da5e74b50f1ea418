"""The figures of the programmes home and a programme's dashboard (issue 12 item 8; digest GV-38, GV-40).

Everything is counted **as the viewer may see it**: RAID items through :func:`queries.raid_visible_to`
(a participant counts the public items and those its organisation owns; the office and assurers all),
actions and change requests through the programme's visibility. Every figure is aggregated in the
database: a dashboard costs the same dozen queries at 50 RAID items or 5,000.

Figures (each rule is also in :data:`RULES`, shown beside the figure):

* **RAG per plan phase** — the phase's own RAG, with its milestones and how many are forecast late;
* **milestones** due in the next 90 days and overdue (not achieved and their forecast — else baseline —
  date passed), baseline against forecast with the delta in working days on the programme's calendar;
* **RAID exposure trend** over 13 weeks: for each week's end, the sum of likelihood × impact of the items
  open at that date, **scored as they are today** (past scores are not kept);
* **open RAID by kind and RAG** and the **top exposures**;
* **action ageing** in days since raised (0–30, 31–60, 61–90, over 90) and overdue;
* **change requests by status**;
* the **SI performance metrics** of GV-40 the data supports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from busbar.programmes import queries, workdays
from busbar.programmes.models import (
    OPEN_ACTION_STATUSES,
    OPEN_CR_STATUSES,
    Action,
    ActionStatus,
    Criticality,
    CrStatus,
    Milestone,
    PlanPhase,
    Rag,
    RaidKind,
    RaidStatus,
)

LONDON = ZoneInfo("Europe/London")
#: Weeks of the RAID exposure trend.
TREND_WEEKS = 13
#: Milestones "due" are those expected within this many days.
DUE_WINDOW_DAYS = 90
#: The most open RAID items listed as top exposures.
TOP_EXPOSURES = 10
#: The most milestones a programme's dashboard reads (a plan has tens).
MAX_MILESTONES = 500
#: Age buckets in days: (label, from, to inclusive; None: no upper bound).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–30 days", 0, 30),
    ("31–60 days", 31, 60),
    ("61–90 days", 61, 90),
    ("Over 90 days", 91, None),
)
#: Columns of the open-RAID table, in order (RAID items are rated red, amber, green or not at all).
RAG_COLUMNS: tuple[tuple[str, str], ...] = (
    (Rag.RED, "Red"),
    (Rag.AMBER, "Amber"),
    (Rag.GREEN, "Green"),
    (Rag.NONE, "Not rated"),
)
RAID_RAGS = frozenset(rag for rag, _label in RAG_COLUMNS)
#: What each figure counts (shown as a tooltip and a footnote beside it).
RULES: dict[str, str] = {
    "phases": "The RAG the programme office gives each plan phase; late: milestones of the phase whose "
    "forecast (or actual) date is after their baseline date.",
    "milestones_due": f"Milestones not yet achieved whose forecast date (else baseline date) falls in the "
    f"next {DUE_WINDOW_DAYS} days.",
    "milestones_overdue": "Milestones not yet achieved whose forecast date (else baseline date) has passed.",
    "delta": "Working days from the baseline date to the forecast (or actual) date on the programme's "
    "calendar: weekends, England and Wales bank holidays and the calendar's closures are not counted. "
    "Positive: later than baseline.",
    "trend": f"For the end of each of the last {TREND_WEEKS} weeks: the sum of likelihood × impact of the "
    "RAID items open on that date (raised on or before it, not yet closed or converted), each scored as it "
    "is today — past scores are not kept. Only the items you may see are counted.",
    "raid_open": "Open RAID items you may see, by kind and RAG; exposure is likelihood × impact (1–25, 0 "
    "when unscored).",
    "top": f"The {TOP_EXPOSURES} open RAID items you may see with the highest exposure.",
    "actions": "Open actions (open, open – ongoing, recommend closed) by days since they were raised; "
    "overdue: open or ongoing with a due date before today (an action recommended closed awaits "
    "ratification and is not counted overdue).",
    "crs": "Change requests by status.",
    "variance_baseline": "Milestones whose forecast (or actual) date is later than their baseline date, as a "
    "share of the milestones that have both; mean slip: the average delay of those late milestones in "
    "working days.",
    "cr_outcomes": "Of the change requests issued (every status but draft): the share approved, rejected "
    "and on hold.",
    "cr_criticality": "Change requests issued (every status but draft) by criticality.",
    "cr_late": "Change requests with a needed-by date decided after it, or still undecided past it, as a "
    "share of those with a needed-by date.",
    "cr_ageing": "Open change requests (draft, impact assessment, review, on hold) by criticality and days "
    "since raised.",
    "risk_exposure": "The sum of likelihood × impact of the open risks you may see, and its mean per "
    "scored risk.",
    "risk_closure": "Closed risks as a share of all risks raised; the open risks by days since raised.",
    "risk_conversion": "Risks converted to issues as a share of all risks raised.",
}
#: GV-40 metrics the data of this app cannot support (shown as such, not guessed).
NOT_SUPPORTED = (
    "% Variance to Plan (needs planned progress per period)",
    "% Contingency Utilised",
    "Earned Value Analysis",
    "Internal audit scores",
    "% Late inclusion of stakeholders into communication groups",
    "Stakeholder Survey Scores",
    "Knowledge transfer metrics",
    "Testing and quality metrics (see the test phases' progress and completion reports)",
)


def london_today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(LONDON).date()


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight starting ``day`` in London, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)


def pct(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` as a percentage to one decimal place; None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def url_or_blank(name: str, **kwargs: Any) -> str:
    """The address of page ``name`` or "" while that page does not exist yet."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


# -- milestones ------------------------------------------------------------------------------------------


@dataclass
class MilestoneRow:
    id: int
    code: str
    name: str
    kind: str
    phase_id: int | None
    baseline_date: dt.date | None
    forecast_date: dt.date | None
    actual_date: dt.date | None
    rag: str
    rag_label: str
    rationale: str
    regulatory: bool
    #: Working days from baseline to forecast (or actual); None without both dates.
    delta: int | None
    due: dt.date | None
    achieved: bool
    overdue: bool
    url: str = ""

    @property
    def late(self) -> bool:
        return self.delta is not None and self.delta > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "baseline_date": self.baseline_date,
            "forecast_date": self.forecast_date,
            "actual_date": self.actual_date,
            "delta_working_days": self.delta,
            "rag": self.rag,
            "rationale": self.rationale,
            "regulatory": self.regulatory,
            "achieved": self.achieved,
            "overdue": self.overdue,
        }


def milestone_rows(programme_id: int, today: dt.date, programme_code: str = "") -> list[MilestoneRow]:
    """Every milestone of the programme with its delta and state (two queries: milestones, calendar)."""
    found = list(
        Milestone.objects.filter(programme_id=programme_id).order_by("order", "baseline_date", "id")[
            :MAX_MILESTONES
        ]
    )
    days = workdays.for_programme(
        programme_id,
        around=[d for m in found for d in (m.baseline_date, m.forecast_date, m.actual_date) if d] or [today],
    )
    labels = dict(Rag.choices)
    rows = []
    for m in found:
        moved = m.actual_date or m.forecast_date
        delta = days.between(m.baseline_date, moved) if (m.baseline_date and moved) else None
        due = m.forecast_date or m.baseline_date
        achieved = m.actual_date is not None
        rows.append(
            MilestoneRow(
                id=m.pk,
                code=m.code,
                name=m.name,
                kind=m.kind,
                phase_id=m.phase_id,
                baseline_date=m.baseline_date,
                forecast_date=m.forecast_date,
                actual_date=m.actual_date,
                rag=m.rag,
                rag_label=labels.get(m.rag, ""),
                rationale=m.rationale,
                regulatory=m.regulatory,
                delta=delta,
                due=due,
                achieved=achieved,
                overdue=not achieved and due is not None and due < today,
                url=url_or_blank("programmes_milestone", programme=programme_code, code=m.code)
                if programme_code
                else "",
            )
        )
    return rows


def variance_to_baseline(rows: list[MilestoneRow]) -> dict[str, Any]:
    compared = [r for r in rows if r.delta is not None]
    late = [r for r in compared if r.delta > 0]
    mean = (
        (Decimal(sum(r.delta for r in late)) / len(late)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if late
        else None
    )
    return {
        "compared": len(compared),
        "late": len(late),
        "pct_late": pct(len(late), len(compared)),
        "mean_slip": mean,
    }


# -- RAID ------------------------------------------------------------------------------------------------


def visible_raid(user_or_access, programme_id: int) -> QuerySet:
    return queries.raid_visible_to(user_or_access).filter(programme_id=programme_id)


def trend_ends(today: dt.date) -> list[dt.date]:
    """The end days of the trend's weeks, oldest first, the last being today."""
    return [today - dt.timedelta(days=7 * (TREND_WEEKS - 1 - i)) for i in range(TREND_WEEKS)]


def bucket(conditions: list[Q], default: int) -> Case:
    """The index of the first condition a row meets, else ``default``: rows are grouped by it, so one
    grouped query stands for many filtered aggregates."""
    return Case(
        *[When(q, then=Value(i)) for i, q in enumerate(conditions)],
        default=Value(default),
        output_field=IntegerField(),
    )


def _ended_by(day: dt.date) -> Q:
    """RAID items no longer open at the end of ``day``: closed on or before it, or (closed or converted
    without a closing date) last changed before the next day began."""
    return Q(closed_on__lte=day) | (
        Q(closed_on__isnull=True, updated_at__lt=_start_of(day + dt.timedelta(days=1)))
        & ~Q(status=RaidStatus.OPEN)
    )


def age_bucket(path: str, today: dt.date, *, instant: bool = False) -> Case:
    """The :data:`AGE_BUCKETS` index of ``path`` (a date, or an instant) counted back from ``today``."""
    conditions = []
    for _label, _lo, hi in AGE_BUCKETS:
        if hi is None:
            break
        oldest = today - dt.timedelta(days=hi)
        conditions.append(Q(**{f"{path}__gte": _start_of(oldest) if instant else oldest}))
    return bucket(conditions, len(AGE_BUCKETS) - 1)


TREND_SERIES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("all", "All open items", frozenset(RaidKind.values)),
    ("risks", "Risks", frozenset({RaidKind.RISK})),
    ("issues", "Issues", frozenset({RaidKind.ISSUE})),
)


def exposure_trend(raid: QuerySet, today: dt.date) -> dict[str, Any]:
    """For each week's end, the exposure of the items open then (one query: the items grouped by kind, the
    first week they were raised by and the first week they had ended by)."""
    ends = trend_ends(today)
    n = len(ends)
    grouped = (
        raid.order_by()
        .annotate(
            rb=bucket([Q(raised_on__lte=e) for e in ends], n),
            eb=bucket([_ended_by(e) for e in ends], n),
        )
        .values("kind", "rb", "eb")
        .annotate(total=Sum("exposure"))
    )
    series = {key: [0] * n for key, _label, _kinds in TREND_SERIES}
    for row in grouped:
        for key, _label, kinds in TREND_SERIES:
            if row["kind"] in kinds:
                values = series[key]
                for i in range(row["rb"], min(row["eb"], n)):
                    values[i] += row["total"] or 0
    return {
        "ends": ends,
        "series": [{"key": key, "name": label, "values": series[key]} for key, label, _kinds in TREND_SERIES],
    }


def raid_counts(raid: QuerySet, today: dt.date) -> dict[str, Any]:
    """Open items by kind and RAG with their exposure, and the risk metrics (one query: the items grouped by
    kind, status, RAG and age)."""
    grouped = (
        raid.order_by()
        .annotate(age=age_bucket("raised_on", today))
        .values("kind", "status", "rag", "age")
        .annotate(
            n=Count("pk"),
            exp=Coalesce(Sum("exposure"), 0),
            scored=Count("pk", filter=Q(exposure__gt=0)),
            oldest=Min("raised_on"),
        )
    )
    counts: dict[tuple[str, str], int] = {}
    exposure: dict[str, int] = {}
    risks: dict[str, Any] = {
        "total": 0,
        "open": 0,
        "closed": 0,
        "converted": 0,
        "exposure": 0,
        "scored": 0,
        "oldest_open": None,
        "ageing": [{"label": label, "count": 0} for label, _lo, _hi in AGE_BUCKETS],
    }
    for row in grouped:
        kind, status = row["kind"], row["status"]
        if status == RaidStatus.OPEN:
            rag = row["rag"] if row["rag"] in RAID_RAGS else Rag.NONE  # a RAID item is never "complete"
            counts[(kind, rag)] = counts.get((kind, rag), 0) + row["n"]
            exposure[kind] = exposure.get(kind, 0) + row["exp"]
        if kind != RaidKind.RISK:
            continue
        risks["total"] += row["n"]
        if status == RaidStatus.CLOSED:
            risks["closed"] += row["n"]
        elif status == RaidStatus.CONVERTED:
            risks["converted"] += row["n"]
        elif status == RaidStatus.OPEN:
            risks["open"] += row["n"]
            risks["exposure"] += row["exp"]
            risks["scored"] += row["scored"]
            risks["ageing"][row["age"]]["count"] += row["n"]
            if risks["oldest_open"] is None or row["oldest"] < risks["oldest_open"]:
                risks["oldest_open"] = row["oldest"]
    rows = []
    for kind, label in RaidKind.choices:
        by_rag = [counts.get((kind, rag), 0) for rag, _ in RAG_COLUMNS]
        rows.append(
            {
                "kind": kind,
                "label": label,
                "by_rag": by_rag,
                "total": sum(by_rag),
                "exposure": exposure.get(kind, 0),
            }
        )
    totals = [sum(r["by_rag"][i] for r in rows) for i in range(len(RAG_COLUMNS))]
    by_kind = {
        "columns": [{"rag": rag, "label": label} for rag, label in RAG_COLUMNS],
        "rows": rows,
        "totals": totals,
        "total": sum(totals),
        "exposure": sum(r["exposure"] for r in rows),
    }
    return {"by_kind": by_kind, "risks": risks}


def top_exposures(raid: QuerySet, limit: int = TOP_EXPOSURES) -> list[dict[str, Any]]:
    items = (
        raid.filter(status=RaidStatus.OPEN, exposure__gt=0)
        .select_related("owner_organisation", "phase")
        .order_by("-exposure", "number")[:limit]
    )
    return [
        {
            "ref": item.display_ref,
            "reference": item.reference,
            "kind": item.kind,
            "kind_label": item.get_kind_display(),
            "title": item.title,
            "theme": item.theme,
            "phase": item.phase.name if item.phase_id else "",
            "likelihood": item.likelihood,
            "impact": item.impact_score,
            "exposure": item.exposure,
            "rag": item.rag,
            "rag_label": item.get_rag_display() if item.rag else "",
            "owner": item.owner_label or (item.owner_organisation.name if item.owner_organisation_id else ""),
            "is_public": item.is_public,
            "raised_on": item.raised_on,
            "url": url_or_blank("programmes_raid_detail", reference=item.reference),
        }
        for item in items
    ]


# -- actions ---------------------------------------------------------------------------------------------


def visible_actions(user_or_access, programme_id: int) -> QuerySet:
    return queries.in_visible_programme(Action.objects.filter(programme_id=programme_id), user_or_access)


def action_ageing(actions: QuerySet, today: dt.date) -> dict[str, Any]:
    """Open actions by age and status, and the overdue ones (one query: grouped by status and age)."""
    grouped = (
        actions.filter(status__in=OPEN_ACTION_STATUSES)
        .order_by()
        .annotate(age=age_bucket("raised_on", today))
        .values("status", "age")
        .annotate(
            n=Count("pk"),
            overdue=Count(
                "pk", filter=Q(status__in=(ActionStatus.OPEN, ActionStatus.ONGOING), due_date__lt=today)
            ),
        )
    )
    buckets = [0] * len(AGE_BUCKETS)
    by_status = dict.fromkeys(OPEN_ACTION_STATUSES, 0)
    overdue = 0
    for row in grouped:
        buckets[row["age"]] += row["n"]
        by_status[row["status"]] += row["n"]
        overdue += row["overdue"]
    labels = dict(ActionStatus.choices)
    return {
        "open": sum(buckets),
        "overdue": overdue,
        "buckets": [{"label": label, "count": buckets[i]} for i, (label, _lo, _hi) in enumerate(AGE_BUCKETS)],
        "by_status": [
            {"status": s, "label": labels[s], "count": by_status[s]}
            for s in (ActionStatus.OPEN, ActionStatus.ONGOING, ActionStatus.RECOMMEND_CLOSED)
        ],
    }


# -- change requests -------------------------------------------------------------------------------------


def visible_crs(user_or_access, programme_id: int) -> QuerySet:
    return queries.cr_visible_to(user_or_access).filter(programme_id=programme_id)


def cr_figures(crs: QuerySet, today: dt.date) -> dict[str, Any]:
    """CRs by status and criticality, the late ones and the open ones' ageing (one query: grouped by
    status, criticality and age)."""
    late_q = Q(needed_by__isnull=False) & (
        Q(decided_on__isnull=False, decided_on__gt=F("needed_by"))
        | Q(decided_on__isnull=True, status__in=OPEN_CR_STATUSES, needed_by__lt=today)
    )
    grouped = (
        crs.order_by()
        .annotate(age=age_bucket("created_at", today, instant=True))
        .values("status", "criticality", "age")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=late_q),
            with_needed=Count("pk", filter=Q(needed_by__isnull=False)),
        )
    )
    by_status_n = dict.fromkeys(CrStatus.values, 0)
    by_crit_issued = dict.fromkeys(Criticality.values, 0)
    ageing_n = {c: [0] * len(AGE_BUCKETS) for c in Criticality.values}
    late = with_needed = 0
    for row in grouped:
        status, crit = row["status"], row["criticality"]
        by_status_n[status] = by_status_n.get(status, 0) + row["n"]
        if status != CrStatus.DRAFT and crit in by_crit_issued:
            by_crit_issued[crit] += row["n"]
        if status in OPEN_CR_STATUSES and crit in ageing_n:
            ageing_n[crit][row["age"]] += row["n"]
        late += row["late"]
        with_needed += row["with_needed"]
    by_status = [
        {"status": status, "label": label, "count": by_status_n.get(status, 0)}
        for status, label in CrStatus.choices
    ]
    total = sum(r["count"] for r in by_status)
    issued = total - by_status_n[CrStatus.DRAFT]
    approved, rejected, on_hold = (
        by_status_n[CrStatus.APPROVED],
        by_status_n[CrStatus.REJECTED],
        by_status_n[CrStatus.ON_HOLD],
    )
    return {
        "total": total,
        "issued": issued,
        "open": sum(by_status_n[s] for s in OPEN_CR_STATUSES),
        "by_status": by_status,
        "by_criticality": [
            {
                "criticality": crit,
                "label": label,
                "count": by_crit_issued[crit],
                "pct": pct(by_crit_issued[crit], issued),
            }
            for crit, label in Criticality.choices
        ],
        "approved": approved,
        "rejected": rejected,
        "on_hold": on_hold,
        "pct_approved": pct(approved, issued),
        "pct_rejected": pct(rejected, issued),
        "pct_on_hold": pct(on_hold, issued),
        "late": late,
        "with_needed_by": with_needed,
        "pct_late": pct(late, with_needed),
        "ageing": [
            {"criticality": crit, "label": label, "buckets": ageing_n[crit]}
            for crit, label in Criticality.choices
        ],
        "age_headings": [label for label, _lo, _hi in AGE_BUCKETS],
    }


# -- the SI metrics --------------------------------------------------------------------------------------


def _fmt_pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def si_metrics(variance: dict, crs: dict, risks: dict, today: dt.date) -> list[dict[str, Any]]:
    """The GV-40 metrics the data supports, each with its value, what it rests on and its rule."""
    oldest = risks["oldest_open"]
    ageing = ", ".join(f"{b['label']}: {b['count']}" for b in risks["ageing"])
    mean_risk = (
        (Decimal(risks["exposure"]) / risks["scored"]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if risks["scored"]
        else None
    )
    crit = ", ".join(f"{c['label']} {_fmt_pct(c['pct'])}" for c in crs["by_criticality"])
    return [
        {
            "key": "variance_baseline",
            "area": "Progress",
            "label": "% Variance to Baseline Plan",
            "value": _fmt_pct(variance["pct_late"]),
            "detail": f"{variance['late']} of {variance['compared']} milestones forecast later than baseline"
            + (
                f"; mean slip {variance['mean_slip']} working days"
                if variance["mean_slip"] is not None
                else ""
            ),
            "rule": RULES["variance_baseline"],
        },
        {
            "key": "cr_outcomes",
            "area": "Scope management",
            "label": "% of CRs approved : rejected : on hold",
            "value": " : ".join(_fmt_pct(crs[k]) for k in ("pct_approved", "pct_rejected", "pct_on_hold")),
            "detail": f"{crs['approved']} approved, {crs['rejected']} rejected, {crs['on_hold']} on hold of "
            f"{crs['issued']} issued",
            "rule": RULES["cr_outcomes"],
        },
        {
            "key": "cr_criticality",
            "area": "Scope management",
            "label": "% of CRs by criticality",
            "value": crit if crs["issued"] else "—",
            "detail": f"{crs['issued']} issued",
            "rule": RULES["cr_criticality"],
        },
        {
            "key": "cr_late",
            "area": "Scope management",
            "label": "% of late CRs",
            "value": _fmt_pct(crs["pct_late"]),
            "detail": f"{crs['late']} of {crs['with_needed_by']} with a needed-by date",
            "rule": RULES["cr_late"],
        },
        {
            "key": "risk_exposure",
            "area": "Risk and issue management",
            "label": "Risk Exposure Score",
            "value": str(risks["exposure"]),
            "detail": f"{risks['open']} open risks"
            + (f", mean {mean_risk} per scored risk" if mean_risk is not None else ""),
            "rule": RULES["risk_exposure"],
        },
        {
            "key": "risk_closure",
            "area": "Risk and issue management",
            "label": "% Closure and ageing of Open Risks",
            "value": _fmt_pct(pct(risks["closed"], risks["total"])),
            "detail": f"{risks['closed']} of {risks['total']} risks closed; open by age: {ageing}"
            + (f"; oldest open raised {oldest:%-d %b %Y} ({(today - oldest).days} days)" if oldest else ""),
            "rule": RULES["risk_closure"],
        },
        {
            "key": "risk_conversion",
            "area": "Risk and issue management",
            "label": "% Risks converted to Issues",
            "value": _fmt_pct(pct(risks["converted"], risks["total"])),
            "detail": f"{risks['converted']} of {risks['total']} risks",
            "rule": RULES["risk_conversion"],
        },
    ]


# -- the whole dashboard ---------------------------------------------------------------------------------


@dataclass
class Dashboard:
    programme: Any
    today: dt.date
    phases: list[dict[str, Any]]
    milestones: list[MilestoneRow]
    due: list[MilestoneRow]
    overdue: list[MilestoneRow]
    variance: dict[str, Any]
    trend: dict[str, Any]
    risks: dict[str, Any]
    raid: dict[str, Any]
    top: list[dict[str, Any]]
    actions: dict[str, Any]
    crs: dict[str, Any]
    metrics: list[dict[str, Any]] = field(default_factory=list)
    rules: dict[str, str] = field(default_factory=lambda: dict(RULES))
    not_supported: tuple[str, ...] = NOT_SUPPORTED


def phase_rows(programme_id: int, milestones: list[MilestoneRow]) -> list[dict[str, Any]]:
    labels = dict(Rag.choices)
    out = []
    for p in PlanPhase.objects.filter(programme_id=programme_id).order_by("order", "start", "id")[:100]:
        mine = [m for m in milestones if m.phase_id == p.pk]
        out.append(
            {
                "code": p.code,
                "name": p.name,
                "start": p.start,
                "end": p.end,
                "rag": p.rag,
                "rag_label": labels.get(p.rag, ""),
                "rag_reason": p.rag_reason,
                "milestones": len(mine),
                "late": sum(1 for m in mine if m.late),
                "achieved": sum(1 for m in mine if m.achieved),
            }
        )
    return out


def build(user_or_access, programme, *, today: dt.date | None = None) -> Dashboard:
    """The dashboard of ``programme`` as ``user_or_access`` may see it (a fixed number of queries)."""
    today = today or london_today()
    acc = queries.access(user_or_access)
    milestones = milestone_rows(programme.pk, today, programme.code)
    horizon = today + dt.timedelta(days=DUE_WINDOW_DAYS)
    due = [m for m in milestones if not m.achieved and m.due is not None and today <= m.due <= horizon]
    due.sort(key=lambda m: (m.due, m.code))
    overdue = sorted((m for m in milestones if m.overdue), key=lambda m: (m.due, m.code))
    variance = variance_to_baseline(milestones)
    raid = visible_raid(acc, programme.pk)
    counted = raid_counts(raid, today)
    crs = cr_figures(visible_crs(acc, programme.pk), today)
    board = Dashboard(
        programme=programme,
        today=today,
        phases=phase_rows(programme.pk, milestones),
        milestones=milestones,
        due=due,
        overdue=overdue,
        variance=variance,
        trend=exposure_trend(raid, today),
        risks=counted["risks"],
        raid=counted["by_kind"],
        top=top_exposures(raid),
        actions=action_ageing(visible_actions(acc, programme.pk), today),
        crs=crs,
    )
    board.metrics = si_metrics(variance, crs, counted["risks"], today)
    return board


# -- the programmes home ---------------------------------------------------------------------------------


def next_milestone_annotations(today: dt.date) -> dict[str, Subquery]:
    """Annotations of a Programme queryset: its next milestone not yet achieved (code, name, date)."""
    upcoming = (
        Milestone.objects.filter(programme=OuterRef("pk"), actual_date__isnull=True)
        .annotate(due=Coalesce("forecast_date", "baseline_date"))
        .filter(due__gte=today)
        .order_by("due", "order", "id")
    )
    return {
        "next_code": Subquery(upcoming.values("code")[:1]),
        "next_name": Subquery(upcoming.values("name")[:1]),
        "next_due": Subquery(upcoming.values("due")[:1]),
    }


def home_rows(user_or_access, programmes: list, today: dt.date) -> list[dict[str, Any]]:
    """A row per programme (already annotated with :func:`next_milestone_annotations`): phases' RAG,
    next milestone, open RAID and actions as the viewer sees them: three queries for any number."""
    acc = queries.access(user_or_access)
    ids = [p.pk for p in programmes]
    phases: dict[int, list[dict[str, str]]] = {}
    labels = dict(Rag.choices)
    for p in PlanPhase.objects.filter(programme_id__in=ids).order_by("programme_id", "order", "start", "id"):
        phases.setdefault(p.programme_id, []).append(
            {"code": p.code, "name": p.name, "rag": p.rag, "rag_label": labels.get(p.rag, "")}
        )
    raid = dict(
        queries.raid_visible_to(acc)
        .filter(programme_id__in=ids, status=RaidStatus.OPEN)
        .order_by()
        .values("programme_id")
        .annotate(n=Count("pk"))
        .values_list("programme_id", "n")
    )
    actions = {
        row["programme_id"]: row
        for row in queries.in_visible_programme(Action.objects.filter(programme_id__in=ids), acc)
        .filter(status__in=OPEN_ACTION_STATUSES)
        .order_by()
        .values("programme_id")
        .annotate(
            n=Count("pk"),
            overdue=Count(
                "pk", filter=Q(status__in=(ActionStatus.OPEN, ActionStatus.ONGOING), due_date__lt=today)
            ),
        )
    }
    return [
        {
            "programme": p,
            "code": p.code,
            "name": p.name,
            "phases": phases.get(p.pk, []),
            "next_milestone": (
                {"code": p.next_code, "name": p.next_name, "date": p.next_due} if p.next_code else None
            ),
            "open_raid": raid.get(p.pk, 0),
            "open_actions": actions.get(p.pk, {}).get("n", 0),
            "overdue_actions": actions.get(p.pk, {}).get("overdue", 0),
        }
        for p in programmes
    ]
