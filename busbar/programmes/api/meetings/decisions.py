"""API: the decision log and a decision with its conditions, tracked to closure."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError
from busbar.lib.pagination import Page
from busbar.lib.schema import Day, Id, InputSchema
from busbar.programmes.actions import meetings as actions
from busbar.programmes.api.meetings.common import (
    ConditionPath,
    DecisionPath,
    GovDecisionConditionOut,
    GovDecisionDetail,
    GovDecisionOut,
    GroupCode,
    LongText,
    ProgrammePath,
    Short,
    _actor,
    _decision,
    _decision_out,
    _decisions,
    _organisation,
    _Outs,
    _programme,
    _ref,
    router,
)
from busbar.programmes.models import (
    AgendaItem,
    DecisionCondition,
    DecisionConditionStatus,
    DecisionOutcome,
    Meeting,
)
from busbar.testing.models import Programme


class GovDecisionConditionIn(InputSchema):
    text: Annotated[str, Field(min_length=1, max_length=500)]
    owner_organisation: Id | None = None
    due_date: Day | None = None


class GovDecisionIn(InputSchema):
    title: Annotated[str, Field(min_length=1, max_length=300)]
    outcome: Literal[tuple(DecisionOutcome.values)]  # type: ignore[valid-type]
    decided_on: Day
    group: GroupCode | None = Field(None, description="With meeting: the meeting at which it was decided")
    meeting: Annotated[int, Field(ge=1, le=actions.MAX_MEETING_NUMBER)] | None = None
    agenda_item: Annotated[int, Field(ge=1, le=actions.MAX_AGENDA_ITEMS)] | None = Field(
        None, description="The agenda item's position"
    )
    decided_by: Short = Field("", description="e.g. TMAG, the SRO, PSG (default: the meeting's group)")
    document_title: Annotated[str, Field(max_length=300)] = ""
    document_version: Annotated[str, Field(max_length=20)] = ""
    summary: LongText = ""
    conditions: Annotated[list[GovDecisionConditionIn], Field(max_length=actions.MAX_CONDITIONS)] = Field(
        default_factory=list, description="Required (at least one) for approved_with_conditions"
    )


class GovDecisionFilters(Schema):
    outcome: Literal[tuple(DecisionOutcome.values)] | None = None  # type: ignore[valid-type]
    group: GroupCode | None = None
    open_conditions: bool = False
    q: Short | None = None


class GovConditionCloseIn(InputSchema):
    status: Literal[DecisionConditionStatus.MET.value, DecisionConditionStatus.WAIVED.value]  # type: ignore[valid-type]
    note: LongText = Field("", description="Required to waive")


def _condition_out(c: DecisionCondition, today: dt.date) -> dict:
    return {
        "id": c.pk,
        "text": c.text,
        "owner_organisation": _ref(c.owner_organisation),
        "due_date": c.due_date,
        "status": c.status,
        "overdue": c.status == DecisionConditionStatus.OPEN and c.due_date is not None and c.due_date < today,
        "closed_on": c.closed_on,
        "closure_note": c.closure_note,
    }


def _decision_detail(request: HttpRequest, programme: Programme, number: int) -> dict:
    d = _decision(request, programme, number)
    out = _decision_out(d)
    out["summary"] = d.summary
    today = timezone.localdate()
    out["conditions"] = [
        _condition_out(c, today) for c in d.conditions.select_related("owner_organisation").order_by("id")
    ]
    return out


@router.get("/programmes/{programme}/decisions", response=list[GovDecisionOut], summary="The decision log")
@paginate(Page)
def list_decisions(request: HttpRequest, programme: ProgrammePath, filters: Query[GovDecisionFilters]) -> Any:
    prog = _programme(request, programme)
    qs = _decisions(request, prog)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.group:
        qs = qs.filter(meeting__group__code=filters.group.upper())
    if filters.open_conditions:
        qs = qs.filter(open_conditions__gt=0)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(document_title__icontains=filters.q))
    return _Outs(qs.order_by("-decided_on", "-number"), _decision_out)


@router.post(
    "/programmes/{programme}/decisions",
    response={201: GovDecisionDetail},
    summary="Record a decision (the office)",
)
def record_decision(request: HttpRequest, programme: ProgrammePath, payload: GovDecisionIn) -> Status:
    prog = _programme(request, programme)
    meeting = None
    if payload.meeting is not None or payload.group is not None:
        if payload.meeting is None or payload.group is None:
            raise ActionError("Give both the group and the meeting's number", field="meeting")
        meeting = Meeting.objects.filter(
            group__programme=prog, group__code=payload.group.upper(), number=payload.meeting
        ).first()
        if meeting is None:
            raise ActionError(f"{payload.group.upper()} has no meeting #{payload.meeting}", field="meeting")
    agenda_item = None
    if payload.agenda_item is not None:
        if meeting is None:
            raise ActionError("An agenda item belongs to a meeting: give it", field="agenda_item")
        agenda_item = AgendaItem.objects.filter(meeting=meeting, position=payload.agenda_item).first()
        if agenda_item is None:
            raise ActionError(f"The agenda has no item {payload.agenda_item}", field="agenda_item")
    conditions = [
        {
            "text": c.text,
            "owner_organisation": _organisation(c.owner_organisation, f"conditions[{i}].owner_organisation"),
            "due_date": c.due_date,
        }
        for i, c in enumerate(payload.conditions)
    ]
    decision = actions.record_decision(
        actor=_actor(request),
        programme=prog,
        title=payload.title,
        outcome=payload.outcome,
        decided_on=payload.decided_on,
        meeting=meeting,
        agenda_item=agenda_item,
        decided_by=payload.decided_by,
        document_title=payload.document_title,
        document_version=payload.document_version,
        summary=payload.summary,
        conditions=conditions,
    )
    return Status(201, _decision_detail(request, prog, decision.number))


@router.get("/programmes/{programme}/decisions/{number}", response=GovDecisionDetail, summary="A decision")
def get_decision(request: HttpRequest, programme: ProgrammePath, number: DecisionPath) -> Any:
    return _decision_detail(request, _programme(request, programme), number)


@router.post(
    "/programmes/{programme}/decisions/{number}/conditions/{condition_id}/close",
    response=GovDecisionConditionOut,
    summary="Close a decision's condition as met or waived (the office)",
)
def close_condition(
    request: HttpRequest,
    programme: ProgrammePath,
    number: DecisionPath,
    condition_id: ConditionPath,
    payload: GovConditionCloseIn,
) -> Any:
    prog = _programme(request, programme)
    decision = _decision(request, prog, number)
    condition = DecisionCondition.objects.filter(decision=decision, pk=condition_id).first()
    if condition is None:
        raise Http404("No such condition")
    done = actions.close_condition(
        actor=_actor(request), condition=condition, status=payload.status, note=payload.note
    )
    return _condition_out(
        DecisionCondition.objects.select_related("owner_organisation").get(pk=done.pk), timezone.localdate()
    )
