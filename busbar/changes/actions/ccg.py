"""The Change Co-ordination Group (CH-01, CH-03): its decisions on each Change Notification (accept, accept
with conditions, reschedule, reject, more information; the retrospective review of an emergency change),
its members (the operator's chair and one empowered representative per provider) and its meetings, whose
agenda is generated from what is due (``busbar.changes.agenda``) and whose minutes are recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from busbar.audit.journal import record
from busbar.changes import agenda, permissions, steps
from busbar.changes.models import (
    CcgAgendaItem,
    CcgDecision,
    CcgMeeting,
    CcgMeetingStatus,
    CcgMember,
    CcgOutcome,
    CcgRole,
    ChangeNotification,
    ChangeStatus,
)
from busbar.lib.actions import ActionError, Actor, Conflict, IllegalTransition, action, refuse
from busbar.lib.limits import EARLIEST, LATEST
from busbar.parties.models import Membership, Organisation
from busbar.parties.queries import scope_of
from busbar.records.inbox import deliver
from busbar.records.models import Notification

__all__ = [
    "decide",
    "retrospective_review",
    "add_ccg_member",
    "remove_ccg_member",
    "schedule_meeting",
    "refresh_agenda",
    "record_minutes",
    "cancel_meeting",
]

LONDON = ZoneInfo("Europe/London")
#: The outcomes :func:`decide` records (the retrospective review has its own action).
DECISIONS = (
    CcgOutcome.ACCEPT,
    CcgOutcome.ACCEPT_WITH_CONDITIONS,
    CcgOutcome.RESCHEDULE,
    CcgOutcome.REJECT,
    CcgOutcome.MORE_INFO,
)
#: Where a reschedule may start from (it ends accepted).
RESCHEDULABLE = frozenset({ChangeStatus.SUBMITTED, ChangeStatus.UNDER_REVIEW, ChangeStatus.ACCEPTED})
#: The journal's name for each outcome (``change.<what>``).
_JOURNAL = {
    CcgOutcome.ACCEPT: "accept",
    CcgOutcome.ACCEPT_WITH_CONDITIONS: "accept",
    CcgOutcome.RESCHEDULE: "reschedule",
    CcgOutcome.REJECT: "reject",
    CcgOutcome.MORE_INFO: "more_info",
}
#: The inbox kind of a decision told to the provider (the inbox's own kinds; "change.decision" is the
#: matching email preference registered in registrations.py).
DECISION_NOTICE = Notification.Kind.BULLETIN
LOCATION_MAX = 200
#: A meeting is arranged at most this far ahead.
MEETING_HORIZON = dt.timedelta(days=366)
MAX_ATTENDEES = 100


def _when(value: dt.datetime) -> str:
    return value.astimezone(LONDON).strftime("%a %d %b %Y %H:%M")


def _change_url(change: ChangeNotification, anchor: str = "") -> str:
    return reverse("change_detail", kwargs={"reference": change.reference}) + anchor


def _people_of(organisation_id: int, actor: Actor) -> list:
    """The active people of an organisation, but not whoever acts."""
    members = Membership.objects.filter(
        organisation_id=organisation_id, is_active=True, organisation__is_active=True
    ).values("user_id")
    people = get_user_model().objects.filter(is_active=True, pk__in=members).order_by("pk")
    if actor.user is not None:
        people = people.exclude(pk=actor.user.pk)
    return list(people)


def _tell_provider(actor: Actor, change: ChangeNotification, title: str) -> None:
    deliver(
        recipients=_people_of(change.provider_id, actor),
        kind=DECISION_NOTICE,
        record=change,
        title=title,
        url=_change_url(change, "#decisions"),
    )


def _bulletin(change: ChangeNotification, kind: str, *, previous: tuple | None, now: dt.datetime) -> None:
    """A "planned" or "rescheduled" bulletin to the subscribers of the change's services (the wording is
    the bulletins module's, as for every other bulletin about a change)."""
    from busbar.changes import bulletins

    bulletins.announce(kind, change, now=now, previous=previous if kind == "rescheduled" else None)


