"""The figures of a phase's (or one participant's) progress report (issue item 7): progress per participant
and cohort, the glide path, the first-time pass ratio between gates, open issues by category and age, and
readiness.

Every figure is an aggregate over what the viewer may see, in a fixed number of queries whatever the size
of the phase: the participations come from :func:`scope` (a participant's own only, unless the viewer reads
the programme in full), the issues from :func:`busbar.testing.queries.issues_visible_to`. Executions are
never loaded into Python: the glide path is grouped by week in SQL (``Execution.week``, the Monday of the
week in Europe/London; index ``testing_exec_glide``): a scenario × participant cell of an active mandatory
scenario counts as executed from the week of its first execution and as passed from the week of its first
pass (``LatestResult.first_executed_week`` / ``first_passed_week``, kept by the action that records an
execution).

Weeks and ages are UK weeks and days (Europe/London), worked out here in Python, so a week with a clock
change counts exactly what was recorded in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from busbar.lib.svgchart import Chart, Series
from busbar.testing import progress, queries
from busbar.testing.access import Access
from busbar.testing.models import (
    OPEN_ISSUE_STATUSES,
    EntryStatus,
    Execution,
    Gate,
    GateKind,
    GateStatus,
    GlidePoint,
    IssueCategory,
    LatestResult,
    Participation,
    Phase,
    Result,
    TestingIssue,
)

LONDON = ZoneInfo("Europe/London")
#: Results that count as executed (a "not run" record does not).
EXECUTED = (Result.PASSED, Result.FAILED, Result.BLOCKED)
#: The most weeks a glide path shows (the latest ones beyond that).
MAX_WEEKS = 260
#: Age buckets of open issues: (label, lowest age in days, highest age in days or None).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–7 days", 0, 7),
    ("8–14 days", 8, 14),
    ("15–28 days", 15, 28),
    ("Over 28 days", 29, None),
)


def london_today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(LONDON).date()


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def day_start(day: dt.date) -> dt.datetime:
    """The UTC instant the UK ``day`` starts."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=LONDON).astimezone(dt.UTC)


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


# -- whose figures -------------------------------------------------------------------------------------


def scope(access: Access, phase: Phase) -> QuerySet[Participation]:
    """The participations of ``phase`` whose figures ``access`` may see: all of them for those who read the
    programme in full (the SI, assurers, boards, the desk), else the viewer's own organisations'."""
    qs = queries.participations_visible_to(access).filter(phase=phase)
    if not access.reads_all(phase.programme_id):
        qs = qs.filter(organisation_id__in=access.organisation_ids)
    return qs


def reads_whole_phase(access: Access, phase: Phase) -> bool:
    return access.reads_all(phase.programme_id)


# -- progress ------------------------------------------------------------------------------------------


@dataclass
class Totals:
    applicable: int = 0
    passed: int = 0
    failed: int = 0
    blocked: int = 0
    not_run: int = 0

    @property
    def executed(self) -> int:
        return self.passed + self.failed + self.blocked

    @property
    def pct_passed(self) -> Decimal:
        return _pct(self.passed, self.applicable) or Decimal(0)

    def add(self, member: progress.MemberProgress) -> None:
        self.applicable += member.applicable
        self.passed += member.passed
        self.failed += member.failed
        self.blocked += member.blocked
        self.not_run += member.not_run


@dataclass
class Progress:
    cohorts: list[progress.CohortProgress]
    totals: Totals
    members: list[progress.MemberProgress]
    cohort_totals: dict[int | None, Totals]


def phase_progress(phase: Phase, participations: Iterable[Participation]) -> Progress:
    """Progress of the given participations, per cohort (four queries)."""
    cohorts = progress.cohort_progress(phase, list(participations))
    totals = Totals()
    by_cohort: dict[int | None, Totals] = {}
    members: list[progress.MemberProgress] = []
    for group in cohorts:
        t = by_cohort.setdefault(group.cohort.pk if group.cohort else None, Totals())
        for member in group.members:
            if member.participation.status == EntryStatus.WITHDRAWN:
                continue
            t.add(member)
            totals.add(member)
        members.extend(group.members)
    cohorts = [g for g in cohorts if g.members]
    return Progress(cohorts=cohorts, totals=totals, members=members, cohort_totals=by_cohort)


# -- glide path ----------------------------------------------------------------------------------------


@dataclass
class GlideWeek:
    week: dt.date
    planned_executed: int
    planned_passed: int
    actual_executed: int  # cumulative: scenario × participant cells executed by the week's end
    actual_passed: int  # cumulative: cells passed first time or by a retest by the week's end
    executions: int  # executions recorded in the week (retests included)
    passes: int  # of which passed
    future: bool  # after the current week: no actual figures yet

    @property
    def label(self) -> str:
        return f"{self.week.day} {self.week:%b %y}"


