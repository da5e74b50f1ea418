"""Every change to completion reports and glide-path plans: one transaction each, refused by
:mod:`busbar.testing.permissions`, journalled.

* :func:`generate_report`: the SI for a phase, a participant (or the SI) for its own; the content is built
  from the data now (:mod:`busbar.testing.completion`) and frozen; versions count per (phase, participation).
* :func:`submit_report`, :func:`decide_report`: draft → submitted → approved or not approved (a recorded
  decision with its note, by whom :func:`~busbar.testing.permissions.can_decide_report` names). Approved and
  rejected reports never change again; a new version is generated instead.
* :func:`set_glide_plan`: the SI's planned cumulative executed and passed per week.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, action, check_transition, refuse
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.testing import completion, permissions
from busbar.testing.access import access_of
from busbar.testing.figures import monday
from busbar.testing.models import (
    REPORT_TRANSITIONS,
    CompletionReport,
    GlidePoint,
    Participation,
    Phase,
    ReportStatus,
)

#: Glide-path plan points: at most this many weeks, within this much of the phase's window.
MAX_POINTS = 260
WEEKS_BEFORE = 8
WEEKS_AFTER = 52
MAX_PLANNED = 100_000_000


def _journal(actor: Actor, report: CompletionReport, what: str, changes=None, note: str = "") -> None:
    owner = report.participation.organisation if report.participation_id else report.phase.owner
    journal(
        actor=actor,
        action=f"testing.report.{what}",
        obj=report,
        owner=owner,
        changes=changes,
        note=note,
    )


def _lock(report: CompletionReport) -> CompletionReport:
    return (
        CompletionReport.objects.select_for_update(of=("self",))
        .select_related("phase", "phase__programme", "phase__owner", "participation__organisation")
        .get(pk=report.pk)
    )


@action
def generate_report(
    *,
    actor: Actor,
    phase: Phase,
    participation: Participation | None = None,
    title: str = "",
    summary: str = "",
    exceptions: str = "",
) -> CompletionReport:
    """A new version of the phase's (or one participant's) completion report, as a draft."""
    phase = (
        Phase.objects.select_for_update(of=("self",)).select_related("programme", "owner").get(pk=phase.pk)
    )
    if participation is not None:
        participation = Participation.objects.select_related("organisation", "role", "cohort").get(
            pk=participation.pk
        )
        if participation.phase_id != phase.pk:
            raise ActionError(f"{participation} does not take part in {phase.name}", field="participation")
    refuse(permissions.can_write_report(access_of(actor), phase, participation))
    check_text(title, field="title", limit=SHORT_TEXT)
    check_text(summary, field="summary")
    check_text(exceptions, field="exceptions")
    if not title.strip():
        title = f"{phase.programme.name} {phase.name} Test Completion Report"
        if participation is not None:
            title = f"{participation.organisation.name}: {phase.name} Test Completion Report"
        title = title[:SHORT_TEXT]
    latest = CompletionReport.objects.filter(phase=phase, participation=participation).aggregate(
        v=Max("version")
    )["v"]
    now = timezone.now()
    report = CompletionReport.objects.create(
        phase=phase,
        participation=participation,
        version=(latest or 0) + 1,
        title=title.strip(),
        summary=summary,
        exceptions=exceptions,
        content=completion.build(phase=phase, participation=participation, exceptions=exceptions, now=now),
        status=ReportStatus.DRAFT,
        generated_at=now,
        generated_by=actor.user,
        generated_by_organisation=actor.organisation,
    )
    _journal(actor, report, "generate", {"version": [None, report.version], "status": [None, report.status]})
    return report


@action
def submit_report(*, actor: Actor, report: CompletionReport) -> CompletionReport:
    """Submit a draft for approval."""
    report = _lock(report)
    refuse(permissions.can_write_report(access_of(actor), report.phase, report.participation))
    check_transition(REPORT_TRANSITIONS, report.status, ReportStatus.SUBMITTED, what="report")
    before = report.status
    report.status = ReportStatus.SUBMITTED
    report.save(update_fields=["status"])
    _journal(actor, report, "submit", {"status": [before, report.status]})
    return report


@action
def decide_report(
    *, actor: Actor, report: CompletionReport, approve: bool, note: str = ""
) -> CompletionReport:
    """Approve a submitted report, or not (then the note saying why is required): a recorded decision."""
    report = _lock(report)
    refuse(permissions.can_decide_report(access_of(actor), report))
    target = ReportStatus.APPROVED if approve else ReportStatus.REJECTED
    check_transition(REPORT_TRANSITIONS, report.status, target, what="report")
    check_text(note, field="note")
    if not approve and not note.strip():
        raise ActionError("Say why the report is not approved", field="note")
    before = report.status
    report.status = target
    report.decided_at = timezone.now()
    report.decided_by = actor.user
    report.decided_by_organisation = actor.organisation
    report.decision_note = note.strip()
    report.save(
        update_fields=["status", "decided_at", "decided_by", "decided_by_organisation", "decision_note"]
    )
    _journal(actor, report, "approve" if approve else "reject", {"status": [before, target]}, note=note)
    return report


def _check_points(phase: Phase, points: list) -> list[tuple[dt.date, int, int]]:
    if len(points) > MAX_POINTS:
        raise ActionError(f"At most {MAX_POINTS} weeks in a plan", field="points")
    earliest = monday(phase.planned_start) - dt.timedelta(weeks=WEEKS_BEFORE)
    latest = phase.planned_end + dt.timedelta(weeks=WEEKS_AFTER)
    checked: list[tuple[dt.date, int, int]] = []
    seen: set[dt.date] = set()
    for i, point in enumerate(points):
        where = f"points[{i}]"
        line = f"Line {i + 1}"
        try:
            week, executed, passed = point
        except (TypeError, ValueError):
            raise ActionError(
                f"{line}: give a week, planned executed and planned passed", field=where
            ) from None
        if not isinstance(week, dt.date) or isinstance(week, dt.datetime):
            raise ActionError(f"{line}: the week must be a date", field=where)
        if week.weekday() != 0:
            raise ActionError(f"{line}: {week:%a %-d %b %Y} is not a Monday", field=where)
        if not earliest <= week <= latest:
            raise ActionError(
                f"{line}: {week:%-d %b %Y} is outside the phase's window "
                f"({earliest:%-d %b %Y} to {latest:%-d %b %Y})",
                field=where,
            )
        if week in seen:
            raise ActionError(f"{line}: the week of {week:%-d %b %Y} is given twice", field=where)
        seen.add(week)
        for value in (executed, passed):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PLANNED:
                raise ActionError(
                    f"{line}: planned figures are whole numbers from 0 to {MAX_PLANNED:,}", field=where
                )
        if passed > executed:
            raise ActionError(
                f"{line}: more planned passed ({passed}) than executed ({executed})", field=where
            )
        checked.append((week, executed, passed))
    order = sorted(range(len(checked)), key=lambda i: checked[i][0])
    for prev, cur in zip(order, order[1:], strict=False):
        if checked[cur][1] < checked[prev][1] or checked[cur][2] < checked[prev][2]:
            raise ActionError(
                f"Line {cur + 1}: the plan is cumulative: it cannot fall below the week before "
                f"({checked[prev][1]} executed, {checked[prev][2]} passed)",
                field=f"points[{cur}]",
            )
    return sorted(checked)


@action
def set_glide_plan(*, actor: Actor, phase: Phase, points: list[tuple[dt.date, int, int]]) -> Phase:
    """Replace the phase's glide-path plan (cumulative planned executed and passed at the end of each week,
    weeks as Mondays); an empty list goes back to the straight line across the window."""
    phase = (
        Phase.objects.select_for_update(of=("self",)).select_related("programme", "owner").get(pk=phase.pk)
    )
    refuse(permissions.can_manage_programme(access_of(actor), phase.programme))
    checked = _check_points(phase, list(points))
    before = GlidePoint.objects.filter(phase=phase).count()
    GlidePoint.objects.filter(phase=phase).delete()
    GlidePoint.objects.bulk_create(
        [GlidePoint(phase=phase, week=w, planned_executed=e, planned_passed=p) for w, e, p in checked]
    )
    journal(
        actor=actor,
        action="testing.glide_plan",
        obj=phase,
        owner=phase.owner,
        changes={"weeks": [before, len(checked)]},
        note=(
            f"Planned to {checked[-1][0]:%-d %b %Y}: {checked[-1][1]} executed, {checked[-1][2]} passed"
            if checked
            else "Back to a straight line across the window"
        ),
    )
    return phase