def _check_meeting(meeting: CcgMeeting | None) -> CcgMeeting | None:
    if meeting is None:
        return None
    meeting = CcgMeeting.objects.get(pk=meeting.pk)
    if meeting.status == CcgMeetingStatus.CANCELLED:
        raise Conflict(f"{meeting} was cancelled", field="meeting")
    return meeting


def _on_agenda(meeting: CcgMeeting | None, change: ChangeNotification, purpose: str) -> None:
    """A change decided at a meeting is on its agenda (added at the end when it was not)."""
    if meeting is None or CcgAgendaItem.objects.filter(meeting=meeting, change=change).exists():
        return
    last = CcgAgendaItem.objects.filter(meeting=meeting).aggregate(top=Max("order"))["top"] or 0
    CcgAgendaItem.objects.create(meeting=meeting, change=change, order=last + 1, purpose=purpose)


def _reassess(change: ChangeNotification, now: dt.datetime) -> dict:
    """The notice again, for the change's new window (counted from when it was submitted)."""
    from busbar.changes import notice

    before = (change.notice_required, change.notice_given, change.is_late)
    found = notice.assess(change, at=change.submitted_at or now)
    change.notice_rule = found.rule
    change.notice_required = found.required
    change.notice_given = found.given
    change.is_late = found.is_late
    after = (change.notice_required, change.notice_given, change.is_late)
    names = ("notice_required", "notice_given", "is_late")
    return {n: [b, a] for n, b, a in zip(names, before, after, strict=True) if b != a}


