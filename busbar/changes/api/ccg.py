"""API: the Change Co-ordination Group — its members, and its meetings with the agenda generated from the
changes awaiting review, the decisions taken and the minutes.

The desk and the CCG's members read them (:func:`busbar.changes.queries.members_visible_to`,
:func:`~busbar.changes.queries.meetings_visible_to`); others see empty lists and a 404 for one meeting.
Switching Operations (the desk) arranges them (:func:`busbar.changes.permissions.can_manage_ccg`).
"""

import datetime as dt
from typing import Any, Literal

from django.db.models import Count
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.accounts.queries import users_visible_to
from busbar.changes import actions, permissions, queries
from busbar.changes.api import common
from busbar.changes.api.common import ChgPersonRef, ChgText, MeetingNumber
from busbar.changes.api.schemas import ChgChangeOut
from busbar.changes.models import CcgMeeting, CcgMember, CcgRole
from busbar.lib.actions import ActionError, refuse
from busbar.lib.pagination import Page
from busbar.lib.schema import Id, IdPath, InputSchema, Instant, Line, Ref
from busbar.parties.queries import scope_for

router = Router(tags=["Change Co-ordination Group"])

RoleValue = Literal[tuple(CcgRole.values)]  # type: ignore[valid-type]


class ChgCcgMemberOut(Schema):
    id: int
    organisation: Ref
    user: ChgPersonRef
    role: RoleValue  # type: ignore[valid-type]
    is_active: bool
    joined_at: dt.datetime

    @staticmethod
    def resolve_organisation(obj: CcgMember) -> dict[str, Any]:
        return {"id": obj.organisation_id, "name": obj.organisation.name}

    @staticmethod
    def resolve_user(obj: CcgMember) -> dict[str, Any] | None:
        return common.person(obj.user)


class ChgCcgMemberFilters(Schema):
    active: bool | None = Field(None, description="Active members only (or former only)")


class ChgCcgMemberIn(InputSchema):
    organisation: Id = Field(..., description="The organisation the member represents")
    user: Id = Field(..., description="The person")
    role: RoleValue = "representative"  # type: ignore[valid-type]


class ChgMeetingOut(Schema):
    number: int
    held_at: dt.datetime
    location: str
    status: str = Field(..., description="planned, held, cancelled")
    agenda_items: int
    decisions: int

    @staticmethod
    def resolve_agenda_items(obj: CcgMeeting) -> int:
        return getattr(obj, "agenda_count", 0)

    @staticmethod
    def resolve_decisions(obj: CcgMeeting) -> int:
        return getattr(obj, "decision_count", 0)


class ChgAgendaItemOut(Schema):
    order: int
    purpose: str = Field(
        ..., description="Why it is on the agenda: review, late exception, retrospective review, …"
    )
    change: ChgChangeOut


class ChgMeetingDecisionOut(Schema):
    id: int
    change: str = Field(..., description="The change's reference")
    outcome: str
    reason: str
    conditions: str
    late_exception: bool
    decided_by: str | None
    decided_at: dt.datetime


class ChgMeetingDetail(ChgMeetingOut):
    minutes: str
    attendees: list[ChgPersonRef]
    agenda: list[ChgAgendaItemOut]
    decision_list: list[ChgMeetingDecisionOut]
    allowed_actions: list[str] = Field(..., description="minutes, refresh-agenda, cancel, decide")


class ChgMeetingFilters(Schema):
    status: Literal["planned", "held", "cancelled"] | None = None
    upcoming: bool | None = Field(None, description="Held from now on only (or before now only)")


class ChgMeetingIn(InputSchema):
    held_at: Instant
    location: Line = ""


class ChgMinutesIn(InputSchema):
    minutes: ChgText
    attendees: list[Id] = Field(default_factory=list, max_length=100, description="User ids")


def _meetings(request: HttpRequest):
    return queries.meetings_visible_to(request.user).annotate(
        agenda_count=Count("agenda", distinct=True), decision_count=Count("decisions", distinct=True)
    )


def _meeting_detail(request: HttpRequest, number: int) -> dict[str, Any]:
    user = request.user
    meeting = get_object_or_404(_meetings(request), number=number)
    visible = queries.visible_to(user)
    agenda = (
        meeting.agenda.filter(change__in=visible.values("pk"))
        .select_related("change__provider", "change__record")
        .prefetch_related("change__services")
        .order_by("order")
    )
    decisions = (
        meeting.decisions.filter(change__in=visible.values("pk"))
        .select_related("change", "decided_by")
        .order_by("decided_at", "id")
    )
    manage = permissions.can_manage_ccg(scope_for(user)) is None
    return {
        "number": meeting.number,
        "held_at": meeting.held_at,
        "location": meeting.location,
        "status": meeting.status,
        "agenda_items": meeting.agenda_count,
        "decisions": meeting.decision_count,
        "minutes": meeting.minutes,
        "attendees": [common.person(u) for u in meeting.attendees.order_by("full_name", "id")],
        "agenda": [{"order": a.order, "purpose": a.purpose, "change": a.change} for a in agenda],
        "decision_list": [
            {
                "id": d.pk,
                "change": d.change.reference,
                "outcome": d.outcome,
                "reason": d.reason,
                "conditions": d.conditions,
                "late_exception": d.late_exception,
                "decided_by": d.decided_by.display_name if d.decided_by_id else None,
                "decided_at": d.decided_at,
            }
            for d in decisions
        ],
        "allowed_actions": (
            ["minutes", "refresh-agenda", "cancel", "decide"]
            if manage and meeting.status == "planned"
            else ["minutes"]
            if manage and meeting.status == "held"
            else []
        ),
    }


