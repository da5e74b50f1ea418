"""What the plan pages, the plan API and the export compute (digest §5.1, GV-04…GV-07, GV-02).

* :func:`plan_table`: one row per milestone — its date in the chosen baseline (the current one unless
  ``?baseline=N``), forecast, actual, the **delta in working days** on the programme's calendar, RAG and
  rationale; a **warning** when a milestone is forecast before its predecessor (shown, never refused);
  and the **slips from subsidiary plans**: participants' milestones linked to it whose date is after its
  own ("2 participants forecast after M14").
* :func:`compare_baselines`: any two baselines side by side, each milestone moved by N working days,
  and the change request that wrote the later one.
* :func:`party_plan`: a participant's plan with each milestone checked against the programme milestone
  it is linked to (its own slip, or the programme milestone brought forward before it).

Each runs a fixed number of queries whatever the number of milestones (milestones, baselines, the chosen
baseline's dates, the slips, the calendar's closures).

Who sees whose slips: everyone who reads the plan sees how many participants are forecast late against a
milestone; the organisations are named only to those who read every subsidiary plan (the programme office
and assurers) — a participant sees its own by name and the rest as a count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format

from busbar.programmes import queries
from busbar.programmes.models import Baseline, BaselineDate, Milestone, PartyMilestone, SubsidiaryPlan
from busbar.programmes.workdays import WorkingDays, for_programme
from busbar.testing.access import Access
from busbar.testing.models import Programme

#: Participants named under one milestone at most (the rest are counted).
MAX_NAMED_SLIPS = 20


def show(day: dt.date | None) -> str:
    """A date as the pages show it: 7 Apr 2027."""
    return date_format(day, "j M Y") if day else "—"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def days_text(n: int | None) -> str:
    """A delta as words: "+5 working days", "−3 working days", "on baseline"."""
    if n is None:
        return ""
    if n == 0:
        return "on baseline"
    sign = "+" if n > 0 else "−"
    return f"{sign}{plural(abs(n), 'working day')}"


# -- rows -----------------------------------------------------------------------------------------------


@dataclass
class Slip:
    """A participant's milestone dated after the programme milestone it is linked to."""

    organisation_id: int
    plan_id: int
    #: None when the reader may not see whose it is.
    organisation: str | None
    name: str | None
    date: dt.date
    working_days_after: int


@dataclass
class PlanRow:
    milestone: Milestone
    #: Its date in the baseline compared against (the current one unless another is chosen).
    baseline_date: dt.date | None
    #: Its date in the current baseline (``Milestone.baseline_date``).
    current_baseline_date: dt.date | None
    forecast_date: dt.date | None
    actual_date: dt.date | None
    #: Working days from ``baseline_date`` to the actual date, else the forecast (negative: earlier).
    delta: int | None
    warning: str = ""
    slips: list[Slip] = field(default_factory=list)
    #: Distinct participant organisations forecast after this milestone.
    late_participants: int = 0
    #: Of those, how many the reader may not name.
    hidden_participants: int = 0

    @property
    def code(self) -> str:
        return self.milestone.code

    @property
    def current_date(self) -> dt.date | None:
        return self.actual_date or self.forecast_date or self.current_baseline_date

    @property
    def delta_text(self) -> str:
        return days_text(self.delta)

    @property
    def moved_since(self) -> bool:
        """The chosen (earlier) baseline has another date than the current one."""
        return self.baseline_date != self.current_baseline_date

    @property
    def slip_text(self) -> str:
        if not self.late_participants:
            return ""
        who = plural(self.late_participants, "participant")
        return f"{who} forecast after {self.code}"

    @property
    def status(self) -> str:
        """done, late (forecast after the baseline), early, on_track or undated."""
        if self.actual_date:
            return "done"
        if self.delta is None:
            return "undated"
        if self.delta > 0:
            return "late"
        if self.delta < 0:
            return "early"
        return "on_track"


