"""Raising and moving a Change Notification through its life (the table in ``models.TRANSITIONS``): edit,
submit (the notice rule, conflicts, the CCG told; a standard change on time and without conflicts accepted
at once), review, cancel, the implementation (start, complete, fail, back out), the post-implementation
review, reviewed, updates and overruns. Bulletins go to the subscribers of the services for outage
changes (``busbar.changes.bulletins``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from busbar.changes import bulletins, conflicts, notice, permissions, steps
from busbar.changes.models import (
    MAX_WINDOW,
    BulletinKind,
    CcgDecision,
    CcgMember,
    CcgOutcome,
    ChangeNotification,
    ChangeRisk,
    ChangeStatus,
    ChangeType,
)
from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.lib.limits import EARLIEST, LATEST
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_of
from busbar.records import steps as record_steps
from busbar.records.inbox import deliver
from busbar.records.models import Entry, Notification
from busbar.records.queries import watcher_users
from busbar.services.models import Service

__all__ = [
    "raise_change",
    "edit_change",
    "submit_change",
    "take_into_review",
    "cancel_change",
    "start_change",
    "complete_change",
    "fail_change",
    "back_out_change",
    "record_pir",
    "mark_reviewed",
    "add_update",
    "check_overruns",
]


@action
def raise_change(
    *,
    actor: Actor,
    provider: Organisation,
    title: str,
    change_type: str,
    services: Sequence[Service],
    planned_start: dt.datetime,
    planned_end: dt.datetime,
    is_outage: bool = False,
    description: str = "",
    expected_impact: str = "",
    backout_plan: str = "",
    risk: str = ChangeRisk.MEDIUM,
    team: str = "",
    emergency_reason: str = "",
    now: dt.datetime | None = None,
) -> ChangeNotification:
    """A draft Change Notification for ``provider`` (the desk records one on a provider's behalf)."""
    scope = scope_of(actor)
    refuse(permissions.can_raise(scope))
    refuse(permissions.can_raise_for(scope, provider))
    now = now or timezone.now()
    if change_type not in ChangeType.values:
        raise ActionError(f"Choose one of {', '.join(ChangeType.values)}", field="change_type")
    if risk not in ChangeRisk.values:
        raise ActionError(f"Choose one of {', '.join(ChangeRisk.values)}", field="risk")
    title = steps.clean_text(title, field="title", limit=steps.TITLE_MAX, what="The title", required=True)
    texts = {
        name: steps.clean_text(value, field=name)
        for name, value in (
            ("description", description),
            ("expected_impact", expected_impact),
            ("backout_plan", backout_plan),
            ("emergency_reason", emergency_reason),
        )
    }
    team = steps.clean_text(team, field="team", limit=steps.TEAM_MAX)
    steps.check_window(planned_start, planned_end)
    found = steps.check_services(provider, services)
    record = record_steps.new_record("change", created_at=now)
    change = ChangeNotification.objects.create(
        record=record,
        reference=record.reference,
        title=title,
        change_type=change_type,
        provider=provider,
        team=team,
        planned_start=planned_start,
        planned_end=planned_end,
        is_outage=bool(is_outage),
        risk=risk,
        raised_by=actor.user,
        recorded_by_desk=scope.is_desk and provider.pk not in scope.organisation_ids,
        created_at=now,
        updated_at=now,
        **texts,
    )
    steps.sync_services(change, found)
    steps.journal(actor, change, "raise", note=title)
    return change


# Shared pieces (private: every public function here is an action) -------------------------------------

#: An actual time may be this far ahead of "now" (clocks differ); beyond, it is in the future.
CLOCK_SLACK = dt.timedelta(minutes=1)
#: What a notice count can hold (working days).
_NOTICE_MAX = 32_767
_TEXTS = ("description", "expected_impact", "backout_plan", "emergency_reason")
EDIT_FIELDS = frozenset(
    {
        "title",
        "description",
        "change_type",
        "services",
        "planned_start",
        "planned_end",
        "is_outage",
        "expected_impact",
        "backout_plan",
        "risk",
        "team",
        "emergency_reason",
    }
)


def _save(change: ChangeNotification, fields, now: dt.datetime) -> None:
    change.updated_at = now
    change.save(update_fields=sorted({*fields, "updated_at"}))


def _check_state(scope, change: ChangeNotification, reason: str | None) -> None:
    """Refuse as the permission says; a worker refused only because of the change's state gets a 409."""
    if reason is not None and permissions.is_worker(scope, change):
        raise Conflict(reason, field="status")
    refuse(reason)


def _actual(
    value: dt.datetime | None, *, now: dt.datetime, field: str, after: dt.datetime | None = None
) -> dt.datetime:
    """An actual start or end: ``now`` when not given; aware, in range, not in the future, after ``after``
    and at most a change window (a year) from it."""
    if value is None:
        value = now
    if not isinstance(value, dt.datetime):
        raise ActionError("Give a date and time", field=field)
    if value.tzinfo is None:
        raise ActionError("Give the time with its time zone", field=field)
    if not (EARLIEST <= value <= LATEST):
        raise ActionError("That time is out of range", field=field)
    if value > now + CLOCK_SLACK:
        raise ActionError("That time is in the future", field=field)
    if after is not None:
        if value <= after:
            raise ActionError("The end must be after the start", field=field)
        if value - after > MAX_WINDOW:
            raise ActionError("A change can run for at most a year", field=field)
    elif now - value > MAX_WINDOW:
        raise ActionError("That time is more than a year ago", field=field)
    return value


def _announce(kind: str, change: ChangeNotification, *, now: dt.datetime, note: str = "") -> None:
    """A bulletin to the subscribers of the change's services, for outage changes."""
    if change.is_outage:
        bulletins.announce(kind, change, now=now, note=note)


def _tell_ccg(actor: Actor, change: ChangeNotification) -> None:
    """Each active CCG member (but whoever submitted it) finds the change in their inbox."""
    acting = actor.user.pk if actor.user is not None else None
    people = [
        m.user
        for m in CcgMember.objects.filter(is_active=True, user__is_active=True).select_related("user")
        if m.user_id != acting
    ]
    if not people:
        return
    flags = [
        label
        for label, on in (
            ("emergency", change.is_emergency),
            ("late notice", change.is_late),
            (f"{change.conflict_count} conflict{'s' * (change.conflict_count != 1)}", change.conflict_count),
        )
        if on
    ]
    title = f"For CCG review: {change.reference} {change.title}"
    if flags:
        title += f" ({', '.join(flags)})"
    deliver(
        recipients=people,
        kind=Notification.Kind.ASSIGNMENT,
        record=change,
        title=title,
        url=bulletins.change_path(change),
    )


def _tell_watchers(actor: Actor, change: ChangeNotification, what: str) -> None:
    """Once the change commits: the change's watchers (but whoever made it) told in their inbox."""
    acting = actor.user.pk if actor.user is not None else None
    change_id = change.pk
    title = f"{change.reference} {change.title}: {what}"
    url = bulletins.change_path(change)

    def send() -> None:
        current = ChangeNotification.objects.select_related("record").get(pk=change_id)
        people = [u for u in watcher_users(current) if u.is_active and u.pk != acting]
        if people:
            deliver(recipients=people, kind=Notification.Kind.BULLETIN, record=current, title=title, url=url)

    transaction.on_commit(send)


# Editing -------------------------------------------------------------------------------------------------


@action
def edit_change(
    *, actor: Actor, change: ChangeNotification, now: dt.datetime | None = None, **fields
) -> ChangeNotification:
    """Change what a draft (or one sent back for more information) proposes; the window and services are
    checked as when it was raised."""
    now = now or timezone.now()
    change = steps.lock(change)
    scope = scope_of(actor)
    _check_state(scope, change, permissions.can_edit(scope, change))
    unknown = sorted(set(fields) - EDIT_FIELDS)
    if unknown:
        raise ActionError(f"{unknown[0]} cannot be edited here", field=unknown[0])
    values: dict = {}
    if "title" in fields:
        values["title"] = steps.clean_text(
            fields["title"], field="title", limit=steps.TITLE_MAX, what="The title", required=True
        )
    for name in _TEXTS:
        if name in fields:
            values[name] = steps.clean_text(fields[name], field=name)
    if "team" in fields:
        values["team"] = steps.clean_text(fields["team"], field="team", limit=steps.TEAM_MAX)
    if "change_type" in fields:
        if fields["change_type"] not in ChangeType.values:
            raise ActionError(f"Choose one of {', '.join(ChangeType.values)}", field="change_type")
        values["change_type"] = str(fields["change_type"])
    if "risk" in fields:
        if fields["risk"] not in ChangeRisk.values:
            raise ActionError(f"Choose one of {', '.join(ChangeRisk.values)}", field="risk")
        values["risk"] = str(fields["risk"])
    if "is_outage" in fields:
        values["is_outage"] = bool(fields["is_outage"])
    start = fields.get("planned_start", change.planned_start)
    end = fields.get("planned_end", change.planned_end)
    if "planned_start" in fields or "planned_end" in fields:
        steps.check_window(start, end)
        values["planned_start"], values["planned_end"] = start, end
    services = None
    before_services = sorted(s.name for s in change.services.all())
    if "services" in fields:
        services = steps.check_services(change.provider, fields["services"] or [])
    changes: dict = {}
    for name, value in values.items():
        if getattr(change, name) != value:
            changes[name] = [getattr(change, name), value]
            setattr(change, name, value)
    if services is not None:
        after_services = sorted(s.name for s in services)
        if after_services != before_services:
            changes["services"] = [", ".join(before_services), ", ".join(after_services)]
    _save(change, [n for n in changes if n != "services"], now)
    if services is not None and "services" in changes:
        steps.sync_services(change, services)
    elif {"planned_start", "planned_end"} & set(changes):
        steps.sync_services(change)
    steps.journal(actor, change, "edit", changes=changes, note="" if changes else "Nothing changed")
    return change


# Submission and review -----------------------------------------------------------------------------------


@action
def submit_change(
    *, actor: Actor, change: ChangeNotification, now: dt.datetime | None = None
) -> ChangeNotification:
    """Send the notification to the CCG: the notice it gives is measured against the rule that applies
    (late is flagged), its conflicts are found, the CCG's members are told. An emergency change needs its
    reason, skips the notice rule and is due a retrospective review. A standard change given on time and
    with no conflict is pre-approved: accepted at once."""
    now = now or timezone.now()
    change = steps.lock(change)
    scope = scope_of(actor)
    refuse(permissions.can_submit(scope, change))
    transition = steps.move(change, ChangeStatus.SUBMITTED)  # 409 unless a draft or more information
    steps.check_services(change.provider, change.services.all())
    steps.check_window(change.planned_start, change.planned_end)
    if change.is_emergency:
        if not change.emergency_reason.strip():
            raise ActionError("An emergency change needs its reason", field="emergency_reason")
    elif change.planned_start <= now:
        raise ActionError(
            "The planned start has passed: move the window before submitting", field="planned_start"
        )
    if change.is_emergency:
        rule, required, given, late = None, None, None, False
        change.retrospective_review_due = True
    else:
        assessed = notice.assess(change, at=now)
        rule, required, late = assessed.rule, assessed.required, bool(assessed.is_late)
        given = None if assessed.given is None else max(0, min(int(assessed.given), _NOTICE_MAX))
    changes = {**transition, "is_late": [change.is_late, late]}
    change.submitted_at = now
    change.notice_rule = rule
    change.notice_required = required
    change.notice_given = given
    change.is_late = late
    change.late_exception = False
    _save(
        change,
        [
            "status",
            "submitted_at",
            "notice_rule",
            "notice_required",
            "notice_given",
            "is_late",
            "late_exception",
            "retrospective_review_due",
        ],
        now,
    )
    found = conflicts.refresh(change, now=now)
    change.conflict_count = len(found)
    note = "Late notification" if late else ""
    if change.is_emergency:
        note = f"Emergency: {change.emergency_reason}"
    steps.journal(actor, change, "submit", changes=changes, note=note)
    if change.change_type == ChangeType.STANDARD and not late and not found:
        reason = "Standard change: pre-approved"
        changes = steps.move(change, ChangeStatus.ACCEPTED)
        _save(change, ["status"], now)
        CcgDecision.objects.create(
            change=change, outcome=CcgOutcome.ACCEPT, reason=reason, decided_by=None, decided_at=now
        )
        steps.journal(actor, change, "accept", changes=changes, note=reason)
        _announce(BulletinKind.PLANNED, change, now=now)
    else:
        _tell_ccg(actor, change)
    return change


@action
def take_into_review(
    *, actor: Actor, change: ChangeNotification, now: dt.datetime | None = None
) -> ChangeNotification:
    """The CCG starts reviewing a submitted change."""
    now = now or timezone.now()
    change = steps.lock(change)
    refuse(permissions.can_decide(scope_of(actor), change))
    if change.status != ChangeStatus.SUBMITTED:
        raise Conflict(
            f"Change {change.reference} is {change.get_status_display().lower()}: only a submitted change is "
            "taken into review",
            field="status",
        )
    changes = steps.move(change, ChangeStatus.UNDER_REVIEW)
    _save(change, ["status"], now)
    steps.journal(actor, change, "review_start", changes=changes)
    return change


@action
def cancel_change(
    *, actor: Actor, change: ChangeNotification, reason: str, now: dt.datetime | None = None
) -> ChangeNotification:
    """The provider withdraws the change (a published outage's subscribers are told)."""
    now = now or timezone.now()
    change = steps.lock(change)
    refuse(permissions.can_cancel(scope_of(actor), change))
    reason = steps.clean_text(reason, field="reason", limit=2_000, what="The reason", required=True)
    was_published = change.is_published
    changes = steps.move(change, ChangeStatus.CANCELLED)
    change.outcome_note = reason
    _save(change, ["status", "outcome_note"], now)
    steps.journal(actor, change, "cancel", changes=changes, note=reason)
    if was_published:
        _announce(BulletinKind.CANCELLED, change, now=now, note=reason)
    return change


# Implementation ------------------------------------------------------------------------------------------


@action
def start_change(
    *,
    actor: Actor,
    change: ChangeNotification,
    now: dt.datetime | None = None,
    actual_start: dt.datetime | None = None,
) -> ChangeNotification:
    """The provider starts the accepted change (when, if not now)."""
    now = now or timezone.now()
    change = steps.lock(change)
    refuse(permissions.can_implement(scope_of(actor), change))
    changes = steps.move(change, ChangeStatus.IN_PROGRESS)
    start = _actual(actual_start, now=now, field="actual_start")
    changes["actual_start"] = [change.actual_start, start]
    change.actual_start = start
    _save(change, ["status", "actual_start"], now)
    steps.journal(actor, change, "start", changes=changes)
    _announce(BulletinKind.STARTED, change, now=now)
    return change


def _finish(
    actor: Actor,
    change: ChangeNotification,
    target: str,
    *,
    what: str,
    kind: str,
    note: str,
    note_required: bool,
    now: dt.datetime | None,
    actual_end: dt.datetime | None,
) -> ChangeNotification:
    now = now or timezone.now()
    change = steps.lock(change)
    refuse(permissions.can_implement(scope_of(actor), change))
    note = steps.clean_text(note, field="note", what="The note", required=note_required)
    changes = steps.move(change, target)
    end = _actual(actual_end, now=now, field="actual_end", after=change.actual_start or change.planned_start)
    changes["actual_end"] = [change.actual_end, end]
    change.actual_end = end
    change.outcome_note = note
    _save(change, ["status", "actual_end", "outcome_note"], now)
    steps.journal(actor, change, what, changes=changes, note=note)
    _announce(kind, change, now=now, note=note)
    return change


@action
def complete_change(
    *,
    actor: Actor,
    change: ChangeNotification,
    now: dt.datetime | None = None,
    actual_end: dt.datetime | None = None,
    note: str = "",
) -> ChangeNotification:
    """The work is done (when, if not now)."""
    return _finish(
        actor,
        change,
        ChangeStatus.COMPLETED,
        what="complete",
        kind=BulletinKind.COMPLETED,
        note=note,
        note_required=False,
        now=now,
        actual_end=actual_end,
    )


@action
def fail_change(
    *,
    actor: Actor,
    change: ChangeNotification,
    note: str,
    now: dt.datetime | None = None,
    actual_end: dt.datetime | None = None,
) -> ChangeNotification:
    """The change failed (what happened is required)."""
    return _finish(
        actor,
        change,
        ChangeStatus.FAILED,
        what="fail",
        kind=BulletinKind.FAILED,
        note=note,
        note_required=True,
        now=now,
        actual_end=actual_end,
    )


@action
def back_out_change(
    *,
    actor: Actor,
    change: ChangeNotification,
    note: str,
    now: dt.datetime | None = None,
    actual_end: dt.datetime | None = None,
) -> ChangeNotification:
    """The change was backed out to where it started (why is required)."""
    return _finish(
        actor,
        change,
        ChangeStatus.BACKED_OUT,
        what="back_out",
        kind=BulletinKind.FAILED,
        note=note,
        note_required=True,
        now=now,
        actual_end=actual_end,
    )


# After the implementation --------------------------------------------------------------------------------

_IMPLEMENTED = frozenset({ChangeStatus.COMPLETED, ChangeStatus.FAILED, ChangeStatus.BACKED_OUT})


@action
def record_pir(
    *,
    actor: Actor,
    change: ChangeNotification,
    summary: str,
    successful: bool,
    lessons: str = "",
    now: dt.datetime | None = None,
) -> ChangeNotification:
    """The post-implementation review of a major change (required before it is reviewed)."""
    now = now or timezone.now()
    change = steps.lock(change)
    refuse(permissions.can_review(scope_of(actor), change))
    if not change.is_major:
        raise Conflict("Only major changes have a post-implementation review", field="change_type")
    if change.status not in _IMPLEMENTED:
        raise Conflict(
            f"Change {change.reference} is {change.get_status_display().lower()}: the review follows the "
            "implementation",
            field="status",
        )
    if not isinstance(successful, bool):
        raise ActionError("Say whether the change succeeded", field="successful")
    summary = steps.clean_text(summary, field="summary", what="The summary", required=True)
    lessons = steps.clean_text(lessons, field="lessons")
    changes = {
        "pir_successful": [change.pir_successful, successful],
        "pir_completed_at": [change.pir_completed_at, now],
    }
    change.pir_summary, change.pir_successful, change.pir_lessons = summary, successful, lessons
    change.pir_completed_at, change.pir_by = now, actor.user
    _save(change, ["pir_summary", "pir_successful", "pir_lessons", "pir_completed_at", "pir_by"], now)
    steps.journal(actor, change, "pir", changes=changes, note=summary)
    return change


@action
def mark_reviewed(
    *, actor: Actor, change: ChangeNotification, note: str = "", now: dt.datetime | None = None
) -> ChangeNotification:
    """Close an implemented change as reviewed: a major change needs its post-implementation review, an
    emergency change its retrospective CCG review."""
    now = now or timezone.now()
    change = steps.lock(change)
    refuse(permissions.can_review(scope_of(actor), change))
    note = steps.clean_text(note, field="note", limit=2_000)
    changes = steps.move(change, ChangeStatus.REVIEWED)
    if change.is_major and change.pir_completed_at is None:
        raise Conflict("Record the post-implementation review first", field="pir")
    if change.retrospective_review_due and change.retrospective_reviewed_at is None:
        raise Conflict(
            "The CCG must review this emergency change retrospectively first", field="retrospective"
        )
    _save(change, ["status"], now)
    steps.journal(actor, change, "review", changes=changes, note=note)
    return change


@action
def add_update(
    *,
    actor: Actor,
    change: ChangeNotification,
    body: str,
    internal: bool = False,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    now: dt.datetime | None = None,
) -> Entry:
    """A public update or internal note on the change's conversation, with files (name, type, bytes)."""
    now = now or timezone.now()
    change = steps.lock(change)
    refuse(permissions.can_update(scope_of(actor), change))
    internal = bool(internal)
    entry = record_steps.add_entry(
        change.record, actor=actor, body=str(body or ""), internal=internal, now=now
    )
    changes: dict = {"update": [None, "internal note" if internal else "public update"]}
    if attachments:
        record_steps.add_attachments(change.record, entry, list(attachments), actor=actor, internal=internal)
        changes["attachments"] = [None, len(attachments)]
    _save(change, [], now)
    steps.journal(actor, change, "note" if internal else "update", changes=changes)
    if not internal:
        _tell_watchers(actor, change, "new update")
    return entry


@action
def check_overruns(*, actor: Actor | None = None, now: dt.datetime | None = None) -> int:
    """Busbar's scan: each change in progress past its planned end is marked overrunning once (journalled;
    an outage's subscribers get the "overrun" bulletin). Returns how many. Refused (409) when none is due,
    so a scan that finds nothing writes nothing (``tasks.check_overruns`` looks first)."""
    actor = actor or Actor.system()
    now = now or timezone.now()
    refuse(permissions.can_decide(scope_of(actor)))
    due = list(
        ChangeNotification.objects.select_for_update(of=("self",))
        .select_related("record", "provider")
        .filter(status=ChangeStatus.IN_PROGRESS, planned_end__lt=now, overrun_notified_at__isnull=True)
        .order_by("pk")
    )
    if not due:
        raise Conflict("No change in progress has overrun its planned end unannounced")
    for change in due:
        change.overrun_notified_at = now
        _save(change, ["overrun_notified_at"], now)
        late = now - change.planned_end
        minutes = int(late.total_seconds() // 60)
        steps.journal(
            actor,
            change,
            "overrun",
            changes={"overrun_notified_at": [None, now]},
            note=f"Still in progress {minutes} minutes after its planned end",
        )
        _announce(BulletinKind.OVERRUN, change, now=now)
    return len(due)
