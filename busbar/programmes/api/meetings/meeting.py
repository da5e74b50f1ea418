"""API: a group's meetings — cover, agenda with time slots, minutes, holding, approving earlier minutes
and working-group reports."""

from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, IllegalTransition
from busbar.lib.pagination import Page
from busbar.lib.schema import Day, InputSchema
from busbar.programmes import permissions, queries
from busbar.programmes.actions import meetings as actions
from busbar.programmes.api.meetings.common import (
    Clock,
    GovAgendaItemOut,
    GovMeetingDetail,
    GovMeetingOut,
    GovWorkingGroupReportOut,
    GroupCode,
    GroupPath,
    LongText,
    NumberPath,
    PositionPath,
    ProgrammePath,
    Short,
    _actor,
    _clock,
    _group,
    _meeting,
    _meeting_out,
    _Outs,
    _programme,
    _refused_transition,
    router,
)
from busbar.programmes.models import (
    MEETING_TRANSITIONS,
    Action,
    AgendaItem,
    AgendaType,
    Decision,
    Group,
    Meeting,
    MeetingStatus,
    WorkingGroupReport,
)
from busbar.programmes.views.meetings import agenda_rows, pack_url
from busbar.testing.access import access_for
from busbar.testing.models import Programme


class GovMeetingIn(InputSchema):
    date: Day
    extraordinary: bool = False
    start_time: Clock | None = None
    location: Short = ""
    document_ref: Annotated[str, Field(max_length=40)] = ""
    version: Annotated[str, Field(max_length=20)] = "1.0"
    classification: Annotated[str, Field(max_length=40)] | None = Field(
        None, description="Default: the programme's"
    )
    number: Annotated[int, Field(ge=1, le=actions.MAX_MEETING_NUMBER)] | None = Field(
        None, description="Only to record an earlier meeting; default: the group's next number"
    )


class GovMeetingPatch(InputSchema):
    date: Day | None = None
    extraordinary: bool | None = None
    start_time: Clock | None = None
    location: Short | None = None
    document_ref: Annotated[str, Field(max_length=40)] | None = None
    version: Annotated[str, Field(max_length=20)] | None = None
    classification: Annotated[str, Field(max_length=40)] | None = None
    minutes: Annotated[str, Field(max_length=actions.MINUTES_MAX)] | None = Field(
        None, description="Markdown"
    )
    item_notes: dict[Annotated[str, Field(pattern=r"^[0-9]{1,2}$", max_length=2)], LongText] | None = Field(
        None,
        description="Agenda position → the item's minutes (Markdown)",
        max_length=actions.MAX_AGENDA_ITEMS,
    )


class GovAgendaItemIn(InputSchema):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    objective: Annotated[str, Field(max_length=500)] = ""
    type: Literal[tuple(AgendaType.values)] = AgendaType.INFORMATION.value  # type: ignore[valid-type]
    lead: Short = ""
    start_time: Clock | None = None
    duration_minutes: Annotated[int, Field(ge=0, le=actions.MAX_DURATION)] = 0
    standing: bool = False
    position: Annotated[int, Field(ge=1, le=actions.MAX_AGENDA_ITEMS)] | None = Field(
        None, description="Default: last"
    )


class GovAgendaItemPatch(InputSchema):
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    objective: Annotated[str, Field(max_length=500)] | None = None
    type: Literal[tuple(AgendaType.values)] | None = None  # type: ignore[valid-type]
    lead: Short | None = None
    start_time: Clock | None = None
    duration_minutes: Annotated[int, Field(ge=0, le=actions.MAX_DURATION)] | None = None
    standing: bool | None = None
    position: Annotated[int, Field(ge=1, le=actions.MAX_AGENDA_ITEMS)] | None = None
    notes: LongText | None = None


class GovApproveMinutesIn(InputSchema):
    meetings: Annotated[
        list[Annotated[int, Field(ge=1, le=actions.MAX_MEETING_NUMBER)]], Field(min_length=1, max_length=10)
    ] = Field(..., description="The numbers of earlier meetings of the group whose minutes are approved here")


