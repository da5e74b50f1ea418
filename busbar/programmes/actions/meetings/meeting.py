"""Meetings numbered per group (an extraordinary one takes the next number, GV-29), their agendas (GV-46),
minutes, holding them, approving minutes at a later meeting (GV-47) and working-group reports (GV-49)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Max

from busbar.lib.actions import (
    ActionError,
    Actor,
    Conflict,
    action,
    check_transition,
    refuse,
)
from busbar.lib.limits import check_text, text_max
from busbar.programmes import permissions
from busbar.programmes.actions.common import check_date, clean_text, journal
from busbar.programmes.actions.meetings._shared import (
    MAX_AGENDA_ITEMS,
    MAX_MEETING_NUMBER,
    MINUTES_MAX,
    _duration,
    _lock_meeting,
    _now,
    _short,
    _standing_rows,
    _still_open,
    _time,
)
from busbar.programmes.models import (
    MEETING_TRANSITIONS,
    Action,
    AgendaItem,
    AgendaType,
    GovernanceSettings,
    Group,
    Meeting,
    MeetingStatus,
    WorkingGroupReport,
)
from busbar.testing.access import access_of


@action
def schedule_meeting(
    *,
    actor: Actor,
    group: Group,
    date: dt.date,
    extraordinary: bool = False,
    start_time: dt.time | None = None,
    location: str = "",
    document_ref: str = "",
    version: str = "1.0",
    classification: str | None = None,
    number: int | None = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """The group's next meeting: the next number, extraordinary or not (GV-29: TMAG #19 was the
    extraordinary TMAG of 31 May 2023). ``number`` backfills an earlier meeting not yet recorded. The
    group's standing items start the agenda (GV-48)."""
    group = Group.objects.select_for_update().select_related("programme").get(pk=group.pk)
    refuse(permissions.can_run_meeting(access_of(actor), group.programme_id))
    if not group.is_active:
        raise ActionError(f"{group.code} is no longer active", field="group")
    date = check_date(date, field="date", required=True)
    start_time = _time(start_time, field="start_time")
    location = _short(location, field="location", limit=200, what="The location")
    document_ref = _short(document_ref, field="document_ref", limit=40, what="The document reference")
    version = _short(version, field="version", limit=20, what="The version") or "1.0"
    if classification is None:
        classification = (
            GovernanceSettings.objects.filter(programme_id=group.programme_id)
            .values_list("classification", flat=True)
            .first()
            or "Public"
        )
    classification = _short(classification, field="classification", limit=40, what="The classification")
    last = Meeting.objects.filter(group=group).aggregate(n=Max("number"))["n"] or 0
    if number is None:
        number = last + 1
    else:
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_MEETING_NUMBER:
            raise ActionError(f"A meeting's number is 1 to {MAX_MEETING_NUMBER}", field="number")
        if Meeting.objects.filter(group=group, number=number).exists():
            raise Conflict(f"{group.code} already has a meeting #{number}", field="number")
    if number > MAX_MEETING_NUMBER:
        raise ActionError(f"{group.code} has reached meeting #{MAX_MEETING_NUMBER}", field="number")
    meeting = Meeting.objects.create(
        group=group,
        number=number,
        extraordinary=bool(extraordinary),
        date=date,
        start_time=start_time,
        location=location,
        document_ref=document_ref,
        version=version,
        classification=classification or "Public",
        created_at=_now(now),
    )
    standing = _standing_rows(group.standing_items, strict=False)
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(
                meeting=meeting,
                position=position,
                title=s.title,
                objective=s.objective,
                type=s.type,
                lead=s.lead,
                duration_minutes=s.duration_minutes,
                standing=True,
            )
            for position, s in enumerate(standing, start=1)
        ]
    )
    journal(
        actor,
        meeting,
        "meeting.schedule",
        changes={
            "number": [None, number],
            "date": [None, date],
            "extraordinary": [None, bool(extraordinary)],
            **({"standing_items": [None, len(standing)]} if standing else {}),
        },
    )
    return meeting


MEETING_FIELDS = (
    "date",
    "start_time",
    "location",
    "document_ref",
    "version",
    "classification",
    "extraordinary",
)