@action
def decide(
    *,
    actor: Actor,
    change: ChangeNotification,
    outcome: str,
    reason: str,
    conditions: str = "",
    new_start: dt.datetime | None = None,
    new_end: dt.datetime | None = None,
    late_exception: bool = False,
    meeting: CcgMeeting | None = None,
    now: dt.datetime | None = None,
) -> CcgDecision:
    """The CCG's decision on ``change``, with its reason: accept (or with conditions), reschedule to
    ``new_start``–``new_end`` (it ends accepted, its notice and conflicts checked again), reject, or send
    back for more information. A late notification is accepted only as an exception
    (``late_exception``). Outage changes accepted or moved are announced to the services' subscribers;
    the provider's people are told in their inbox."""
    refuse(permissions.can_decide(scope_of(actor), change))
    now = now or timezone.now()
    if outcome not in DECISIONS:
        raise ActionError(f"Choose one of {', '.join(DECISIONS)}", field="outcome")
    reason = steps.clean_text(reason, field="reason", what="The reason", required=True)
    conditions = steps.clean_text(conditions, field="conditions", what="The conditions")
    if outcome == CcgOutcome.ACCEPT_WITH_CONDITIONS and not conditions:
        raise ActionError("Say what the conditions are", field="conditions")
    if outcome != CcgOutcome.ACCEPT_WITH_CONDITIONS and conditions:
        raise ActionError("Only an acceptance with conditions has conditions", field="conditions")
    rescheduling = outcome == CcgOutcome.RESCHEDULE
    if rescheduling:
        steps.check_window(new_start, new_end, start_field="new_start", end_field="new_end")
        if new_start <= now:
            raise ActionError("The new start must be in the future", field="new_start")
    elif new_start is not None or new_end is not None:
        raise ActionError("Only a reschedule gives new dates", field="new_start")
    meeting = _check_meeting(meeting)
    change = steps.lock(change)
    was_published = change.is_published
    purpose = agenda.purpose_of(change)
    changes: dict = {}
    previous = None
    if rescheduling:
        if change.status not in RESCHEDULABLE:
            raise IllegalTransition(
                f"Change {change.reference} is {change.get_status_display().lower()}; only a change "
                "awaiting review or accepted can be rescheduled",
                field="status",
            )
        if (new_start, new_end) == (change.planned_start, change.planned_end):
            raise ActionError("The new window is the one already planned", field="new_start")
        previous = (change.planned_start, change.planned_end)
        change.planned_start, change.planned_end = new_start, new_end
        changes["planned_start"] = [previous[0], new_start]
        changes["planned_end"] = [previous[1], new_end]
        changes.update(_reassess(change, now))
    target = {
        CcgOutcome.REJECT: ChangeStatus.REJECTED,
        CcgOutcome.MORE_INFO: ChangeStatus.MORE_INFO,
    }.get(outcome, ChangeStatus.ACCEPTED)
    if not (rescheduling and change.status == ChangeStatus.ACCEPTED):  # a reschedule keeps it accepted
        changes.update(steps.move(change, target))
    accepting = outcome in (CcgOutcome.ACCEPT, CcgOutcome.ACCEPT_WITH_CONDITIONS) or rescheduling
    if accepting and change.is_late and not change.is_emergency and not late_exception:
        raise ActionError(
            f"{change.reference} was notified late ({change.notice_given} of {change.notice_required} "
            "working days' notice); accept it only as an exception to the notice rule, saying why",
            field="late_exception",
        )
    exception = bool(accepting and change.is_late and late_exception)
    if exception and not change.late_exception:
        change.late_exception = True
        changes["late_exception"] = [False, True]
    elif rescheduling and not change.is_late and change.late_exception:
        change.late_exception = False  # moved far enough ahead: no longer an exception
        changes["late_exception"] = [True, False]
    change.updated_at = now
    change.save()
    if rescheduling:
        steps.sync_services(change)
        from busbar.changes import conflicts

        conflicts.refresh(change, now=now)
    decision = CcgDecision.objects.create(
        change=change,
        meeting=meeting,
        outcome=outcome,
        reason=reason,
        conditions=conditions,
        previous_start=previous[0] if previous else None,
        previous_end=previous[1] if previous else None,
        new_start=new_start if rescheduling else None,
        new_end=new_end if rescheduling else None,
        late_exception=exception,
        decided_by=actor.user,
        decided_at=now,
    )
    _on_agenda(meeting, change, purpose)
    if conditions:
        changes["conditions"] = [None, conditions]
    steps.journal(actor, change, _JOURNAL[outcome], changes=changes, note=reason)
    if accepting and change.is_outage:
        kind = "rescheduled" if rescheduling and was_published else "planned"
        _bulletin(change, kind, previous=previous, now=now)
    label = CcgOutcome(outcome).label.lower()
    _tell_provider(actor, change, f"CCG decision on {change.reference} ({label}): {change.title}")
    return decision


@action
def retrospective_review(
    *,
    actor: Actor,
    change: ChangeNotification,
    reason: str,
    meeting: CcgMeeting | None = None,
    now: dt.datetime | None = None,
) -> CcgDecision:
    """The CCG's review, after the event, of an emergency change that skipped the notice rule."""
    refuse(permissions.can_decide(scope_of(actor), change))
    now = now or timezone.now()
    reason = steps.clean_text(reason, field="reason", what="The review", required=True)
    meeting = _check_meeting(meeting)
    change = steps.lock(change)
    if not change.is_emergency:
        raise Conflict("Only emergency changes have a retrospective review", field="retrospective")
    if not change.retrospective_review_due:
        raise Conflict(f"{change.reference} has no retrospective review due", field="retrospective")
    _on_agenda(meeting, change, agenda.RETROSPECTIVE)
    change.retrospective_review_due = False
    change.retrospective_reviewed_at = now
    change.updated_at = now
    change.save(update_fields=["retrospective_review_due", "retrospective_reviewed_at", "updated_at"])
    decision = CcgDecision.objects.create(
        change=change,
        meeting=meeting,
        outcome=CcgOutcome.RETROSPECTIVE,
        reason=reason,
        decided_by=actor.user,
        decided_at=now,
    )
    steps.journal(
        actor,
        change,
        "retrospective",
        changes={"retrospective_reviewed_at": [None, now]},
        note=reason,
    )
    _tell_provider(actor, change, f"CCG retrospective review of {change.reference}: {change.title}")
    return decision