class GovWorkingGroupReportIn(InputSchema):
    group: GroupCode = Field(..., description="The working group's code (it reports to this meeting's group)")
    upcoming_deliverables: LongText = ""
    last_meeting_summary: LongText = ""
    escalations: LongText = ""


def _allowed_on_meeting(access, meeting: Meeting) -> list[str]:
    programme_id = meeting.group.programme_id
    allowed = []
    open_record = meeting.status in (MeetingStatus.PLANNED, MeetingStatus.HELD)
    if open_record and permissions.can_run_meeting(access, programme_id) is None:
        allowed += ["agenda", "minutes", "approve-minutes", "working-group-reports", "ratify"]
        if MeetingStatus.HELD in MEETING_TRANSITIONS.get(meeting.status, set()):
            allowed.append("hold")
    if (
        meeting.status != MeetingStatus.CANCELLED
        and permissions.can_raise_action(access, programme_id) is None
    ):
        allowed.append("raise-action")
    return allowed


def _meeting_detail(request: HttpRequest, programme: Programme, group: str, number: int) -> dict:
    meeting = _meeting(request, programme, group, number)
    out = _meeting_out(meeting)
    out["agenda"] = [
        {
            "position": r.item.position,
            "title": r.item.title,
            "objective": r.item.objective,
            "type": r.item.type,
            "lead": r.item.lead,
            "start_time": r.item.start_time.strftime("%H:%M") if r.item.start_time else None,
            "slot": r.slot,
            "duration_minutes": r.item.duration_minutes,
            "duration": r.duration,
            "standing": r.item.standing,
            "notes": r.item.notes,
        }
        for r in agenda_rows(meeting)
    ]
    out["minutes"] = meeting.minutes
    out["approved_minutes_of"] = list(
        Meeting.objects.filter(minutes_approved_at=meeting)
        .order_by("number")
        .values_list("number", flat=True)
    )
    out["actions_raised"] = list(
        Action.objects.filter(meeting=meeting).order_by("sequence").values_list("reference", flat=True)
    )
    out["actions_closed"] = list(
        Action.objects.filter(closed_at_meeting=meeting)
        .order_by("reference")
        .values_list("reference", flat=True)
    )
    out["decisions"] = list(
        queries.in_visible_programme(Decision.objects.filter(meeting=meeting), request.user)
        .order_by("number")
        .values_list("number", flat=True)
    )
    out["working_group_reports"] = [
        {
            "group": r.group.code,
            "upcoming_deliverables": r.upcoming_deliverables,
            "last_meeting_summary": r.last_meeting_summary,
            "escalations": r.escalations,
        }
        for r in WorkingGroupReport.objects.filter(meeting=meeting)
        .select_related("group")
        .order_by("group__code")
    ]
    out["pack_url"] = pack_url(meeting)
    out["allowed_actions"] = _allowed_on_meeting(access_for(request.user), meeting)
    return out


@router.get(
    "/programmes/{programme}/groups/{group}/meetings",
    response=list[GovMeetingOut],
    summary="A group's meetings, the latest first",
)
@paginate(Page)
def list_meetings(request: HttpRequest, programme: ProgrammePath, group: GroupPath) -> Any:
    prog = _programme(request, programme)
    found = _group(request, prog, group)
    meetings = (
        Meeting.objects.filter(group=found).select_related("group", "minutes_approved_at").order_by("-number")
    )
    return _Outs(meetings, _meeting_out)


@router.post(
    "/programmes/{programme}/groups/{group}/meetings",
    response={201: GovMeetingDetail},
    summary="Schedule the group's next meeting (the office); an extraordinary one takes the next number too",
)
def schedule_meeting(
    request: HttpRequest, programme: ProgrammePath, group: GroupPath, payload: GovMeetingIn
) -> Status:
    prog = _programme(request, programme)
    found = _group(request, prog, group)
    meeting = actions.schedule_meeting(
        actor=_actor(request),
        group=found,
        date=payload.date,
        extraordinary=payload.extraordinary,
        start_time=_clock(payload.start_time),
        location=payload.location,
        document_ref=payload.document_ref,
        version=payload.version,
        classification=payload.classification,
        number=payload.number,
    )
    return Status(201, _meeting_detail(request, prog, found.code, meeting.number))