@action
def update_meeting(
    *, actor: Actor, meeting: Meeting, now: dt.datetime | None = None, **fields: Any
) -> Meeting:
    """The meeting's cover facts (GV-45): date, start time, location, document reference, version,
    classification, whether extraordinary. Its number never changes."""
    meeting = _lock_meeting(meeting)
    refuse(permissions.can_run_meeting(access_of(actor), meeting.group.programme_id))
    _still_open(meeting)
    unknown = sorted(set(fields) - set(MEETING_FIELDS))
    if unknown:
        if "number" in unknown:
            raise ActionError("A meeting's number does not change: its actions carry it", field="number")
        raise ActionError(f"Unknown field {unknown[0]!r}", field=unknown[0])
    changes: dict[str, list] = {}
    for name, value in fields.items():
        if name == "date":
            value = check_date(value, field="date", required=True)
        elif name == "start_time":
            value = _time(value, field="start_time")
        elif name == "location":
            value = _short(value, field="location", limit=200, what="The location")
        elif name == "document_ref":
            value = _short(value, field="document_ref", limit=40, what="The document reference")
        elif name == "version":
            value = _short(value, field="version", limit=20, what="The version") or "1.0"
        elif name == "classification":
            value = _short(value, field="classification", limit=40, what="The classification") or "Public"
        elif name == "extraordinary":
            value = bool(value)
        old = getattr(meeting, name)
        if old != value:
            changes[name] = [old, value]
            setattr(meeting, name, value)
    if not changes:
        raise ActionError("Nothing to change", field="date")
    meeting.save(update_fields=list(changes))
    if "date" in changes:
        # The Date column of the meeting's actions is the meeting's date (GV-28).
        Action.objects.filter(meeting=meeting, raised_on=changes["date"][0]).update(raised_on=meeting.date)
    journal(actor, meeting, "meeting.update", changes=changes)
    return meeting


@action
def cancel_meeting(
    *, actor: Actor, meeting: Meeting, reason: str = "", now: dt.datetime | None = None
) -> Meeting:
    """A planned meeting that will not take place (its number is not reused)."""
    meeting = _lock_meeting(meeting)
    refuse(permissions.can_run_meeting(access_of(actor), meeting.group.programme_id))
    reason = clean_text(reason, field="reason", limit=500, what="The reason", required=False)
    check_transition(MEETING_TRANSITIONS, meeting.status, MeetingStatus.CANCELLED, what=str(meeting))
    if meeting.actions_raised.exists():
        raise Conflict(f"Actions were raised at {meeting}: it cannot be cancelled", field="status")
    old = meeting.status
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    journal(actor, meeting, "meeting.cancel", changes={"status": [old, meeting.status]}, note=reason)
    return meeting


#: Positions no agenda row holds: where rows wait while the agenda is renumbered (a new row is made at
#: :data:`_NEW`), so that no two rows share a position at any moment (unique rows are checked row by row).
_PARKED = 20_000
_NEW = 32_000


def _renumber(meeting: Meeting, ordered: list[AgendaItem]) -> None:
    """Give ``ordered`` the positions 1…n (two passes: positions are unique within the meeting)."""
    for index, item in enumerate(ordered, start=1):
        item.position = _PARKED + index
    AgendaItem.objects.bulk_update(ordered, ["position"])
    for index, item in enumerate(ordered, start=1):
        item.position = index
    AgendaItem.objects.bulk_update(ordered, ["position"])


def _agenda_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "title":
            clean[name] = clean_text(value, field="title", limit=200, what="The item")
        elif name == "objective":
            clean[name] = _short(value, field="objective", limit=500, what="The objective")
        elif name == "type":
            if value not in AgendaType.values:
                raise ActionError(f"An item's type is {', '.join(AgendaType.labels)}", field="type")
            clean[name] = value
        elif name == "lead":
            clean[name] = _short(value, field="lead", limit=200, what="The lead")
        elif name == "start_time":
            clean[name] = _time(value, field="start_time")
        elif name == "duration_minutes":
            clean[name] = _duration(value)
        elif name == "standing":
            clean[name] = bool(value)
        elif name == "notes":
            text = "" if value is None else str(value).strip()
            check_text(text, field="notes")
            clean[name] = text
        else:
            raise ActionError(f"Unknown field {name!r}", field=name)
    return clean


