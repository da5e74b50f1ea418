"""What the meetings API shares: its router, bounded path types, the output schemas and finding a group,
meeting, action or decision (404 for a programme the caller does not take part in)."""

import datetime as dt
from typing import Annotated, Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Path, Router, Schema

from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.lib.limits import MAX_ID, text_max
from busbar.lib.problems import transition_refused
from busbar.lib.schema import Ref
from busbar.parties.models import Organisation
from busbar.programmes import queries
from busbar.programmes.actions import meetings as actions
from busbar.programmes.models import (
    OPEN_ACTION_STATUSES,
    Action,
    Decision,
    DecisionConditionStatus,
    Group,
    Meeting,
    RaidItem,
)
from busbar.programmes.views.meetings import owner_text
from busbar.testing.models import Programme

router = Router(tags=["Programmes: meetings"])

ProgrammePath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[-A-Za-z0-9_]+$")]
GroupPath = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[A-Za-z][A-Za-z0-9]*$")]
NumberPath = Annotated[int, Path(ge=1, le=actions.MAX_MEETING_NUMBER)]
PositionPath = Annotated[int, Path(ge=1, le=actions.MAX_AGENDA_ITEMS)]
ReferencePath = Annotated[
    str, Path(min_length=4, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9]*-[0-9]{1,3}$")
]
DecisionPath = Annotated[int, Path(ge=1, le=MAX_ID)]
ConditionPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Clock = Annotated[
    str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", max_length=5, description="A time of day, HH:MM")
]
GroupCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z][A-Za-z0-9]*$")]
Short = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=text_max())]
RaidNumber = Annotated[int, Field(ge=1, le=9_999_999)]
_FILE_CONTENT = {"*/*": {"schema": {"type": "string", "format": "binary"}}}


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _clock(value: str | None) -> dt.time | None:
    return dt.time.fromisoformat(value) if value else None


class GovGroupMemberOut(Schema):
    id: int
    organisation: Ref
    role: str
    constituency: str


class GovGroupOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None = Field(..., description="The parent group's code (a working group's)")
    purpose: str
    standing_items: str = Field(..., description="One a line: Item | Objective | Type | Lead | minutes")
    is_active: bool
    member_count: int
    meeting_count: int


class GovMeetingOut(Schema):
    group: str
    number: int
    code: str = Field(..., description="The prefix of its actions, e.g. TMAG18")
    extraordinary: bool
    date: dt.date
    start_time: str | None
    location: str
    status: str
    document_ref: str
    version: str
    classification: str
    minutes_approved_at: int | None = Field(..., description="The number of the meeting that approved them")


class GovGroupDetail(GovGroupOut):
    members: list[GovGroupMemberOut]
    working_groups: list[str]
    meetings: list[GovMeetingOut] = Field(..., description="The latest 50")


class GovAgendaItemOut(Schema):
    position: int
    title: str
    objective: str
    type: str
    lead: str
    start_time: str | None = Field(..., description="The item's own start time, if set")
    slot: str = Field(..., description="The time slot, e.g. 10:05-10:10 (from the meeting's start)")
    duration_minutes: int
    duration: str = Field(..., description="e.g. '5 mins' or '0 mins – taken as read'")
    standing: bool
    notes: str


class GovWorkingGroupReportOut(Schema):
    group: str
    upcoming_deliverables: str
    last_meeting_summary: str
    escalations: str


class GovMeetingDetail(GovMeetingOut):
    agenda: list[GovAgendaItemOut]
    minutes: str = Field(..., description="Markdown")
    approved_minutes_of: list[int] = Field(
        ..., description="Meetings whose minutes were approved at this one"
    )
    actions_raised: list[str]
    actions_closed: list[str] = Field(..., description="Actions whose closure was ratified at this meeting")
    decisions: list[int]
    working_group_reports: list[GovWorkingGroupReportOut]
    pack_url: str | None
    allowed_actions: list[str] = Field(
        ..., description="agenda, minutes, hold, approve-minutes, raise-action, ratify"
    )


class GovActionOwner(Schema):
    organisation: Ref | None
    label: str
    people: list[Ref]
    display: str = Field(..., description="As the log shows it, e.g. 'Programme (Jason Brogden)'")


class GovRaidLink(Schema):
    number: int
    ref: str = Field(..., description="R<number>")
    reference: str = Field(..., description="The kernel reference (RAID…)")
    title: str