@dataclass
class PlanTable:
    programme: Programme
    rows: list[PlanRow]
    baselines: list[Baseline]
    #: The baseline the rows are compared with (None: the plan has no baseline yet).
    compared: Baseline | None
    current: Baseline | None
    workdays: WorkingDays
    today: dt.date

    @property
    def warnings(self) -> list[PlanRow]:
        return [r for r in self.rows if r.warning]

    @property
    def slipping(self) -> list[PlanRow]:
        return [r for r in self.rows if r.late_participants]

    @property
    def comparing_earlier(self) -> bool:
        return self.compared is not None and self.current is not None and self.compared.pk != self.current.pk


def _workdays(programme_id: int, dates: Iterable[dt.date | None]) -> WorkingDays:
    return for_programme(programme_id, around=[d for d in dates if d is not None])


def predecessor_warning(milestone: Milestone, predecessor: Milestone | None, workdays: WorkingDays) -> str:
    """Why the plan warns about ``milestone``: forecast before its predecessor's date ("" when not)."""
    if predecessor is None or milestone.actual_date or not milestone.forecast_date:
        return ""
    before = predecessor.actual_date or predecessor.forecast_date
    if before is None or milestone.forecast_date >= before:
        return ""
    gap = workdays.between(milestone.forecast_date, before)
    what = "actual date" if predecessor.actual_date else "forecast"
    return (
        f"Forecast {show(milestone.forecast_date)} is before its predecessor {predecessor.code}'s {what} "
        f"{show(before)} (by {plural(gap, 'working day')})"
    )


def _slips(programme_id: int) -> dict[int, list[tuple]]:
    """Participants' milestones dated after the programme milestone they are linked to, per milestone:
    (organisation id, plan id, organisation name, name, date, programme milestone date). One query."""
    rows = (
        PartyMilestone.objects.filter(
            plan__programme_id=programme_id, programme_milestone__programme_id=programme_id
        )
        .annotate(
            party_date=Coalesce("actual_date", "forecast_date", "planned_date"),
            programme_date=Coalesce(
                "programme_milestone__actual_date",
                "programme_milestone__forecast_date",
                "programme_milestone__baseline_date",
            ),
        )
        .filter(party_date__gt=F("programme_date"))
        .order_by("programme_milestone_id", "plan__organisation__name", "party_date", "pk")
        .values_list(
            "programme_milestone_id",
            "plan__organisation_id",
            "plan_id",
            "plan__organisation__name",
            "name",
            "party_date",
            "programme_date",
        )
    )
    out: dict[int, list[tuple]] = {}
    for milestone_id, *rest in rows:
        out.setdefault(milestone_id, []).append(tuple(rest))
    return out


def plan_table(
    programme: Programme, access: Access, *, baseline_number: int | None = None, today: dt.date | None = None
) -> PlanTable:
    """The plan's baseline-vs-forecast rows as ``access`` may see them, against baseline
    ``baseline_number`` (default: the current one). An unknown number compares with the current one."""
    milestones = list(
        queries.in_visible_programme(Milestone.objects.filter(programme=programme), access).select_related(
            "phase", "predecessor"
        )
    )
    baselines = list(
        Baseline.objects.filter(programme=programme).select_related("change_request").order_by("number")
    )
    current = baselines[-1] if baselines else None
    compared = current
    if baseline_number is not None:
        compared = next((b for b in baselines if b.number == baseline_number), current)
    if compared is not None and current is not None and compared.pk != current.pk:
        chosen = dict(BaselineDate.objects.filter(baseline=compared).values_list("milestone_id", "date"))
    else:
        chosen = {m.pk: m.baseline_date for m in milestones if m.baseline_date}
    slips = _slips(programme.pk)
    all_dates: list[dt.date | None] = [today or timezone.localdate()]
    for m in milestones:
        all_dates += [m.baseline_date, m.forecast_date, m.actual_date, chosen.get(m.pk)]
    for found in slips.values():
        all_dates += [s[4] for s in found]
    workdays = _workdays(programme.pk, all_dates)
    names_all = queries.has_oversight(access, programme.pk)
    own = access.organisation_ids
    rows = []
    for m in milestones:
        base = chosen.get(m.pk)
        current_date = m.actual_date or m.forecast_date
        delta = workdays.between(base, current_date) if base and current_date else None
        row = PlanRow(
            milestone=m,
            baseline_date=base,
            current_baseline_date=m.baseline_date,
            forecast_date=m.forecast_date,
            actual_date=m.actual_date,
            delta=delta,
            warning=predecessor_warning(m, m.predecessor, workdays),
        )
        found = slips.get(m.pk, [])
        organisations = {s[0] for s in found}
        row.late_participants = len(organisations)
        named = {o for o in organisations if names_all or o in own}
        row.hidden_participants = len(organisations - named)
        for org_id, plan_id, org_name, name, day, programme_day in found:
            if org_id not in named or len(row.slips) >= MAX_NAMED_SLIPS:
                continue
            row.slips.append(
                Slip(
                    organisation_id=org_id,
                    plan_id=plan_id,
                    organisation=org_name,
                    name=name,
                    date=day,
                    working_days_after=workdays.between(programme_day, day),
                )
            )
        rows.append(row)
    return PlanTable(
        programme=programme,
        rows=rows,
        baselines=baselines,
        compared=compared,
        current=current,
        workdays=workdays,
        today=today or timezone.localdate(),
    )