@router.get(
    "/programmes/{programme}/groups/{group}/meetings/{number}",
    response=GovMeetingDetail,
    summary="A meeting: cover, agenda with time slots, minutes, actions, decisions, working-group reports",
)
def get_meeting(request: HttpRequest, programme: ProgrammePath, group: GroupPath, number: NumberPath) -> Any:
    return _meeting_detail(request, _programme(request, programme), group, number)


@router.patch(
    "/programmes/{programme}/groups/{group}/meetings/{number}",
    response=GovMeetingDetail,
    summary="Change a meeting's cover facts or minutes (the office)",
)
def patch_meeting(
    request: HttpRequest,
    programme: ProgrammePath,
    group: GroupPath,
    number: NumberPath,
    payload: GovMeetingPatch,
) -> Any:
    prog = _programme(request, programme)
    meeting = _meeting(request, prog, group, number)
    fields = payload.model_dump(exclude_unset=True)
    minutes = fields.pop("minutes", None)
    notes = fields.pop("item_notes", None)
    for name in ("date", "extraordinary", "version"):
        if name in fields and fields[name] is None:
            raise ActionError(f"{name} cannot be null", field=name)
    if "start_time" in fields:
        fields["start_time"] = _clock(fields["start_time"])
    for name in ("location", "document_ref", "classification"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    actor = _actor(request)
    if not fields and minutes is None and notes is None:
        raise ActionError("Nothing to change", field="date")
    if fields:
        actions.update_meeting(actor=actor, meeting=meeting, **fields)
    if minutes is not None or notes is not None:
        actions.record_minutes(
            actor=actor,
            meeting=meeting,
            minutes=meeting.minutes if minutes is None else minutes,
            item_notes={int(k): v for k, v in (notes or {}).items()},
        )
    return _meeting_detail(request, prog, group, number)


def _item(meeting: Meeting, position: int) -> AgendaItem:
    found = AgendaItem.objects.filter(meeting=meeting, position=position).first()
    if found is None:
        raise Http404("No such agenda item")
    return found


def _item_out(meeting: Meeting, position: int) -> dict:
    for r in agenda_rows(meeting):
        if r.item.position == position:
            return {
                "position": r.item.position,
                "title": r.item.title,
                "objective": r.item.objective,
                "type": r.item.type,
                "lead": r.item.lead,
                "start_time": r.item.start_time.strftime("%H:%M") if r.item.start_time else None,
                "slot": r.slot,
                "duration_minutes": r.item.duration_minutes,
                "duration": r.duration,
                "standing": r.item.standing,
                "notes": r.item.notes,
            }
    raise Http404("No such agenda item")


@router.post(
    "/programmes/{programme}/groups/{group}/meetings/{number}/agenda",
    response={201: GovAgendaItemOut},
    summary="Add an agenda item (the office)",
)
def add_agenda_item(
    request: HttpRequest,
    programme: ProgrammePath,
    group: GroupPath,
    number: NumberPath,
    payload: GovAgendaItemIn,
) -> Status:
    prog = _programme(request, programme)
    meeting = _meeting(request, prog, group, number)
    item = actions.add_agenda_item(
        actor=_actor(request),
        meeting=meeting,
        title=payload.title,
        objective=payload.objective,
        type=payload.type,
        lead=payload.lead,
        start_time=_clock(payload.start_time),
        duration_minutes=payload.duration_minutes,
        standing=payload.standing,
        position=payload.position,
    )
    return Status(201, _item_out(meeting, item.position))


@router.patch(
    "/programmes/{programme}/groups/{group}/meetings/{number}/agenda/{position}",
    response=GovAgendaItemOut,
    summary="Change or move an agenda item (the office)",
)
def patch_agenda_item(
    request: HttpRequest,
    programme: ProgrammePath,
    group: GroupPath,
    number: NumberPath,
    position: PositionPath,
    payload: GovAgendaItemPatch,
) -> Any:
    prog = _programme(request, programme)
    meeting = _meeting(request, prog, group, number)
    fields = payload.model_dump(exclude_unset=True)
    for name in ("title", "type", "duration_minutes", "standing", "position"):
        if name in fields and fields[name] is None:
            raise ActionError(f"{name} cannot be null", field=name)
    for name in ("objective", "lead", "notes"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    if "start_time" in fields:
        fields["start_time"] = _clock(fields["start_time"])
    item = actions.update_agenda_item(actor=_actor(request), item=_item(meeting, position), **fields)
    item.refresh_from_db()
    return _item_out(meeting, item.position)


@router.delete(
    "/programmes/{programme}/groups/{group}/meetings/{number}/agenda/{position}",
    response={204: None},
    summary="Remove an agenda item (the office); the items below move up",
)
def delete_agenda_item(
    request: HttpRequest,
    programme: ProgrammePath,
    group: GroupPath,
    number: NumberPath,
    position: PositionPath,
) -> Status:
    prog = _programme(request, programme)
    meeting = _meeting(request, prog, group, number)
    actions.remove_agenda_item(actor=_actor(request), item=_item(meeting, position))
    return Status(204, None)


@router.post(
    "/programmes/{programme}/groups/{group}/meetings/{number}/hold",
    response=GovMeetingDetail,
    summary="The meeting took place (the office)",
)
def hold_meeting(request: HttpRequest, programme: ProgrammePath, group: GroupPath, number: NumberPath) -> Any:
    prog = _programme(request, programme)
    meeting = _meeting(request, prog, group, number)
    try:
        actions.hold_meeting(actor=_actor(request), meeting=meeting)
    except IllegalTransition as exc:
        return _refused_transition(request, exc, meeting.status, MEETING_TRANSITIONS)
    return _meeting_detail(request, prog, group, number)


@router.post(
    "/programmes/{programme}/groups/{group}/meetings/{number}/approve-minutes",
    response=GovMeetingDetail,
    summary="Approve, at this meeting, the minutes of earlier meetings of the group (the office)",
)
def approve_minutes(
    request: HttpRequest,
    programme: ProgrammePath,
    group: GroupPath,
    number: NumberPath,
    payload: GovApproveMinutesIn,
) -> Any:
    prog = _programme(request, programme)
    meeting = _meeting(request, prog, group, number)
    earlier = {m.number: m for m in Meeting.objects.filter(group=meeting.group, number__in=payload.meetings)}
    for index, n in enumerate(payload.meetings):
        if n not in earlier:
            raise ActionError(f"{meeting.group.code} has no meeting #{n}", field=f"meetings[{index}]")
    actor = _actor(request)
    for n in dict.fromkeys(payload.meetings):
        try:
            actions.approve_minutes(actor=actor, meeting=earlier[n], at_meeting=meeting)
        except IllegalTransition as exc:
            return _refused_transition(request, exc, earlier[n].status, MEETING_TRANSITIONS)
    return _meeting_detail(request, prog, group, number)


@router.post(
    "/programmes/{programme}/groups/{group}/meetings/{number}/working-group-reports",
    response=GovWorkingGroupReportOut,
    summary="Save a working group's report to this meeting (the office)",
)
def save_report(
    request: HttpRequest,
    programme: ProgrammePath,
    group: GroupPath,
    number: NumberPath,
    payload: GovWorkingGroupReportIn,
) -> Any:
    prog = _programme(request, programme)
    meeting = _meeting(request, prog, group, number)
    working = Group.objects.filter(programme=prog, code=payload.group.upper()).first()
    if working is None:
        raise ActionError(f"No group {payload.group}", field="group")
    report = actions.save_working_group_report(
        actor=_actor(request),
        meeting=meeting,
        group=working,
        upcoming_deliverables=payload.upcoming_deliverables,
        last_meeting_summary=payload.last_meeting_summary,
        escalations=payload.escalations,
    )
    return {
        "group": working.code,
        "upcoming_deliverables": report.upcoming_deliverables,
        "last_meeting_summary": report.last_meeting_summary,
        "escalations": report.escalations,
    }