@action
def add_agenda_item(
    *,
    actor: Actor,
    meeting: Meeting,
    title: str,
    objective: str = "",
    type: str = AgendaType.INFORMATION,
    lead: str = "",
    start_time: dt.time | None = None,
    duration_minutes: int = 0,
    standing: bool = False,
    position: int | None = None,
) -> AgendaItem:
    """A row of the agenda (GV-46): item, objective, type (decision, information, discussion), lead, time
    slot and duration (0: taken as read). Added last, or at ``position`` (the rows below move down)."""
    meeting = _lock_meeting(meeting)
    refuse(permissions.can_run_meeting(access_of(actor), meeting.group.programme_id))
    _still_open(meeting)
    values = _agenda_fields(
        {
            "title": title,
            "objective": objective,
            "type": type,
            "lead": lead,
            "start_time": start_time,
            "duration_minutes": duration_minutes,
            "standing": standing,
        }
    )
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position"))
    if len(items) >= MAX_AGENDA_ITEMS:
        raise ActionError(f"An agenda has at most {MAX_AGENDA_ITEMS} items", field="title")
    if position is not None and (isinstance(position, bool) or not 1 <= int(position) <= len(items) + 1):
        raise ActionError(f"The position is 1 to {len(items) + 1}", field="position")
    item = AgendaItem.objects.create(meeting=meeting, position=_NEW, **values)
    at = len(items) if position is None else int(position) - 1
    _renumber(meeting, [*items[:at], item, *items[at:]])
    journal(
        actor,
        meeting,
        "agenda.add",
        changes={"item": [None, f"{item.position}. {item.title}"], "type": [None, item.type]},
    )
    return item


@action
def update_agenda_item(
    *, actor: Actor, item: AgendaItem, now: dt.datetime | None = None, **fields: Any
) -> AgendaItem:
    """Change an agenda row (``position`` moves it; the others close up)."""
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    meeting = _lock_meeting(item.meeting)
    refuse(permissions.can_run_meeting(access_of(actor), meeting.group.programme_id))
    _still_open(meeting)
    position = fields.pop("position", None)
    values = _agenda_fields(fields)
    changes: dict[str, list] = {}
    for name, value in values.items():
        old = getattr(item, name)
        if old != value:
            changes[name] = [old, value]
            setattr(item, name, value)
    if changes:
        item.save(update_fields=list(changes))
    if position is not None:
        items = [
            i for i in AgendaItem.objects.filter(meeting=meeting).order_by("position") if i.pk != item.pk
        ]
        if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= len(items) + 1:
            raise ActionError(f"The position is 1 to {len(items) + 1}", field="position")
        if position != item.position:
            changes["position"] = [item.position, position]
            _renumber(meeting, [*items[: position - 1], item, *items[position - 1 :]])
    if not changes:
        raise ActionError("Nothing to change", field="title")
    journal(actor, meeting, "agenda.update", changes={"item": [None, item.title], **changes})
    return item


@action
def remove_agenda_item(*, actor: Actor, item: AgendaItem) -> AgendaItem:
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    meeting = _lock_meeting(item.meeting)
    refuse(permissions.can_run_meeting(access_of(actor), meeting.group.programme_id))
    _still_open(meeting)
    journal(actor, meeting, "agenda.remove", changes={"item": [f"{item.position}. {item.title}", None]})
    item.delete()
    _renumber(meeting, list(AgendaItem.objects.filter(meeting=meeting).order_by("position")))
    return item


@action
def record_minutes(
    *,
    actor: Actor,
    meeting: Meeting,
    minutes: str,
    item_notes: Mapping[int, str] | None = None,
    now: dt.datetime | None = None,
) -> Meeting:
    """The meeting's minutes (Markdown) and the notes of its agenda items (``item_notes``: position →
    Markdown). Until the minutes are approved at a later meeting."""
    meeting = _lock_meeting(meeting)
    refuse(permissions.can_run_meeting(access_of(actor), meeting.group.programme_id))
    _still_open(meeting, "minuted")
    text = "" if minutes is None else str(minutes).strip()
    check_text(text, field="minutes", limit=MINUTES_MAX)
    changes: dict[str, list] = {}
    if text != meeting.minutes:
        changes["minutes"] = [len(meeting.minutes), len(text)]
        meeting.minutes = text
        meeting.save(update_fields=["minutes"])
    items = {i.position: i for i in AgendaItem.objects.filter(meeting=meeting)}
    changed_items = []
    for position, note in (item_notes or {}).items():
        item = items.get(position) if isinstance(position, int) else None
        if item is None:
            raise ActionError(f"The agenda has no item {position}", field=f"item_notes.{position}"[:60])
        note = "" if note is None else str(note).strip()
        check_text(note, field=f"item_notes.{position}")
        if note != item.notes:
            item.notes = note
            changed_items.append(item)
    if changed_items:
        AgendaItem.objects.bulk_update(changed_items, ["notes"])
        changes["item_notes"] = [None, ", ".join(str(i.position) for i in changed_items)]
    if not changes:
        raise ActionError("Nothing to change", field="minutes")
    journal(actor, meeting, "meeting.minutes", changes=changes)
    return meeting