# -- comparing baselines --------------------------------------------------------------------------------


@dataclass
class CompareRow:
    milestone: Milestone
    date_a: dt.date | None
    date_b: dt.date | None
    #: Working days from A's date to B's (None when either baseline lacks the milestone).
    moved: int | None

    @property
    def moved_text(self) -> str:
        if self.moved is None:
            if self.date_a is None and self.date_b is not None:
                return "added"
            if self.date_b is None and self.date_a is not None:
                return "removed"
            return ""
        if self.moved == 0:
            return "not moved"
        return ("later by " if self.moved > 0 else "earlier by ") + plural(abs(self.moved), "working day")


@dataclass
class Comparison:
    a: Baseline
    b: Baseline
    rows: list[CompareRow]

    @property
    def moved(self) -> list[CompareRow]:
        return [r for r in self.rows if r.moved or r.moved_text in ("added", "removed")]

    @property
    def written_by(self):
        """The change request that wrote baseline B (None: the first baseline)."""
        return self.b.change_request


def compare_baselines(programme: Programme, a: Baseline, b: Baseline) -> Comparison:
    """Every milestone in baseline ``a`` or ``b``: its date in each and how far it moved (working days)."""
    dates: dict[int, dict[int, dt.date]] = {a.pk: {}, b.pk: {}}
    milestones: dict[int, Milestone] = {}
    for bd in (
        BaselineDate.objects.filter(baseline_id__in=[a.pk, b.pk], milestone__programme=programme)
        .select_related("milestone")
        .order_by("milestone__order", "milestone__code", "pk")
    ):
        dates[bd.baseline_id][bd.milestone_id] = bd.date
        milestones.setdefault(bd.milestone_id, bd.milestone)
    workdays = _workdays(programme.pk, [*dates[a.pk].values(), *dates[b.pk].values()])
    rows = []
    for mid, m in milestones.items():
        da, db = dates[a.pk].get(mid), dates[b.pk].get(mid)
        rows.append(
            CompareRow(
                milestone=m, date_a=da, date_b=db, moved=workdays.between(da, db) if da and db else None
            )
        )
    return Comparison(a=a, b=b, rows=rows)


@dataclass
class HistoryRow:
    baseline: Baseline
    date: dt.date
    moved: int | None


def milestone_history(milestone: Milestone) -> list[HistoryRow]:
    """The milestone's date in every baseline that has it, oldest first, with how far each moved it."""
    found = list(
        BaselineDate.objects.filter(milestone=milestone)
        .select_related("baseline__change_request")
        .order_by("baseline__number")
    )
    workdays = _workdays(milestone.programme_id, [bd.date for bd in found])
    out: list[HistoryRow] = []
    previous: dt.date | None = None
    for bd in found:
        out.append(
            HistoryRow(
                baseline=bd.baseline,
                date=bd.date,
                moved=workdays.between(previous, bd.date) if previous else None,
            )
        )
        previous = bd.date
    return out


