"""Migration plans, their lines, the segment windows and the thresholds (QM-18, QM-22): every change here.

* A supplier (or a migration manager, on its behalf) creates a plan per segment; the supplier sets its
  lines (:func:`set_lines`: CSV, JSON or the generator, all replacing the lines) while the plan is a
  draft, returned or accepted (a new profile of an accepted plan is submitted again for review), and
  submits it; the managers accept or return it (with the reason) and re-profile it off over-threshold days
  (:func:`reprofile`: the plan keeps its status, its version goes up, the moves are journalled).
* The managers keep the segment windows (by hand, or from the programme's milestones M11, M12, M14 and
  M15) and the thresholds (added with effective dates, ended by giving the last day).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import (
    ActionError,
    Actor,
    Conflict,
    IllegalTransition,
    action,
    check_transition,
    refuse,
)
from busbar.lib.limits import check_text
from busbar.migration import common, permissions, plan_import
from busbar.migration.models import (
    PLAN_TRANSITIONS,
    MigrationPlan,
    PlanDay,
    PlanLine,
    PlanStatus,
    Segment,
    SegmentWindow,
    Threshold,
    ThresholdScope,
)
from busbar.migration.queries import viewer_of
from busbar.migration.reprofile import propose_reprofile
from busbar.parties.models import IndustryRole, OrganisationRole

#: How far from today a window or a threshold's dates may be.
SPAN = dt.timedelta(days=366 * 10)
#: Moves written into the journal entry in full (the totals always).
JOURNAL_MOVES = 200
EDITABLE = (PlanStatus.DRAFT, PlanStatus.RETURNED, PlanStatus.ACCEPTED)


def _segment(value: Any) -> str:
    if value not in Segment.values:
        raise ActionError(f"Choose a segment: {', '.join(Segment.values)}", field="segment")
    return value


def _near(day: dt.date, now: dt.datetime, field: str) -> dt.date:
    if abs(day - common.today(now)) > SPAN:
        raise ActionError("Give a date within ten years of today", field=field)
    return day


def _lock(plan: MigrationPlan) -> MigrationPlan:
    return MigrationPlan.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=plan.pk)


@action
def create_plan(
    *,
    actor: Actor,
    programme: Any,
    supplier: Any,
    segment: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> MigrationPlan:
    """A draft plan for ``supplier``'s ``segment`` (one per supplier and segment: 409 for a second)."""
    now = now or timezone.now()
    refuse(permissions.can_create_plan(viewer_of(actor), programme, supplier.pk))
    segment = _segment(segment)
    note = check_text(str(note or "").strip(), field="note", limit=2000)
    if not OrganisationRole.objects.filter(organisation=supplier, role=IndustryRole.ENERGY_SUPPLIER).exists():
        raise ActionError(f"{supplier.name} is not an energy supplier", field="supplier")
    if MigrationPlan.objects.filter(programme=programme, supplier=supplier, segment=segment).exists():
        raise Conflict(f"{supplier.name} already has a {Segment(segment).label} plan", field="segment")
    try:
        with transaction.atomic():
            plan = MigrationPlan.objects.create(
                programme=programme,
                supplier=supplier,
                segment=segment,
                note=note,
                updated_by=actor.user,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        raise Conflict(
            f"{supplier.name} already has a {Segment(segment).label} plan", field="segment"
        ) from None
    journal(
        actor=actor.acting_for(supplier),
        action="migration.plan_create",
        obj=plan,
        owner=supplier,
        changes={
            "supplier": [None, supplier.name],
            "segment": [None, segment],
            "status": [None, plan.status],
        },
    )
    return plan


def _store_lines(plan: MigrationPlan, lines: dict[tuple, int] | list) -> tuple[int, int]:
    """Replace the plan's lines; (lines, MPANs) stored."""
    PlanLine.objects.filter(plan=plan).delete()
    if isinstance(lines, dict):
        items = [(d, dist, agent, v) for (d, dist, agent), v in lines.items() if v > 0]
    else:
        items = [(ln.day, ln.distributor, ln.agent_id, ln.volume) for ln in lines]
    PlanLine.objects.bulk_create(
        [
            PlanLine(plan=plan, day=d, distributor=dist, agent_id=agent, volume=v)
            for d, dist, agent, v in items
        ],
        batch_size=2000,
    )
    _store_days(plan)
    return len(items), sum(i[3] for i in items)


def _store_days(plan: MigrationPlan) -> None:
    """Keep the plan's daily totals (PlanDay, read by the progress pages) in step with its lines."""
    PlanDay.objects.filter(plan=plan).delete()
    PlanDay.objects.bulk_create(
        [
            PlanDay(plan=plan, day=r["day"], volume=r["n"])
            for r in PlanLine.objects.filter(plan=plan)
            .values("day")
            .annotate(n=Sum("volume"))
            .order_by("day")
            if r["n"]
        ],
        batch_size=2000,
    )


@action
def set_lines(
    *,
    actor: Actor,
    plan: MigrationPlan,
    lines: list[dict[str, Any]],
    source: str = "form",
    now: dt.datetime | None = None,
) -> MigrationPlan:
    """Replace the plan's lines with ``lines`` (dicts with day, distributor, agent — an MPID, an
    organisation id or blank — and volume; ``line`` numbers them in errors). All or nothing: any bad line
    refuses the lot (:class:`~busbar.migration.plan_import.LineErrors`). A draft or returned plan keeps
    its status; an accepted plan's new profile is submitted again. A submitted plan waits for review (409)."""
    now = now or timezone.now()
    refuse(permissions.can_edit_plan(viewer_of(actor), plan))
    plan = _lock(plan)
    if plan.status not in EDITABLE:
        raise IllegalTransition(
            f"The plan is {plan.get_status_display().lower()}: its lines change after the review "
            "(accepted or returned)",
            field="status",
        )
    source = str(source or "form")[:20]
    window = common.segment_windows(plan.programme_id).get(plan.segment)
    checked = plan_import.check_rows(list(lines), window=window)
    had_lines = PlanLine.objects.filter(plan=plan).exists()
    before = {"status": plan.status, "version": plan.version}
    count, volume = _store_lines(plan, checked)
    if had_lines:
        plan.version += 1
    if plan.status == PlanStatus.ACCEPTED:
        check_transition(PLAN_TRANSITIONS, plan.status, PlanStatus.SUBMITTED, what="The plan")
        plan.status = PlanStatus.SUBMITTED
        plan.submitted_at = now
    plan.updated_by = actor.user
    plan.updated_at = now
    plan.save()
    journal(
        actor=actor.acting_for(plan.supplier_id),
        action="migration.plan_lines",
        obj=plan,
        owner=plan.supplier,
        changes={
            "lines": [None, count],
            "mpans": [None, volume],
            "source": [None, source],
            **{k: [v, getattr(plan, k)] for k, v in before.items() if getattr(plan, k) != v},
        },
    )
    return plan


@action
def submit_plan(*, actor: Actor, plan: MigrationPlan, now: dt.datetime | None = None) -> MigrationPlan:
    """Send the plan for review: from then on it counts towards the thresholds."""
    now = now or timezone.now()
    refuse(permissions.can_submit_plan(viewer_of(actor), plan))
    plan = _lock(plan)
    check_transition(PLAN_TRANSITIONS, plan.status, PlanStatus.SUBMITTED, what="The plan")
    if not PlanLine.objects.filter(plan=plan, volume__gt=0).exists():
        raise ActionError("The plan has no lines yet", field="lines")
    before = plan.status
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_at = now
    plan.updated_by = actor.user
    plan.updated_at = now
    plan.save()
    journal(
        actor=actor.acting_for(plan.supplier_id),
        action="migration.plan_submit",
        obj=plan,
        owner=plan.supplier,
        changes={"status": [before, plan.status], "version": [None, plan.version]},
    )
    return plan


@action
def accept_plan(*, actor: Actor, plan: MigrationPlan, now: dt.datetime | None = None) -> MigrationPlan:
    now = now or timezone.now()
    refuse(permissions.can_review_plan(viewer_of(actor), plan))
    plan = _lock(plan)
    check_transition(PLAN_TRANSITIONS, plan.status, PlanStatus.ACCEPTED, what="The plan")
    before = plan.status
    plan.status = PlanStatus.ACCEPTED
    plan.accepted_at = now
    plan.updated_by = actor.user
    plan.updated_at = now
    plan.save()
    journal(
        actor=actor,
        action="migration.plan_accept",
        obj=plan,
        owner=plan.supplier,
        changes={"status": [before, plan.status], "version": [None, plan.version]},
    )
    return plan


@action
def return_plan(
    *, actor: Actor, plan: MigrationPlan, reason: str, now: dt.datetime | None = None
) -> MigrationPlan:
    """Return a submitted plan for changes, saying why (kept as the plan's note)."""
    now = now or timezone.now()
    refuse(permissions.can_review_plan(viewer_of(actor), plan))
    reason = check_text(str(reason or "").strip(), field="reason", limit=2000)
    if not reason:
        raise ActionError("Say why the plan goes back", field="reason")
    plan = _lock(plan)
    check_transition(PLAN_TRANSITIONS, plan.status, PlanStatus.RETURNED, what="The plan")
    before = plan.status
    plan.status = PlanStatus.RETURNED
    plan.note = reason
    plan.updated_by = actor.user
    plan.updated_at = now
    plan.save()
    journal(
        actor=actor,
        action="migration.plan_return",
        obj=plan,
        owner=plan.supplier,
        changes={"status": [before, plan.status], "reason": [None, reason]},
        note=reason[:500],
    )
    return plan


@action
def reprofile(*, actor: Actor, plan: MigrationPlan, now: dt.datetime | None = None) -> Any:
    """Apply :func:`~busbar.migration.reprofile.propose_reprofile` (days after today only): the lines
    move, the status stays, the version goes up; the moves are journalled. Returns the proposal."""
    now = now or timezone.now()
    refuse(permissions.can_reprofile(viewer_of(actor), plan))
    plan = _lock(plan)
    proposal = propose_reprofile(plan, today=common.today(now))
    if not proposal.changes:
        raise ActionError(
            "Nothing to move: no day of the plan after today is over a threshold"
            + (" with room elsewhere" if proposal.remainder else ""),
            field="plan",
        )
    _store_lines(plan, proposal.lines)
    before = plan.version
    plan.version += 1
    plan.updated_by = actor.user
    plan.updated_at = now
    plan.save()
    moves = [
        [m.from_day.isoformat(), m.to_day.isoformat(), m.distributor, m.agent_id, m.volume]
        for m in proposal.moves[:JOURNAL_MOVES]
    ]
    journal(
        actor=actor,
        action="migration.plan_reprofile",
        obj=plan,
        owner=plan.supplier,
        changes={
            "version": [before, plan.version],
            "moved": [None, proposal.moved],
            "moves": [None, moves],
            "move_count": [None, len(proposal.moves)],
            "remainder": [None, proposal.remaining],
        },
    )
    return proposal


# Segment windows ---------------------------------------------------------------------------------------


def _check_window(opens: Any, reverse_until: Any, closes: Any, now: dt.datetime) -> tuple:
    opens = _near(common.check_day(opens, field="opens"), now, "opens")  # type: ignore[arg-type]
    reverse_until = _near(common.check_day(reverse_until, field="reverse_until"), now, "reverse_until")  # type: ignore[arg-type]
    closes = _near(common.check_day(closes, field="closes"), now, "closes")  # type: ignore[arg-type]
    if reverse_until < opens:
        raise ActionError("Reverse migration ends (M14) on or after the window opens", field="reverse_until")
    if closes < reverse_until:
        raise ActionError("The window closes (M15) on or after reverse migration ends (M14)", field="closes")
    return opens, reverse_until, closes


def _save_window(
    programme: Any, segment: str, opens: dt.date, reverse_until: dt.date, closes: dt.date
) -> dict:
    window = (
        SegmentWindow.objects.select_for_update(of=("self",))
        .filter(programme=programme, segment=segment)
        .first()
    )
    values = {"opens": opens, "reverse_until": reverse_until, "closes": closes}
    if window is None:
        SegmentWindow.objects.create(programme=programme, segment=segment, **values)
        return {f"{segment}.{k}": [None, v] for k, v in values.items()}
    changes = {
        f"{segment}.{k}": [getattr(window, k), v] for k, v in values.items() if getattr(window, k) != v
    }
    if changes:
        for k, v in values.items():
            setattr(window, k, v)
        window.save()
    return changes


@action
def set_segment_window(
    *,
    actor: Actor,
    programme: Any,
    segment: str,
    opens: Any,
    reverse_until: Any,
    closes: Any,
    now: dt.datetime | None = None,
) -> SegmentWindow:
    """Set when ``segment`` migrates: opens (M11/M12), reverse migration until (M14), closes (M15)."""
    now = now or timezone.now()
    refuse(permissions.can_keep_segment_windows(viewer_of(actor), programme))
    segment = _segment(segment)
    opens, reverse_until, closes = _check_window(opens, reverse_until, closes, now)
    changes = _save_window(programme, segment, opens, reverse_until, closes)
    if not changes:
        raise ActionError("Those are the window's dates already", field="opens")
    window = SegmentWindow.objects.get(programme=programme, segment=segment)
    journal(actor=actor, action="migration.segment_window", obj=window, owner=None, changes=changes)
    return window


#: Which milestone opens which segments (QM-18: UM / Advanced go live together, before Smart / Non-smart).
OPENS_AT = {
    Segment.ADVANCED: "M11",
    Segment.UNMETERED: "M11",
    Segment.SMART: "M12",
    Segment.NON_SMART: "M12",
}


@action
def sync_from_milestones(
    *, actor: Actor, programme: Any, now: dt.datetime | None = None
) -> list[SegmentWindow]:
    """Take the windows from the programme's milestones (their actual, else forecast, else baseline date):
    M11 opens Advanced and Unmetered, M12 Smart and Non-smart, M14 ends reverse migration, M15 closes.
    A milestone that is missing (or undated) leaves that date as it is; a segment without a window gets
    one only when all three dates are known."""
    from busbar.programmes.models import Milestone

    now = now or timezone.now()
    refuse(permissions.can_keep_segment_windows(viewer_of(actor), programme))
    dates = {
        code: ms.current_date
        for code, ms in (
            (ms.code.upper(), ms)
            for ms in Milestone.objects.filter(programme=programme, code__in=["M11", "M12", "M14", "M15"])
        )
        if ms.current_date is not None
    }
    if not dates:
        raise ActionError("The programme has no dated milestone M11, M12, M14 or M15", field="programme")
    existing = common.segment_windows(programme.pk)
    changes: dict[str, list] = {}
    for segment, code in OPENS_AT.items():
        window = existing.get(segment)
        opens = dates.get(code, window.opens if window else None)
        reverse_until = dates.get("M14", window.reverse_until if window else None)
        closes = dates.get("M15", window.closes if window else None)
        if opens is None or reverse_until is None or closes is None:
            continue
        try:
            checked = _check_window(opens, reverse_until, closes, now)
        except ActionError as exc:
            raise ActionError(f"{Segment(segment).label}: {exc.message}", field=exc.field) from None
        changes.update(_save_window(programme, segment, *checked))
    if not changes:
        raise ActionError("The windows already match the milestones", field="programme")
    journal(
        actor=actor,
        action="migration.segment_windows_sync",
        obj=programme,
        owner=None,
        changes=changes,
        note="From milestones " + ", ".join(sorted(dates)),
    )
    return list(SegmentWindow.objects.filter(programme=programme))


# Thresholds ---------------------------------------------------------------------------------------------


@action
def add_threshold(
    *,
    actor: Actor,
    programme: Any,
    scope: str,
    daily_max: Any,
    effective_from: Any,
    effective_to: Any = None,
    segment: str = "",
    distributor: str = "",
    organisation: Any = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Threshold:
    """A cap in force from ``effective_from`` (to ``effective_to`` inclusive, or open). A distributor cap
    names a distributor ID, an agent or supplier cap an organisation; without one it is the default cap
    for every distributor / agent / supplier without its own. No subject for the industry-wide cap."""
    now = now or timezone.now()
    refuse(permissions.can_keep_thresholds(viewer_of(actor), programme))
    if scope not in ThresholdScope.values:
        raise ActionError(f"Choose a scope: {', '.join(ThresholdScope.values)}", field="scope")
    if segment:
        _segment(segment)
    distributor = str(distributor or "").strip()
    if scope == ThresholdScope.DISTRIBUTOR:
        if distributor and distributor not in common.DISTRIBUTOR_IDS:
            raise ActionError(
                f"{distributor[:20]!r} is not a GB distributor ID (10 to 23)", field="distributor"
            )
    elif distributor:
        raise ActionError("Only a distributor cap names a distributor", field="distributor")
    if organisation is not None and scope not in (ThresholdScope.AGENT, ThresholdScope.SUPPLIER):
        raise ActionError("Only an agent or supplier cap names an organisation", field="organisation")
    daily_max = common.check_volume(daily_max, field="daily_max")
    start = _near(common.check_day(effective_from, field="effective_from"), now, "effective_from")  # type: ignore[arg-type]
    end = common.check_day(effective_to, field="effective_to", required=False)
    if end is not None:
        _near(end, now, "effective_to")
        if end < start:
            raise ActionError("The last day is before the first", field="effective_to")
    note = check_text(str(note or "").strip(), field="note", limit=300)
    threshold = Threshold.objects.create(
        programme=programme,
        scope=scope,
        segment=segment or "",
        distributor=distributor,
        organisation=organisation,
        daily_max=daily_max,
        effective_from=start,
        effective_to=end,
        note=note,
        created_at=now,
    )
    journal(
        actor=actor,
        action="migration.threshold_add",
        obj=threshold,
        owner=None,
        changes={
            "scope": [None, scope],
            "subject": [None, distributor or (organisation.name if organisation is not None else "")],
            "segment": [None, segment],
            "daily_max": [None, daily_max],
            "effective_from": [None, start],
            "effective_to": [None, end],
        },
    )
    return threshold


@action
def end_threshold(
    *, actor: Actor, threshold: Threshold, effective_to: Any, now: dt.datetime | None = None
) -> Threshold:
    """The last day ``threshold`` is in force (on or after its first)."""
    now = now or timezone.now()
    refuse(permissions.can_keep_thresholds(viewer_of(actor), threshold.programme))
    threshold = (
        Threshold.objects.select_for_update(of=("self",)).select_related("programme").get(pk=threshold.pk)
    )
    end = _near(common.check_day(effective_to, field="effective_to"), now, "effective_to")  # type: ignore[arg-type]
    if end < threshold.effective_from:
        raise ActionError(
            f"The threshold is in force from {threshold.effective_from:%d %b %Y}: end it on or after",
            field="effective_to",
        )
    if end == threshold.effective_to:
        raise ActionError("The threshold already ends that day", field="effective_to")
    before = threshold.effective_to
    threshold.effective_to = end
    threshold.save(update_fields=["effective_to"])
    journal(
        actor=actor,
        action="migration.threshold_end",
        obj=threshold,
        owner=None,
        changes={"effective_to": [before, end]},
    )
    return threshold