@dataclass
class GlidePath:
    weeks: list[GlideWeek]
    total: int  # applicable scenario × participant cells
    plan: str  # "points": the SI's plan; "line": a straight line across the window

    @property
    def current(self) -> GlideWeek | None:
        now = [w for w in self.weeks if not w.future]
        return now[-1] if now else None

    def summary(self) -> dict:
        cur = self.current
        if cur is None:
            return {"week": None, "total": self.total, "plan": self.plan}
        return {
            "week": cur.week.isoformat(),
            "total": self.total,
            "plan": self.plan,
            "planned_executed": cur.planned_executed,
            "planned_passed": cur.planned_passed,
            "actual_executed": cur.actual_executed,
            "actual_passed": cur.actual_passed,
            "executed_gap": cur.actual_executed - cur.planned_executed,
            "passed_gap": cur.actual_passed - cur.planned_passed,
        }

    def chart(self, *, key: str = "glide") -> Chart:
        shown = self.weeks[-52:] if len(self.weeks) > 52 else self.weeks
        labels = [w.label for w in shown]
        actual_until = sum(1 for w in shown if not w.future)
        return Chart(
            title="Glide path: planned and actual, cumulative",
            labels=labels,
            series=[
                Series("Planned executed", [w.planned_executed for w in shown], dashed=True),
                Series("Actual executed", [w.actual_executed for w in shown], upto=actual_until),
                Series("Planned passed", [w.planned_passed for w in shown], dashed=True),
                Series("Actual passed", [w.actual_passed for w in shown], upto=actual_until),
            ],
            description=(
                "Scenario × participant results planned and achieved by the end of each week (UK weeks "
                "starting on Monday)."
            ),
            label_heading="Week starting",
            key=key,
            width=720,
            height=280,
        )


def total_applicable(phase: Phase, participations: Sequence[Participation]) -> int:
    """Applicable mandatory scenario × participant cells of the participations not withdrawn (one query)."""
    for_all, per_role = progress.applicable_counts(phase)
    return sum(
        for_all + per_role.get(p.role_id, 0) for p in participations if p.status != EntryStatus.WITHDRAWN
    )


@dataclass
class _Week:
    executions: int = 0  # executions recorded in the week (retests and re-runs included)
    passes: int = 0  # of which passed
    first_executed: int = 0  # first executions of a cell (scenario × participant)
    first_passed: int = 0  # cells that passed for the first time in the week