class GovActionOut(Schema):
    reference: str
    group: str
    meeting: int
    raised_on: dt.date
    description: str
    owner: GovActionOwner
    due_date: dt.date | None
    status: str
    status_label: str
    latest_update: str
    overdue: bool
    age_days: int | None = Field(..., description="Days since raised, while open")
    closed_at_meeting: int | None
    closed_on: dt.date | None
    raid_items: list[GovRaidLink] = Field(..., description="The linked RAID items the caller may see")


class GovActionUpdateOut(Schema):
    at: dt.datetime
    author: str
    text: str
    status_from: str
    status_to: str
    meeting: int | None


class GovActionDetail(GovActionOut):
    updates: list[GovActionUpdateOut]
    allowed_actions: list[str] = Field(..., description="update, recommend-close, ratify, edit")


class GovDecisionConditionOut(Schema):
    id: int
    text: str
    owner_organisation: Ref | None
    due_date: dt.date | None
    status: str
    overdue: bool
    closed_on: dt.date | None
    closure_note: str


class GovDecisionOut(Schema):
    number: int
    ref: str = Field(..., description="D<number>, three digits: D001")
    title: str
    outcome: str
    decided_on: dt.date
    decided_by: str
    group: str | None
    meeting: int | None
    agenda_item: int | None = Field(..., description="The agenda item's position")
    document_title: str
    document_version: str
    change_request: str | None
    open_conditions: int


class GovDecisionDetail(GovDecisionOut):
    summary: str
    conditions: list[GovDecisionConditionOut]


class GovActionImportRow(Schema):
    line: int
    reference: str
    group: str
    meeting: int
    raised_on: dt.date
    description: str
    owner: str
    owner_organisation: int | None
    owner_people: list[int]
    due_date: dt.date | None
    status: str
    latest_update: str
    raid_items: list[str]


class GovActionImportOut(Schema):
    preview: bool = Field(..., description="True: checked only, nothing written")
    rows: int
    created: list[str]
    ignored_columns: list[str]
    items: list[GovActionImportRow]


def _ref(obj: Any, name: str | None = None) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": name if name is not None else obj.name}


def _group_out(g: Group) -> dict:
    return {
        "code": g.code,
        "name": g.name,
        "kind": g.kind,
        "parent": g.parent.code if g.parent_id else None,
        "purpose": g.purpose,
        "standing_items": g.standing_items,
        "is_active": g.is_active,
        "member_count": getattr(g, "member_count", 0),
        "meeting_count": getattr(g, "meeting_count", 0),
    }


def _meeting_out(m: Meeting) -> dict:
    return {
        "group": m.group.code,
        "number": m.number,
        "code": m.code,
        "extraordinary": m.extraordinary,
        "date": m.date,
        "start_time": m.start_time.strftime("%H:%M") if m.start_time else None,
        "location": m.location,
        "status": m.status,
        "document_ref": m.document_ref,
        "version": m.version,
        "classification": m.classification,
        "minutes_approved_at": m.minutes_approved_at.number if m.minutes_approved_at_id else None,
    }


def _action_out(a: Action, today: dt.date) -> dict:
    is_open = a.status in OPEN_ACTION_STATUSES
    people = list(a.owner_people.all())
    return {
        "reference": a.reference,
        "group": a.group.code,
        "meeting": a.meeting.number,
        "raised_on": a.raised_on,
        "description": a.description,
        "owner": {
            "organisation": _ref(a.owner_organisation),
            "label": a.owner_label,
            "people": [{"id": p.pk, "name": p.display_name} for p in people],
            "display": owner_text(a),
        },
        "due_date": a.due_date,
        "status": a.status,
        "status_label": a.get_status_display(),
        "latest_update": a.latest_update,
        "overdue": is_open and a.due_date is not None and a.due_date < today,
        "age_days": (today - a.raised_on).days if is_open else None,
        "closed_at_meeting": a.closed_at_meeting.number if a.closed_at_meeting_id else None,
        "closed_on": a.closed_on,
        "raid_items": [
            {"number": r.number, "ref": r.display_ref, "reference": r.reference, "title": r.title}
            for r in getattr(a, "visible_raid", [])
        ],
    }