@action
def hold_meeting(*, actor: Actor, meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """The meeting took place (planned → held); its minutes can then be approved at a later one."""
    meeting = _lock_meeting(meeting)
    refuse(permissions.can_run_meeting(access_of(actor), meeting.group.programme_id))
    check_transition(MEETING_TRANSITIONS, meeting.status, MeetingStatus.HELD, what=str(meeting))
    old = meeting.status
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["status"])
    journal(actor, meeting, "meeting.hold", changes={"status": [old, meeting.status]})
    return meeting


@action
def approve_minutes(
    *, actor: Actor, meeting: Meeting, at_meeting: Meeting, now: dt.datetime | None = None
) -> Meeting:
    """The minutes of ``meeting`` approved at a later meeting of its group, ``at_meeting`` (GV-47:
    "Approval of Minutes from 17 May TMAG & 31 May extraordinary TMAG" at TMAG #20)."""
    meeting = _lock_meeting(meeting)
    at_meeting = Meeting.objects.select_related("group").get(pk=at_meeting.pk)
    refuse(permissions.can_run_meeting(access_of(actor), meeting.group.programme_id))
    if at_meeting.group_id != meeting.group_id:
        raise ActionError(
            f"The minutes of {meeting} are approved at a meeting of {meeting.group.code}", field="at_meeting"
        )
    if at_meeting.number <= meeting.number:
        raise ActionError(
            f"The minutes of {meeting} are approved at a later meeting than #{meeting.number}",
            field="at_meeting",
        )
    if at_meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.MINUTES_APPROVED):
        raise Conflict(f"{at_meeting} is {at_meeting.get_status_display().lower()}", field="at_meeting")
    check_transition(
        MEETING_TRANSITIONS, meeting.status, MeetingStatus.MINUTES_APPROVED, what=f"The minutes of {meeting}"
    )
    if not meeting.minutes.strip():
        raise ActionError(f"No minutes are recorded for {meeting}", field="minutes")
    old = meeting.status
    meeting.status = MeetingStatus.MINUTES_APPROVED
    meeting.minutes_approved_at = at_meeting
    meeting.save(update_fields=["status", "minutes_approved_at"])
    journal(
        actor,
        meeting,
        "meeting.minutes_approve",
        changes={"status": [old, meeting.status], "approved_at": [None, str(at_meeting)]},
    )
    return meeting


@action
def save_working_group_report(
    *,
    actor: Actor,
    meeting: Meeting,
    group: Group,
    upcoming_deliverables: str = "",
    last_meeting_summary: str = "",
    escalations: str = "",
) -> WorkingGroupReport:
    """A working group's column of the progress report to its parent's meeting (GV-49): upcoming
    deliverables, the summary of its last meeting, escalations (the next meeting's agenda comes from the
    working group's own next meeting)."""
    meeting = _lock_meeting(meeting)
    refuse(permissions.can_run_meeting(access_of(actor), meeting.group.programme_id))
    _still_open(meeting)
    if group.parent_id != meeting.group_id:
        raise ActionError(f"{group.code} does not report to {meeting.group.code}", field="group")
    values = {
        "upcoming_deliverables": clean_text(
            upcoming_deliverables,
            field="upcoming_deliverables",
            limit=text_max(),
            what="The deliverables",
            required=False,
        ),
        "last_meeting_summary": clean_text(
            last_meeting_summary,
            field="last_meeting_summary",
            limit=text_max(),
            what="The summary",
            required=False,
        ),
        "escalations": clean_text(
            escalations, field="escalations", limit=text_max(), what="The escalations", required=False
        ),
    }
    report, created = WorkingGroupReport.objects.get_or_create(meeting=meeting, group=group, defaults=values)
    changes: dict[str, list] = {}
    if created:
        changes = {k: [None, v[:200]] for k, v in values.items() if v}
    else:
        for name, value in values.items():
            if getattr(report, name) != value:
                changes[name] = [getattr(report, name)[:200], value[:200]]
                setattr(report, name, value)
        if changes:
            report.save(update_fields=list(changes))
    journal(actor, meeting, "meeting.wg_report", changes={"group": [None, group.code], **changes})
    return report
