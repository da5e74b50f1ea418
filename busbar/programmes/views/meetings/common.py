"""What the meetings pages share: finding a group, meeting, action or decision (404 for those who may not
see it), the agenda's time slots, the owner column, the action log's export columns. The meeting pack
and the API use these too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from busbar.lib import export
from busbar.lib.actions import ActionError, Actor
from busbar.lib.markdown import render as render_markdown
from busbar.programmes import queries
from busbar.programmes.models import (
    OPEN_ACTION_STATUSES,
    Action,
    AgendaItem,
    Decision,
    Group,
    Meeting,
    RaidItem,
)
from busbar.testing.models import Programme

PAGE_SIZE = 50
#: Open actions shown for review on a meeting's page (the rest: the action log, filtered by group).
REVIEW_MAX = 200
IMPORT_TTL = 30 * 60
#: Ageing bands of open actions, in days since raised.
AGEING = ((0, 30, "0–30 days"), (31, 60, "31–60 days"), (61, 90, "61–90 days"), (91, None, "Over 90 days"))


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def _md(text: str) -> SafeString:
    """Markdown written by people, rendered safely (busbar.lib.markdown)."""
    return mark_safe(render_markdown(text or ""))  # sanitised by nh3


def _group_or_404(request: HttpRequest, programme: Programme, code: str) -> Group:
    found = (
        queries.in_visible_programme(Group.objects.all(), request.user)
        .select_related("programme", "parent")
        .filter(programme=programme, code=code[:20].upper())
        .first()
    )
    if found is None:
        raise Http404("No such group")
    return found


def _meeting_or_404(request: HttpRequest, programme: Programme, group: str, number: int) -> Meeting:
    found = (
        queries.in_visible_programme(Meeting.objects.all(), request.user, "group__programme")
        .select_related("group", "group__programme", "minutes_approved_at")
        .filter(group__programme=programme, group__code=group[:20].upper(), number=number)
        .first()
    )
    if found is None:
        raise Http404("No such meeting")
    return found


def _action_or_404(request: HttpRequest, programme: Programme, reference: str) -> Action:
    found = (
        queries.in_visible_programme(Action.objects.all(), request.user)
        .select_related("programme", "group", "meeting", "owner_organisation", "closed_at_meeting")
        .prefetch_related("owner_people")
        .filter(programme=programme, reference=reference[:40].upper())
        .first()
    )
    if found is None:
        raise Http404("No such action")
    return found


def _decision_or_404(request: HttpRequest, programme: Programme, number: int) -> Decision:
    found = (
        queries.in_visible_programme(Decision.objects.all(), request.user)
        .select_related(
            "programme", "meeting", "meeting__group", "agenda_item", "change_request", "recorded_by"
        )
        .filter(programme=programme, number=number)
        .first()
    )
    if found is None:
        raise Http404("No such decision")
    return found


def meeting_url(meeting: Meeting, anchor: str = "") -> str:
    return (
        reverse(
            "programmes_meeting",
            kwargs={
                "programme": meeting.group.programme.code,
                "group": meeting.group.code,
                "number": meeting.number,
            },
        )
        + anchor
    )


def pack_url(meeting: Meeting) -> str | None:
    """The meeting pack's page, once the pack is built (another area's page: linked only if it exists)."""
    try:
        return reverse(
            "programmes_meeting_pack",
            kwargs={
                "programme": meeting.group.programme.code,
                "group": meeting.group.code,
                "number": meeting.number,
            },
        )
    except NoReverseMatch:
        return None


def raid_url(item: RaidItem) -> str | None:
    try:
        return reverse("programmes_raid_detail", kwargs={"reference": item.reference})
    except NoReverseMatch:
        return None


@dataclass
class AgendaRow:
    """A row of the agenda table (GV-46): # | Item | Objective | Type | Lead | Time slot and duration."""

    item: AgendaItem
    start: dt.time | None
    end: dt.time | None

    @property
    def slot(self) -> str:
        if self.start is None or self.end is None or not self.item.duration_minutes:
            return ""  # an item taken as read has no slot of its own ("0 mins")
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def duration(self) -> str:
        minutes = self.item.duration_minutes
        return "0 mins – taken as read" if minutes == 0 else f"{minutes} min{'s' if minutes != 1 else ''}"

    @property
    def notes_html(self) -> SafeString:
        return _md(self.item.notes)


def agenda_rows(meeting: Meeting, items: list[AgendaItem] | None = None) -> list[AgendaRow]:
    """The agenda with each item's time slot: its own start time, else the end of the item before
    (starting from the meeting's start time); an item of 0 minutes is taken as read."""
    if items is None:
        items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position"))
    rows = []
    clock = meeting.start_time
    for item in items:
        start = item.start_time or clock
        end = None
        if start is not None:
            end = (
                dt.datetime.combine(meeting.date, start) + dt.timedelta(minutes=item.duration_minutes)
            ).time()
            clock = end
        rows.append(AgendaRow(item, start, end))
    return rows


def owner_text(action: Action) -> str:
    """The Owner column (GV-31): the label as written, else the organisation and any named people
    (``owner_people`` prefetched)."""
    if action.owner_label:
        return action.owner_label
    names = ", ".join(p.display_name for p in action.owner_people.all())
    if action.owner_organisation_id:
        return f"{action.owner_organisation.name} ({names})" if names else action.owner_organisation.name
    return names or "—"


def minutes_approved_label(meetings: list[Meeting]) -> str:
    """ "Approval of Minutes from 17 May TMAG & 31 May extraordinary TMAG" (GV-47)."""
    parts = [
        f"{m.date.day} {m.date:%B} {'extraordinary ' if m.extraordinary else ''}{m.group.code}"
        for m in sorted(meetings, key=lambda m: m.number)
    ]
    if not parts:
        return ""
    return "Approval of Minutes from " + (
        " & ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else parts[0]
    )


def _decorate(rows: list[Action], today: dt.date) -> list[Action]:
    for a in rows:
        a.owner_display = owner_text(a)
        a.is_open = a.status in OPEN_ACTION_STATUSES
        a.overdue = a.is_open and a.due_date is not None and a.due_date < today
        a.age_days = (today - a.raised_on).days if a.is_open else None
    return rows


def _listed_actions(qs: QuerySet, user) -> QuerySet:
    return qs.select_related("group", "meeting", "owner_organisation", "closed_at_meeting").prefetch_related(
        "owner_people",
        Prefetch(
            "raid_items", queryset=queries.raid_visible_to(user).order_by("number"), to_attr="visible_raid"
        ),
    )


def _bound(error: ActionError) -> dict:
    return {"error": error.message, "error_field": error.field}


EXPORT_COLUMNS = [
    export.Column("Ref", lambda a: a.reference),
    export.Column("Date", lambda a: a.raised_on.isoformat()),
    export.Column("Action", lambda a: a.description),
    export.Column("Owner", owner_text),
    export.Column("Due", lambda a: a.due_date.isoformat() if a.due_date else ""),
    export.Column("Status", lambda a: a.get_status_display()),
    export.Column("Latest Update", lambda a: a.latest_update),
    export.Column("Group", lambda a: a.group.code),
    export.Column("Meeting", lambda a: a.meeting.number),
    export.Column(
        "Closed at",
        lambda a: f"{a.group.code} #{a.closed_at_meeting.number}" if a.closed_at_meeting_id else "",
    ),
    export.Column("RAID items", lambda a: ", ".join(r.display_ref for r in a.visible_raid)),
]