# -- subsidiary plans -----------------------------------------------------------------------------------


@dataclass
class PartyRow:
    milestone: PartyMilestone
    linked: Milestone | None
    #: Working days from the planned date to the actual, else the forecast.
    delta: int | None
    #: Working days after the linked programme milestone's date (positive: too late).
    after_programme: int | None
    warning: str = ""

    @property
    def delta_text(self) -> str:
        return "on plan" if self.delta == 0 else days_text(self.delta)

    @property
    def days_before(self) -> int | None:
        """Working days it is due before its programme milestone (None: not linked, or after it)."""
        if self.after_programme is None or self.after_programme > 0:
            return None
        return -self.after_programme


@dataclass
class PartyPlan:
    plan: SubsidiaryPlan
    rows: list[PartyRow]

    @property
    def warnings(self) -> list[PartyRow]:
        return [r for r in self.rows if r.warning]


def party_warning(
    pm: PartyMilestone, linked: Milestone | None, workdays: WorkingDays
) -> tuple[int | None, str]:
    """How far ``pm`` lies after its programme milestone and, when after, why the plan warns."""
    if linked is None:
        return None, ""
    theirs, ours = linked.current_date, pm.current_date
    if theirs is None or ours is None:
        return None, ""
    after = workdays.between(theirs, ours)
    if ours <= theirs:
        return after, ""
    brought_forward = (
        not linked.actual_date
        and linked.forecast_date is not None
        and linked.baseline_date is not None
        and linked.forecast_date < linked.baseline_date
        and ours <= linked.baseline_date
    )
    if brought_forward:
        return after, (
            f"{linked.code} is now forecast {show(linked.forecast_date)}, earlier than its baseline "
            f"{show(linked.baseline_date)}: this milestone ({show(ours)}) is now "
            f"{plural(after, 'working day')} after it"
        )
    return after, (
        f"{show(ours)} is {plural(after, 'working day')} after {linked.code} ({show(theirs)}), "
        f"which it must be met before"
    )


def party_plan(plan: SubsidiaryPlan) -> PartyPlan:
    """A participant's plan with each milestone checked against its programme milestone. Two queries and
    the calendar's."""
    milestones = list(
        PartyMilestone.objects.filter(plan=plan)
        .select_related("programme_milestone")
        .order_by("order", "planned_date", "pk")
    )
    dates: list[dt.date | None] = []
    for pm in milestones:
        dates += [pm.planned_date, pm.forecast_date, pm.actual_date]
        if pm.programme_milestone:
            dates.append(pm.programme_milestone.current_date)
    workdays = _workdays(plan.programme_id, dates)
    rows = []
    for pm in milestones:
        current = pm.actual_date or pm.forecast_date
        after, warning = party_warning(pm, pm.programme_milestone, workdays)
        rows.append(
            PartyRow(
                milestone=pm,
                linked=pm.programme_milestone,
                delta=workdays.between(pm.planned_date, current) if current else None,
                after_programme=after,
                warning=warning,
            )
        )
    return PartyPlan(plan=plan, rows=rows)


def late_counts(programme_id: int) -> dict[int, int]:
    """Per subsidiary plan: how many of its milestones are dated after their programme milestone."""
    counts: dict[int, int] = {}
    for plan_id in (
        PartyMilestone.objects.filter(plan__programme_id=programme_id, programme_milestone__isnull=False)
        .annotate(
            party_date=Coalesce("actual_date", "forecast_date", "planned_date"),
            programme_date=Coalesce(
                "programme_milestone__actual_date",
                "programme_milestone__forecast_date",
                "programme_milestone__baseline_date",
            ),
        )
        .filter(party_date__gt=F("programme_date"))
        .values_list("plan_id", flat=True)
    ):
        counts[plan_id] = counts.get(plan_id, 0) + 1
    return counts