def _decision_out(d: Decision) -> dict:
    return {
        "number": d.number,
        "ref": d.display_ref,
        "title": d.title,
        "outcome": d.outcome,
        "decided_on": d.decided_on,
        "decided_by": d.decided_by,
        "group": d.meeting.group.code if d.meeting_id else None,
        "meeting": d.meeting.number if d.meeting_id else None,
        "agenda_item": d.agenda_item.position if d.agenda_item_id else None,
        "document_title": d.document_title,
        "document_version": d.document_version,
        "change_request": d.change_request.display_ref if d.change_request_id else None,
        "open_conditions": getattr(d, "open_conditions", 0),
    }


def _programme(request: HttpRequest, code: str) -> Programme:
    found = queries.programmes_visible_to(request.user).filter(code=code).first()
    if found is None:
        raise Http404("No such programme")
    return found


def _groups(request: HttpRequest, programme: Programme) -> QuerySet:
    return (
        queries.in_visible_programme(Group.objects.filter(programme=programme), request.user)
        .select_related("parent")
        .annotate(
            member_count=Count("members", distinct=True), meeting_count=Count("meetings", distinct=True)
        )
    )


def _group(request: HttpRequest, programme: Programme, code: str) -> Group:
    found = _groups(request, programme).filter(code=code.upper()).first()
    if found is None:
        raise Http404("No such group")
    return found


def _meeting(request: HttpRequest, programme: Programme, group: str, number: int) -> Meeting:
    found = (
        queries.in_visible_programme(Meeting.objects.all(), request.user, "group__programme")
        .select_related("group", "group__programme", "minutes_approved_at")
        .filter(group__programme=programme, group__code=group.upper(), number=number)
        .first()
    )
    if found is None:
        raise Http404("No such meeting")
    return found


def _actions(request: HttpRequest, programme: Programme) -> QuerySet:
    return (
        queries.in_visible_programme(Action.objects.filter(programme=programme), request.user)
        .select_related("group", "meeting", "owner_organisation", "closed_at_meeting")
        .prefetch_related(
            "owner_people",
            Prefetch(
                "raid_items",
                queryset=queries.raid_visible_to(request.user).order_by("number"),
                to_attr="visible_raid",
            ),
        )
    )


def _action(request: HttpRequest, programme: Programme, reference: str) -> Action:
    found = _actions(request, programme).filter(reference=reference.upper()).first()
    if found is None:
        raise Http404("No such action")
    return found


def _decisions(request: HttpRequest, programme: Programme) -> QuerySet:
    return (
        queries.in_visible_programme(Decision.objects.filter(programme=programme), request.user)
        .select_related("meeting", "meeting__group", "agenda_item", "change_request")
        .annotate(
            open_conditions=Count("conditions", filter=Q(conditions__status=DecisionConditionStatus.OPEN))
        )
    )


def _decision(request: HttpRequest, programme: Programme, number: int) -> Decision:
    found = _decisions(request, programme).filter(number=number).first()
    if found is None:
        raise Http404("No such decision")
    return found


def _organisation(pk: int | None, field: str) -> Organisation | None:
    if pk is None:
        return None
    found = Organisation.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ActionError(f"No organisation {pk}", field=field)
    return found


def _people(ids: list[int] | None) -> list:
    ids = list(dict.fromkeys(ids or []))
    found = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids, is_active=True)}
    for index, pk in enumerate(ids):
        if pk not in found:
            raise ActionError(f"No person {pk}", field=f"owner_people[{index}]")
    return [found[pk] for pk in ids]


def _raid_items(programme: Programme, numbers: list[int] | None) -> list[RaidItem]:
    numbers = list(dict.fromkeys(numbers or []))
    found = {r.number: r for r in RaidItem.objects.filter(programme=programme, number__in=numbers)}
    for index, n in enumerate(numbers):
        if n not in found:
            raise ActionError(f"No RAID item R{n} in this programme", field=f"raid_items[{index}]")
    return [found[n] for n in numbers]


def _refused_transition(
    request: HttpRequest, exc: IllegalTransition, current: str, table: dict
) -> HttpResponse:
    return transition_refused(request, exc, current=current, allowed=[str(s) for s in table.get(current, ())])


class _Outs:
    """A list's rows turned into their JSON as the paginator slices the queryset (one page read)."""

    def __init__(self, qs: QuerySet, out) -> None:
        self.qs, self.out = qs, out

    def __len__(self) -> int:
        return self.qs.count()

    def __getitem__(self, key: slice) -> list[dict]:
        return [self.out(row) for row in self.qs[key]]