# Members -------------------------------------------------------------------------------------------------


@action
def add_ccg_member(
    *, actor: Actor, organisation: Organisation, user, role: str = CcgRole.REPRESENTATIVE
) -> CcgMember:
    """``user`` sits on the CCG for ``organisation`` (of which they are an active member); one empowered
    representative per organisation."""
    refuse(permissions.can_manage_ccg(scope_of(actor)))
    if role not in CcgRole.values:
        raise ActionError(f"Choose one of {', '.join(CcgRole.values)}", field="role")
    if organisation is None or not organisation.is_active:
        raise ActionError("Choose an active organisation", field="organisation")
    if user is None or not user.is_active:
        raise ActionError("Choose an active user", field="user")
    if not Membership.objects.filter(user=user, organisation=organisation, is_active=True).exists():
        raise ActionError(f"{user} is not a member of {organisation}", field="user")
    member = CcgMember.objects.select_for_update().filter(organisation=organisation, user=user).first()
    if member is not None and member.is_active:
        raise Conflict(f"{user} is already on the CCG for {organisation}", field="user")
    if role == CcgRole.REPRESENTATIVE:
        current = (
            CcgMember.objects.filter(organisation=organisation, role=CcgRole.REPRESENTATIVE, is_active=True)
            .select_related("user")
            .first()
        )
        if current is not None:
            raise Conflict(
                f"{current.user} is already {organisation}'s empowered representative; remove them first "
                "or add this person as a deputy",
                field="role",
            )
    if member is None:
        member = CcgMember(organisation=organisation, user=user)
        before = None
    else:
        before = member.role
    member.role = role
    member.is_active = True
    member.joined_at = timezone.now()
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise Conflict(f"{organisation} already has an empowered representative", field="role") from None
    record(
        actor=actor,
        action="ccg_member.add",
        obj=member,
        owner=organisation,
        changes={"role": [before, role], "is_active": [False, True]},
        note=str(user),
    )
    return member


@action
def remove_ccg_member(*, actor: Actor, member: CcgMember) -> CcgMember:
    """``member`` leaves the CCG (the row stays, inactive, for the record)."""
    refuse(permissions.can_manage_ccg(scope_of(actor)))
    member = CcgMember.objects.select_for_update().select_related("organisation", "user").get(pk=member.pk)
    if not member.is_active:
        raise Conflict(f"{member.user} has already left the CCG", field="member")
    member.is_active = False
    member.save(update_fields=["is_active"])
    record(
        actor=actor,
        action="ccg_member.remove",
        obj=member,
        owner=member.organisation,
        changes={"is_active": [True, False]},
        note=str(member.user),
    )
    return member


# Meetings ------------------------------------------------------------------------------------------------


def _lock_meeting(meeting: CcgMeeting) -> CcgMeeting:
    return CcgMeeting.objects.select_for_update().get(pk=meeting.pk)


@action
def schedule_meeting(
    *, actor: Actor, held_at: dt.datetime, location: str = "", now: dt.datetime | None = None
) -> CcgMeeting:
    """A CCG meeting (numbered on from the last), its agenda generated from what is due for review."""
    refuse(permissions.can_manage_ccg(scope_of(actor)))
    now = now or timezone.now()
    if not isinstance(held_at, dt.datetime):
        raise ActionError("Give the meeting's date and time", field="held_at")
    if held_at.tzinfo is None:
        raise ActionError("Give the time with its time zone", field="held_at")
    if not (EARLIEST <= held_at <= LATEST):
        raise ActionError("That time is out of range", field="held_at")
    if held_at > now + MEETING_HORIZON:
        raise ActionError("A meeting can be arranged at most a year ahead", field="held_at")
    location = steps.clean_text(location, field="location", limit=LOCATION_MAX, what="The location")
    # Numbers are handed out one at a time: the lock on the highest meeting holds the next one.
    list(CcgMeeting.objects.select_for_update().order_by("-number").values_list("pk", flat=True)[:1])
    try:
        with transaction.atomic():
            meeting = CcgMeeting.objects.create(
                number=agenda.next_number(), held_at=held_at, location=location, created_at=now
            )
    except IntegrityError:
        raise Conflict(
            "Another meeting was arranged at the same moment; try again", field="held_at"
        ) from None
    items = agenda.build(meeting)
    record(
        actor=actor,
        action="ccg_meeting.schedule",
        obj=meeting,
        owner=actor.organisation,
        changes={"held_at": [None, held_at], "location": [None, location]},
        note=f"{len(items)} items on the agenda",
    )
    return meeting


