"""Providers' KPI returns (SL-05): the desk sets each provider's schedule; Busbar opens a return as each
period ends (and tells the provider), chases late ones; the provider submits its lines (form, CSV or API),
again while the desk has not accepted them; the desk accepts.

The rules for periods, due dates and lines are :mod:`busbar.reports.returns`'."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from busbar.audit.journal import record
from busbar.lib.actions import ActionError, Actor, Conflict, action, check_transition, refuse
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_of
from busbar.reports import permissions
from busbar.reports import returns as rules
from busbar.reports.models import (
    RETURN_TRANSITIONS,
    KpiReturn,
    KpiReturnLine,
    ReturnSchedule,
    ReturnStatus,
)
from busbar.services.models import Calendar

__all__ = ["set_schedule", "open_due_returns", "submit_return", "accept_return", "chase"]

CHANNELS = ("form", "csv", "api")
MAX_DUE_DAYS = 60
MAX_CHASE_DAYS = 60


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or rules.current_time()


def _email_later(kpi_return: KpiReturn, kind: str) -> None:
    from busbar.reports.tasks import returns as tasks

    pk = kpi_return.pk
    transaction.on_commit(lambda: tasks.email_return.enqueue(pk, kind))


@action
def set_schedule(
    *,
    actor: Actor,
    provider: Organisation,
    kpis: Sequence[str],
    calendar: Calendar,
    frequency: str = ReturnSchedule.Frequency.MONTHLY,
    due_working_days: int = 5,
    chase_every_days: int = 2,
    is_active: bool = True,
    now: dt.datetime | None = None,
) -> ReturnSchedule:
    """Set (or create) what ``provider`` returns and when."""
    refuse(permissions.can_manage_schedules(scope_of(actor)))
    now = _now(now)
    if not isinstance(provider, Organisation) or not provider.is_provider:
        raise ActionError("Choose a provider organisation", field="provider")
    codes: list[str] = []
    for index, code in enumerate(kpis or ()):
        code = str(code).strip().lower()
        if not rules.CODE_RE.fullmatch(code):
            raise ActionError(
                f"KPI code {code[:40]!r} must be 2-40 lower-case letters, digits or _", field=f"kpis[{index}]"
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ActionError("Name at least one KPI", field="kpis")
    if len(codes) > rules.MAX_SCHEDULE_KPIS:
        raise ActionError(f"Name at most {rules.MAX_SCHEDULE_KPIS} KPIs", field="kpis")
    if frequency not in ReturnSchedule.Frequency.values:
        raise ActionError("Choose monthly or quarterly", field="frequency")
    if not isinstance(due_working_days, int) or not 0 <= due_working_days <= MAX_DUE_DAYS:
        raise ActionError(f"Give 0 to {MAX_DUE_DAYS} working days", field="due_working_days")
    if not isinstance(chase_every_days, int) or not 1 <= chase_every_days <= MAX_CHASE_DAYS:
        raise ActionError(f"Give 1 to {MAX_CHASE_DAYS} days", field="chase_every_days")
    if not isinstance(calendar, Calendar):
        raise ActionError("Choose a calendar", field="calendar")
    wanted = {
        "kpis": codes,
        "frequency": frequency,
        "due_working_days": due_working_days,
        "calendar_id": calendar.pk,
        "chase_every_days": chase_every_days,
        "is_active": bool(is_active),
    }
    schedule = ReturnSchedule.objects.select_for_update(of=("self",)).filter(provider=provider).first()
    if schedule is None:
        schedule = ReturnSchedule.objects.create(provider=provider, updated_at=now, **wanted)
        changes = {k: [None, v] for k, v in wanted.items()}
        what = "kpi_schedule.create"
    else:
        changes = {k: [getattr(schedule, k), v] for k, v in wanted.items() if getattr(schedule, k) != v}
        for name, value in wanted.items():
            setattr(schedule, name, value)
        schedule.updated_at = now
        schedule.save()
        what = "kpi_schedule.update"
    record(actor=actor, action=what, obj=schedule, owner=provider, changes=changes, note=provider.name)
    return schedule


@action
def open_due_returns(*, actor: Actor | None = None, now: dt.datetime | None = None) -> list[KpiReturn]:
    """Open a return (status due) for each active schedule's latest ended period that has none, and tell
    the provider. Refused (409) when there is none to open, so a scan that finds nothing writes nothing
    (``tasks.returns.open_and_chase`` looks first)."""
    actor = actor or Actor.system()
    now = _now(now)
    refuse(permissions.can_manage_schedules(scope_of(actor)))
    opened = []
    for schedule, start, end in rules.periods_to_open(now):
        kpi_return = KpiReturn.objects.create(
            schedule=schedule,
            provider=schedule.provider,
            period_start=start,
            period_end=end,
            due_at=rules.due_at(schedule, end),
        )
        record(
            actor=actor,
            action="kpi_return.open",
            obj=kpi_return,
            owner=schedule.provider,
            changes={"status": [None, kpi_return.status], "due_at": [None, kpi_return.due_at]},
            note=f"{rules.period_label(start, end)}: due {kpi_return.due_at.isoformat()}",
        )
        _email_later(kpi_return, "due")
        opened.append(kpi_return)
    if not opened:
        raise Conflict("No KPI return is waiting to be opened")
    return opened


def _locked(kpi_return: KpiReturn) -> KpiReturn:
    found = (
        KpiReturn.objects.select_for_update(of=("self",))
        .select_related("schedule", "provider")
        .filter(pk=getattr(kpi_return, "pk", None))
        .first()
    )
    if found is None:
        raise ActionError("No such KPI return", field="kpi_return")
    return found


@action
def submit_return(
    *,
    actor: Actor,
    kpi_return: KpiReturn,
    lines: Iterable[tuple[str, dict[str, Any]]] | Sequence[rules.Line],
    channel: str = "form",
    note: str = "",
    now: dt.datetime | None = None,
) -> KpiReturn:
    """The provider returns its figures: ``lines`` as ``(where, row)`` pairs (checked here; every error is
    raised at once as :class:`~busbar.reports.returns.LinesRefused`, nothing saved) or lines already
    checked. Submitting again before the desk accepts replaces the lines. Late when after ``due_at``."""
    now = _now(now)
    kpi_return = _locked(kpi_return)
    refuse(permissions.can_submit_return(scope_of(actor), kpi_return))
    check_transition(RETURN_TRANSITIONS, kpi_return.status, ReturnStatus.SUBMITTED, what="The KPI return")
    if channel not in CHANNELS:
        raise ActionError("channel must be form, csv or api", field="channel")
    note = (note or "").strip()
    if len(note) > 2000:
        raise ActionError("The note must be at most 2000 characters", field="note")
    given = list(lines)
    if given and all(isinstance(x, rules.Line) for x in given):
        checked: list[rules.Line] = given  # type: ignore[assignment]
        period = rules.Checker(kpi_return, now=now).period_error()
        if period is not None:
            raise rules.LinesRefused([period])
    else:
        checked = rules.Checker(kpi_return, now=now).check(given)  # type: ignore[arg-type]
    before_count = kpi_return.lines.count()
    kpi_return.lines.all().delete()
    KpiReturnLine.objects.bulk_create(
        KpiReturnLine(
            kpi_return=kpi_return,
            kpi=ln.kpi,
            service=ln.service,
            severity_code=ln.severity_code,
            value=ln.value,
            note=ln.note,
        )
        for ln in checked
    )
    previous = kpi_return.status
    kpi_return.status = ReturnStatus.SUBMITTED
    kpi_return.submitted_at = now
    kpi_return.submitted_by = actor.user
    kpi_return.channel = channel
    kpi_return.is_late = kpi_return.is_late or now > kpi_return.due_at
    kpi_return.note = note
    kpi_return.save(update_fields=["status", "submitted_at", "submitted_by", "channel", "is_late", "note"])
    record(
        actor=actor.acting_for(kpi_return.provider_id),
        action="kpi_return.submit" if previous == ReturnStatus.DUE else "kpi_return.resubmit",
        obj=kpi_return,
        owner=kpi_return.provider,
        changes={
            "status": [previous, ReturnStatus.SUBMITTED],
            "lines": [before_count, len(checked)],
            "channel": [None, channel],
            "is_late": [None, kpi_return.is_late],
        },
        note=f"{len(checked)} lines by {channel}" + (" (late)" if kpi_return.is_late else ""),
    )
    return kpi_return


@action
def accept_return(*, actor: Actor, kpi_return: KpiReturn, now: dt.datetime | None = None) -> KpiReturn:
    """The desk accepts a submitted return (409 unless submitted); it never changes after."""
    now = _now(now)
    kpi_return = _locked(kpi_return)
    refuse(permissions.can_accept_return(scope_of(actor), kpi_return))
    check_transition(RETURN_TRANSITIONS, kpi_return.status, ReturnStatus.ACCEPTED, what="The KPI return")
    kpi_return.status = ReturnStatus.ACCEPTED
    kpi_return.accepted_at = now
    kpi_return.accepted_by = actor.user
    kpi_return.save(update_fields=["status", "accepted_at", "accepted_by"])
    record(
        actor=actor,
        action="kpi_return.accept",
        obj=kpi_return,
        owner=kpi_return.provider,
        changes={"status": [ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED]},
    )
    return kpi_return


@action
def chase(*, actor: Actor | None = None, kpi_return: KpiReturn, now: dt.datetime | None = None) -> KpiReturn:
    """Chase a late return (the provider is emailed), at most once per the schedule's interval (409)."""
    actor = actor or Actor.system()
    now = _now(now)
    refuse(permissions.can_manage_schedules(scope_of(actor)))
    kpi_return = _locked(kpi_return)
    if not rules.chase_due(kpi_return, now):
        raise Conflict("This KPI return is not late, or was chased recently", field="kpi_return")
    before = (kpi_return.chased_at, kpi_return.chase_count, kpi_return.is_late)
    kpi_return.chased_at = now
    kpi_return.chase_count += 1
    kpi_return.is_late = True
    kpi_return.save(update_fields=["chased_at", "chase_count", "is_late"])
    record(
        actor=actor,
        action="kpi_return.chase",
        obj=kpi_return,
        owner=kpi_return.provider,
        changes={
            "chased_at": [before[0], now],
            "chase_count": [before[1], kpi_return.chase_count],
            "is_late": [before[2], True],
        },
    )
    _email_later(kpi_return, "chase")
    return kpi_return