def _weekly(phase: Phase, participation_ids: list[int] | None) -> dict[dt.date, _Week]:
    """Per week: executions, passes, cells executed for the first time and cells passed for the first time.

    Two aggregate queries grouped by week, whatever the number of executions: the executions and passes of
    each week (an index-only scan of ``testing_exec_glide``; ``testing_exec_part_glide`` for some
    participants), and the scenario × participant cells of the phase's active mandatory scenarios by the
    week each was first executed and first passed (``LatestResult.first_executed_week`` /
    ``first_passed_week``, kept by the action that records an execution; index ``testing_latest_glide``).
    A cell counts as passed from its first pass, however it got there (first time, a retest, a fresh run),
    and a regression re-run of a passed cell does not count again.
    """
    qs = Execution.objects.filter(phase=phase, result__in=EXECUTED)
    cells = LatestResult.objects.filter(phase=phase, scenario__mandatory=True, scenario__is_active=True)
    if participation_ids is not None:
        qs = qs.filter(participation_id__in=participation_ids)
        cells = cells.filter(participation_id__in=participation_ids)
    rows = qs.values("week").annotate(n=Count("id"), p=Count("id", filter=Q(result=Result.PASSED))).order_by()
    weeks: dict[dt.date, _Week] = {_as_date(r["week"]): _Week(executions=r["n"], passes=r["p"]) for r in rows}
    firsts = (
        cells.filter(first_executed_week__isnull=False)
        .values("first_executed_week", "first_passed_week")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in firsts:
        weeks.setdefault(_as_date(r["first_executed_week"]), _Week()).first_executed += r["n"]
        if r["first_passed_week"] is not None:
            weeks.setdefault(_as_date(r["first_passed_week"]), _Week()).first_passed += r["n"]
    return weeks


def glide_path(
    phase: Phase,
    participations: Sequence[Participation] | None = None,
    *,
    whole_phase: bool = True,
    today: dt.date | None = None,
) -> GlidePath:
    """Planned against actual, cumulative, per week from the phase's start to its planned end or today,
    whichever is later (five queries). ``whole_phase``: the participations are all of the phase (the SI's
    plan points apply); otherwise the plan is the straight line for those participations only."""
    today = today or london_today()
    if participations is None:
        participations = list(Participation.objects.filter(phase=phase))
        whole_phase = True
    participations = list(participations)
    ids = None if whole_phase else [p.pk for p in participations]
    total = total_applicable(phase, participations)
    points = list(GlidePoint.objects.filter(phase=phase).order_by("week")) if whole_phase else []
    weekly = _weekly(phase, ids) if participations else {}

    start = monday(phase.actual_start or phase.planned_start)
    start = min([start, monday(phase.planned_start)] + [w for w in weekly if w])
    end = max(monday(phase.planned_end), monday(today))
    if points:
        end = max(end, points[-1].week)
    first = max(start, end - dt.timedelta(weeks=MAX_WEEKS - 1))

    # What happened before the first week shown still counts in the cumulative figures.
    cum_exec = sum(w.first_executed for day, w in weekly.items() if day < first)
    cum_pass = sum(w.first_passed for day, w in weekly.items() if day < first)

    window = max((phase.planned_end - phase.planned_start).days + 1, 1)
    this_week = monday(today)
    weeks: list[GlideWeek] = []
    point_i, planned = 0, (0, 0)
    for i in range(((end - first).days // 7) + 1):
        week = first + dt.timedelta(weeks=i)
        if points:
            while point_i < len(points) and points[point_i].week <= week:
                planned = (points[point_i].planned_executed, points[point_i].planned_passed)
                point_i += 1
        else:
            done = (week + dt.timedelta(days=6) - phase.planned_start).days + 1
            share = min(max(done / window, 0), 1)
            value = round(total * share)
            planned = (value, value)
        this = weekly.get(week) or _Week()
        cum_exec += this.first_executed
        cum_pass += this.first_passed
        future = week > this_week
        weeks.append(
            GlideWeek(
                week=week,
                planned_executed=planned[0],
                planned_passed=planned[1],
                actual_executed=0 if future else cum_exec,
                actual_passed=0 if future else cum_pass,
                executions=this.executions,
                passes=this.passes,
                future=future,
            )
        )
    return GlidePath(weeks=weeks, total=total, plan="points" if points else "line")


# -- first-time pass ratio -----------------------------------------------------------------------------


@dataclass
class FirstTimePass:
    start: dt.datetime
    end: dt.datetime
    start_label: str  # "the entry gate decision" or "the phase start"
    end_label: str  # "the exit gate decision" or "now"
    first: int  # first executions in the window
    passed: int  # of which passed

    @property
    def ratio(self) -> Decimal | None:
        return _pct(self.passed, self.first)


def _gate_time(phase: Phase, kind: str) -> dt.datetime | None:
    return (
        Gate.objects.filter(phase=phase, kind=kind, decided_at__isnull=False)
        .exclude(status=GateStatus.PENDING)
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )


def first_time_pass(
    phase: Phase,
    participations: Sequence[Participation] | None = None,
    *,
    whole_phase: bool = True,
    now: dt.datetime | None = None,
) -> FirstTimePass:
    """Executions that were a scenario's first by their participant, between the phase's entry gate
    decision (or its start) and its exit gate decision (or now): how many passed (three queries)."""
    now = now or timezone.now()
    entry = _gate_time(phase, GateKind.ENTRY)
    exit_ = _gate_time(phase, GateKind.EXIT)
    start = entry or day_start(phase.actual_start or phase.planned_start)
    end = exit_ if exit_ and exit_ > start else now
    qs = Execution.objects.filter(
        phase=phase, is_first=True, result__in=EXECUTED, executed_at__gte=start, executed_at__lte=end
    )
    if not whole_phase:
        qs = qs.filter(participation_id__in=[p.pk for p in participations or ()])
    row = qs.aggregate(first=Count("id"), passed=Count("id", filter=Q(result=Result.PASSED)))
    return FirstTimePass(
        start=start,
        end=end,
        start_label="the entry gate decision" if entry else "the phase start",
        end_label="the exit gate decision" if exit_ and exit_ > start else "now",
        first=row["first"] or 0,
        passed=row["passed"] or 0,
    )


# -- open issues by category and age -------------------------------------------------------------------


@dataclass
class AgeRow:
    category: int | None  # None: not yet triaged
    label: str
    buckets: list[int]

    @property
    def total(self) -> int:
        return sum(self.buckets)


@dataclass
class IssueAges:
    rows: list[AgeRow]
    headings: list[str] = field(default_factory=lambda: [b[0] for b in AGE_BUCKETS])

    @property
    def totals(self) -> list[int]:
        return [sum(r.buckets[i] for r in self.rows) for i in range(len(AGE_BUCKETS))]

    @property
    def total(self) -> int:
        return sum(self.totals)


def open_issues_by_age(issues: QuerySet[TestingIssue], *, today: dt.date | None = None) -> IssueAges:
    """Open issues (of ``issues``: a visible queryset) by category, untriaged as a row of its own, and by
    age in UK days since raised: one query."""
    today = today or london_today()
    counts = {}
    for i, (_label, low, high) in enumerate(AGE_BUCKETS):
        q = Q(created_at__lt=day_start(today - dt.timedelta(days=low - 1)))  # raised on or before today-low
        if high is not None:
            q &= Q(created_at__gte=day_start(today - dt.timedelta(days=high)))
        counts[f"b{i}"] = Count("id", filter=q)
    rows = issues.filter(status__in=OPEN_ISSUE_STATUSES).values("category").annotate(**counts).order_by()
    found = {r["category"]: [r[f"b{i}"] for i in range(len(AGE_BUCKETS))] for r in rows}
    out = [AgeRow(category=None, label="Not yet triaged", buckets=found.get(None, [0] * len(AGE_BUCKETS)))]
    for value, label in IssueCategory.choices:
        out.append(AgeRow(category=value, label=label, buckets=found.get(value, [0] * len(AGE_BUCKETS))))
    return IssueAges(rows=out)


# -- readiness -----------------------------------------------------------------------------------------


@dataclass
class ReadinessRow:
    participation: Participation
    member: progress.MemberProgress | None
    grace_until: dt.date | None
    open_cat12: int

    @property
    def in_grace(self) -> bool:
        return self.participation.status == EntryStatus.GRACE

    @property
    def complete(self) -> bool:
        threshold = self.participation.phase.pass_threshold
        return bool(self.member and self.member.complete(Decimal(threshold)))


def readiness(phase: Phase, prog: Progress, issues: QuerySet[TestingIssue]) -> list[ReadinessRow]:
    """Each participation's entry status, grace period, cohort, % passed and the open category 1–2 issues
    raised or owned by its organisation (of ``issues``, a visible queryset): one query."""
    rows = (
        issues.filter(phase=phase, status__in=OPEN_ISSUE_STATUSES, category__in=(1, 2))
        .values("raised_by_organisation_id", "owner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    pairs = [(r["raised_by_organisation_id"], r["owner_id"], r["n"]) for r in rows]
    out = []
    for member in prog.members:
        p = member.participation
        org = p.organisation_id
        n = sum(c for raiser, owner, c in pairs if org in (raiser, owner))
        grace = phase.grace_until if p.status in (EntryStatus.PLANNED, EntryStatus.GRACE) else None
        out.append(ReadinessRow(participation=p, member=member, grace_until=grace, open_cat12=n))
    return out


# -- the whole report ----------------------------------------------------------------------------------


@dataclass
class Report:
    phase: Phase
    participation: Participation | None
    whole_phase: bool
    progress: Progress
    glide: GlidePath
    ftp: FirstTimePass
    ages: IssueAges
    readiness: list[ReadinessRow]


def report(
    phase: Phase,
    participations: Sequence[Participation],
    issues: QuerySet[TestingIssue],
    *,
    whole_phase: bool,
    participation: Participation | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Every figure of the progress page for ``participations`` (the viewer's :func:`scope`, or one of them)
    with the visible ``issues`` of the phase."""
    now = now or timezone.now()
    today = london_today(now)
    participations = list(participations)
    prog = phase_progress(phase, participations)
    issues = issues.filter(phase=phase)
    if participation is not None:
        org = participation.organisation_id
        issues = issues.filter(
            Q(participation=participation) | Q(raised_by_organisation_id=org) | Q(owner_id=org)
        )
    return Report(
        phase=phase,
        participation=participation,
        whole_phase=whole_phase,
        progress=prog,
        glide=glide_path(phase, participations, whole_phase=whole_phase, today=today),
        ftp=first_time_pass(phase, participations, whole_phase=whole_phase, now=now),
        ages=open_issues_by_age(issues, today=today),
        readiness=readiness(phase, prog, issues),
    )


def for_viewer(access: Access, phase: Phase, participation: Participation | None = None, **kw) -> Report:
    """The report as ``access`` may see it: the whole phase for those who read it in full, else the
    viewer's own participations; ``participation``: that one only (it must be in the viewer's scope)."""
    whole = reads_whole_phase(access, phase) and participation is None
    parts = [participation] if participation is not None else list(scope(access, phase))
    return report(
        phase,
        parts,
        queries.issues_visible_to(access),
        whole_phase=whole,
        participation=participation,
        **kw,
    )