def _may_manage(request: HttpRequest) -> None:
    """Refused (403) before the body's references are looked up, so a 422 never hints at what exists."""
    refuse(permissions.can_manage_ccg(scope_for(request.user)))


def _meeting_or_404(request: HttpRequest, number: int) -> CcgMeeting:
    return get_object_or_404(queries.meetings_visible_to(request.user), number=number)


# Members ----------------------------------------------------------------------------------------------------


@router.get("/changes/ccg/members", response=list[ChgCcgMemberOut], summary="The CCG's members")
@paginate(Page)
def list_ccg_members(request: HttpRequest, filters: Query[ChgCcgMemberFilters]) -> Any:
    qs = queries.members_visible_to(request.user)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs.order_by("organisation__name", "role", "id")


@router.post("/changes/ccg/members", response={201: ChgCcgMemberOut}, summary="Add a member (desk)")
def add_ccg_member(request: HttpRequest, payload: ChgCcgMemberIn) -> Status:
    _may_manage(request)
    org = common.organisation(request, payload.organisation, field="organisation")
    user = users_visible_to(request.user).filter(pk=payload.user, is_active=True).first()
    if user is None:
        raise ActionError(f"No person {payload.user}", field="user")
    member = actions.add_ccg_member(
        actor=common.actor(request), organisation=org, user=user, role=payload.role
    )
    return Status(201, queries.members_visible_to(request.user).get(pk=member.pk))


@router.delete("/changes/ccg/members/{member_id}", response={204: None}, summary="Remove a member (desk)")
def remove_ccg_member(request: HttpRequest, member_id: IdPath) -> Status:
    member = get_object_or_404(queries.members_visible_to(request.user), pk=member_id)
    actions.remove_ccg_member(actor=common.actor(request), member=member)
    return Status(204, None)


# Meetings ---------------------------------------------------------------------------------------------------


@router.get("/changes/ccg/meetings", response=list[ChgMeetingOut], summary="CCG meetings (latest first)")
@paginate(Page)
def list_ccg_meetings(request: HttpRequest, filters: Query[ChgMeetingFilters]) -> Any:
    qs = _meetings(request)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.upcoming is not None:
        now = dt.datetime.now(dt.UTC)
        qs = qs.filter(held_at__gte=now) if filters.upcoming else qs.filter(held_at__lt=now)
    return qs.order_by("-held_at", "-number")


@router.post(
    "/changes/ccg/meetings",
    response={201: ChgMeetingDetail},
    summary="Schedule a meeting; its agenda is generated from the changes awaiting the CCG (desk)",
)
def schedule_ccg_meeting(request: HttpRequest, payload: ChgMeetingIn) -> Status:
    meeting = actions.schedule_meeting(
        actor=common.actor(request), held_at=payload.held_at, location=payload.location
    )
    return Status(201, _meeting_detail(request, meeting.number))


@router.get(
    "/changes/ccg/meetings/{number}",
    response=ChgMeetingDetail,
    summary="A meeting and its agenda",
)
def get_ccg_meeting(request: HttpRequest, number: MeetingNumber) -> Any:
    return _meeting_detail(request, number)


@router.post(
    "/changes/ccg/meetings/{number}/minutes", response=ChgMeetingDetail, summary="Record the minutes (desk)"
)
def record_ccg_minutes(request: HttpRequest, number: MeetingNumber, payload: ChgMinutesIn) -> Any:
    meeting = _meeting_or_404(request, number)
    _may_manage(request)
    wanted = list(dict.fromkeys(payload.attendees))
    people = {u.pk: u for u in users_visible_to(request.user).filter(pk__in=wanted)}
    for index, pk in enumerate(wanted):
        if pk not in people:
            raise ActionError(f"No person {pk}", field=f"attendees[{index}]")
    actions.record_minutes(
        actor=common.actor(request),
        meeting=meeting,
        minutes=payload.minutes,
        attendees=[people[pk] for pk in wanted],
    )
    return _meeting_detail(request, number)


@router.post(
    "/changes/ccg/meetings/{number}/refresh-agenda",
    response=ChgMeetingDetail,
    summary="Generate the agenda again from the changes awaiting the CCG (desk)",
)
def refresh_ccg_agenda(request: HttpRequest, number: MeetingNumber) -> Any:
    actions.refresh_agenda(actor=common.actor(request), meeting=_meeting_or_404(request, number))
    return _meeting_detail(request, number)


@router.post("/changes/ccg/meetings/{number}/cancel", response=ChgMeetingDetail, summary="Cancel (desk)")
def cancel_ccg_meeting(request: HttpRequest, number: MeetingNumber) -> Any:
    actions.cancel_meeting(actor=common.actor(request), meeting=_meeting_or_404(request, number))
    return _meeting_detail(request, number)
