"""What the meetings actions share: bounds at the edge, times, the meeting lock, standing items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from busbar.lib.actions import (
    ActionError,
    Conflict,
)
from busbar.programmes.actions.common import clean_text
from busbar.programmes.models import (
    AgendaType,
    Group,
    Meeting,
    MeetingStatus,
)

#: Bounds at the edge.
MAX_AGENDA_ITEMS = 40
MAX_DURATION = 480
MAX_STANDING_ITEMS = 20
MAX_OWNER_PEOPLE = 10
MAX_RAID_LINKS = 20
MAX_CONDITIONS = 20
MAX_MEETING_NUMBER = 9999
#: Minutes of one meeting (Markdown), in characters.
MINUTES_MAX = 100_000
GROUP_CODE_MAX = Group._meta.get_field("code").max_length
#: The standing items' types when a line does not say (GV-34: approving minutes is a decision).
MINUTES_OBJECTIVE = "Approve minutes. Update on open actions, closing where appropriate"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now) if timezone.is_aware(now) else now.date()


@dataclass(frozen=True)
class StandingItem:
    """A line of a group's standing items: ``Item | Objective | Type | Lead | minutes`` (all but the item
    optional)."""

    title: str
    objective: str = ""
    type: str = AgendaType.INFORMATION
    lead: str = ""
    duration_minutes: int = 0


def _standing_rows(text: str, *, strict: bool = True) -> list[StandingItem]:
    """The standing items of a group (one a line). ``strict``: refuse a bad line (when saving the group);
    otherwise skip it (when copying onto an agenda)."""
    rows: list[StandingItem] = []
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if strict and len(lines) > MAX_STANDING_ITEMS:
        raise ActionError(f"At most {MAX_STANDING_ITEMS} standing items", field="standing_items")
    for number, line in enumerate(lines[:MAX_STANDING_ITEMS], start=1):
        parts = [p.strip() for p in line.split("|")]
        try:
            title = parts[0]
            if not title or len(title) > 200:
                raise ValueError("an item's title is 1 to 200 characters")
            objective = parts[1] if len(parts) > 1 else ""
            if len(objective) > 500:
                raise ValueError("an objective is at most 500 characters")
            kind = (parts[2] if len(parts) > 2 else "").lower()
            if kind and kind not in AgendaType.values:
                raise ValueError(f"the type is {', '.join(AgendaType.values)}")
            if not kind:
                kind = AgendaType.DECISION if "minutes" in title.lower() else AgendaType.INFORMATION
            if not objective and "minutes" in title.lower():
                objective = MINUTES_OBJECTIVE
            lead = parts[3] if len(parts) > 3 else ""
            if len(lead) > 200:
                raise ValueError("a lead is at most 200 characters")
            minutes_text = (parts[4] if len(parts) > 4 else "").lower().removesuffix("mins").strip()
            minutes = int(minutes_text) if minutes_text else 0
            if not 0 <= minutes <= MAX_DURATION:
                raise ValueError(f"the duration is 0 to {MAX_DURATION} minutes")
        except ValueError as exc:
            if strict:
                raise ActionError(f"Standing item {number}: {exc}", field="standing_items") from None
            continue
        rows.append(StandingItem(title, objective, kind, lead, minutes))
    return rows


def _lock_meeting(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("group", "group__programme")
        .get(pk=meeting.pk)
    )


def _still_open(meeting: Meeting, what: str = "changed") -> None:
    """Refuse (409) changes to a cancelled meeting or one whose minutes are approved (its record is
    closed)."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict(f"{meeting} was cancelled: it cannot be {what}", field="status")
    if meeting.status == MeetingStatus.MINUTES_APPROVED:
        raise Conflict(f"The minutes of {meeting} are approved: it cannot be {what}", field="status")


def _short(value: Any, *, field: str, limit: int, what: str) -> str:
    return clean_text(value, field=field, limit=limit, what=what, required=False)


def _time(value: Any, *, field: str) -> dt.time | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.time):
        raise ActionError("Give a time of day, e.g. 10:00", field=field)
    return value.replace(second=0, microsecond=0, tzinfo=None)


def _duration(value: Any) -> int:
    try:
        minutes = int(value or 0)
    except (TypeError, ValueError):
        raise ActionError("The duration is a number of minutes", field="duration_minutes") from None
    if isinstance(value, bool) or not 0 <= minutes <= MAX_DURATION:
        raise ActionError(
            f"The duration is 0 (taken as read) to {MAX_DURATION} minutes", field="duration_minutes"
        )
    return minutes