@action
def refresh_agenda(*, actor: Actor, meeting: CcgMeeting) -> CcgMeeting:
    """Generate a planned meeting's agenda again from what is due now (changes already decided at it
    stay on it)."""
    refuse(permissions.can_manage_ccg(scope_of(actor)))
    meeting = _lock_meeting(meeting)
    if meeting.status != CcgMeetingStatus.PLANNED:
        raise Conflict(f"{meeting} is {meeting.get_status_display().lower()}", field="status")
    before = meeting.agenda.count()
    items = agenda.build(meeting)
    record(
        actor=actor,
        action="ccg_meeting.agenda",
        obj=meeting,
        owner=actor.organisation,
        changes={"agenda": [before, len(items)]},
    )
    return meeting


@action
def record_minutes(
    *,
    actor: Actor,
    meeting: CcgMeeting,
    minutes: str,
    attendees: Iterable = (),
    now: dt.datetime | None = None,
) -> CcgMeeting:
    """The minutes of a meeting that has taken place (and who attended); the meeting is then held.
    Recording them again replaces them."""
    refuse(permissions.can_manage_ccg(scope_of(actor)))
    now = now or timezone.now()
    minutes = steps.clean_text(minutes, field="minutes", what="The minutes", required=True)
    people = list(dict.fromkeys(attendees or ()))
    if len(people) > MAX_ATTENDEES:
        raise ActionError(f"Name at most {MAX_ATTENDEES} attendees", field="attendees")
    User = get_user_model()
    for person in people:
        if not isinstance(person, User) or not person.is_active:
            raise ActionError(f"{person} is not an active user", field="attendees")
    meeting = _lock_meeting(meeting)
    if meeting.status == CcgMeetingStatus.CANCELLED:
        raise Conflict(f"{meeting} was cancelled", field="status")
    if meeting.held_at > now:
        raise Conflict(
            f"{meeting} is on {_when(meeting.held_at)}; record its minutes once it has been held",
            field="minutes",
        )
    before = (meeting.status, meeting.minutes)
    meeting.minutes = minutes
    meeting.status = CcgMeetingStatus.HELD
    meeting.save(update_fields=["minutes", "status"])
    meeting.attendees.set(people)
    record(
        actor=actor,
        action="ccg_meeting.minutes",
        obj=meeting,
        owner=actor.organisation,
        changes={
            "status": [before[0], meeting.status],
            "minutes": [before[1][:200] or None, minutes[:200]],
            "attendees": [None, len(people)],
        },
    )
    return meeting


@action
def cancel_meeting(*, actor: Actor, meeting: CcgMeeting) -> CcgMeeting:
    """Call off a planned meeting (its agenda is kept; what was due goes to the next one)."""
    refuse(permissions.can_manage_ccg(scope_of(actor)))
    meeting = _lock_meeting(meeting)
    if meeting.status != CcgMeetingStatus.PLANNED:
        raise Conflict(f"{meeting} is {meeting.get_status_display().lower()}", field="status")
    meeting.status = CcgMeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    record(
        actor=actor,
        action="ccg_meeting.cancel",
        obj=meeting,
        owner=actor.organisation,
        changes={"status": [CcgMeetingStatus.PLANNED, CcgMeetingStatus.CANCELLED]},
    )
    return meeting
