"""API: programme change requests (digest GV-07, GV-35, GV-37, GV-51) — the programme's list (filters,
pagination) and its GV-37 metrics, raising a draft, one CR with what the caller may do now
(``allowed_actions``), editing it and its milestone changes, an endpoint per lifecycle step, the impact
assessments (a participant reads and posts only its own; the office and assurers read all, and who has not
answered), and the conversation.

Every read starts from :mod:`busbar.programmes.queries` (a programme or CR outside it is a 404); every change
goes through :mod:`busbar.programmes.actions.changes`, refused there by the permissions (403), by
``CR_TRANSITIONS`` (409, naming the current status and the allowed ones) or as bad input (422).
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.lib.pagination import Page
from busbar.lib.problems import transition_refused
from busbar.lib.schema import Code, Day, Id, InputSchema, Ref, RefPath, Text
from busbar.parties.models import Organisation
from busbar.programmes import cr_metrics, permissions, queries
from busbar.programmes.actions import changes as actions
from busbar.programmes.models import (
    CR_TRANSITIONS,
    OPEN_CR_STATUSES,
    Baseline,
    ChangeRequest,
    Criticality,
    CrStatus,
    ImpactLevel,
    Meeting,
    Milestone,
    Position,
)
from busbar.programmes.permissions import changes as cr_permissions
from busbar.programmes.workdays import for_programme
from busbar.records import queries as record_queries
from busbar.records.api import EntryOut, LinkedOut, linked
from busbar.testing.access import Access, access_for
from busbar.testing.models import Programme

router = Router(tags=["Programmes: change requests"])

S = CrStatus
StatusValue = Literal[tuple(CrStatus.values)]  # type: ignore[valid-type]
CriticalityValue = Literal[tuple(Criticality.values)]  # type: ignore[valid-type]
ImpactValue = Literal[tuple(ImpactLevel.values)]  # type: ignore[valid-type]
PositionValue = Literal[tuple(Position.values)]  # type: ignore[valid-type]
Title = Annotated[str, Field(min_length=1, max_length=actions.TITLE_MAX)]
MilestoneCode = Annotated[str, Field(min_length=1, max_length=20, description="e.g. M14 or CP4")]


# -- what the pages and the API share ------------------------------------------------------------------


def respond_organisations(access: Access, cr: ChangeRequest) -> list[Organisation]:
    """The caller's organisations asked to respond to ``cr`` (usually one)."""
    if not access.organisation_ids:
        return []
    return list(
        Organisation.objects.filter(pk__in=cr_metrics.respondent_ids(cr.programme_id))
        .filter(pk__in=sorted(access.organisation_ids))
        .order_by("name")
    )


def allowed_on_cr(
    access: Access, cr: ChangeRequest, respond_orgs: list[Organisation] | None = None
) -> list[str]:
    """What ``access`` may do on ``cr`` now (the same rules the actions apply)."""
    verbs: list[str] = []
    if cr.status in OPEN_CR_STATUSES and permissions.can_edit_cr(access, cr) is None:
        verbs += ["edit", "milestone", "remove-milestone"]
    if permissions.can_decide_cr(access, cr) is None:
        step = {
            S.DRAFT: ["issue"],
            S.IMPACT_ASSESSMENT: ["close-responses"],
            S.REVIEW: ["approve", "reject", "reissue", "hold"],
            S.ON_HOLD: ["resume"],
        }
        verbs += step.get(cr.status, [])
        if S.WITHDRAWN in CR_TRANSITIONS.get(cr.status, set()):
            verbs.append("withdraw")
    if cr.status == S.IMPACT_ASSESSMENT:
        orgs = respond_orgs if respond_orgs is not None else respond_organisations(access, cr)
        if any(cr_permissions.can_respond(access, cr, o.pk) is None for o in orgs):
            verbs.append("respond")
    if cr_permissions.can_comment_cr(access, cr) is None:
        verbs.append("update")
    if cr_permissions.can_note_cr(access, cr) is None:
        verbs.append("note")
    return verbs


def milestone_rows(cr: ChangeRequest) -> list[dict[str, Any]]:
    """The milestones the CR moves: the baseline date now (before approval) or the one it had (after),
    the proposed date and the shift in working days on the programme's calendar."""
    moves = list(
        cr.milestone_changes.select_related("milestone").order_by("milestone__order", "milestone_id")
    )
    approved = cr.status == S.APPROVED
    dates = [d for mc in moves for d in (mc.proposed_date, mc.previous_date, mc.milestone.baseline_date) if d]
    days = for_programme(cr.programme_id, around=dates) if dates else None
    rows = []
    for mc in moves:
        current = mc.previous_date if approved else mc.milestone.baseline_date
        rows.append(
            {
                "change": mc,
                "milestone": mc.milestone,
                "current": current,
                "proposed": mc.proposed_date,
                "shift": days.between(current, mc.proposed_date) if days and current else None,
                "calendar_days": (mc.proposed_date - current).days if current else None,
            }
        )
    return rows


def baselines_of(cr: ChangeRequest) -> tuple[Baseline | None, Baseline | None]:
    """(the baseline before the CR's, the one its approval wrote); (None, None) when it wrote none."""
    written = Baseline.objects.filter(change_request=cr).first()
    if written is None:
        return None, None
    before = (
        Baseline.objects.filter(programme_id=cr.programme_id, number__lt=written.number)
        .order_by("-number")
        .first()
    )
    return before, written


def non_responders(cr: ChangeRequest) -> QuerySet:
    """The organisations asked to respond that have not answered the current round."""
    answered = cr.responses.filter(round=cr.round).values("organisation_id")
    return (
        Organisation.objects.filter(pk__in=cr_metrics.respondent_ids(cr.programme_id))
        .exclude(pk__in=answered)
        .order_by("name")
    )


def responses_for(user, cr: ChangeRequest) -> QuerySet:
    return (
        queries.responses_visible_to(user)
        .filter(change_request=cr)
        .select_related("organisation", "submitted_by")
        .order_by("-round", "organisation__name")
    )


# -- output --------------------------------------------------------------------------------------------


class _GovCrFields(Schema):
    reference: str = Field(..., description="The kernel reference, e.g. PCR0000001")
    title: str
    status: StatusValue  # type: ignore[valid-type]
    criticality: CriticalityValue  # type: ignore[valid-type]
    round: int = Field(..., description="The impact-assessment round (0: never issued)")
    issued_on: dt.date | None
    ia_deadline: dt.date | None = Field(..., description="Impact assessments due (working days on)")
    assurance_deadline: dt.date | None
    needed_by: dt.date | None
    decided_on: dt.date | None
    created_at: dt.datetime


class GovCrSummary(_GovCrFields):
    ref: str = Field(..., description="The programme's own reference, e.g. CR001")
    programme: str = Field(..., description="The programme's code")
    raised_by: Ref
    late: bool = Field(..., description="Decided after needed_by, or still open past it (GV-37)")

    @staticmethod
    def resolve_ref(obj: ChangeRequest) -> str:
        return obj.display_ref

    @staticmethod
    def resolve_programme(obj: ChangeRequest) -> str:
        return obj.programme.code

    @staticmethod
    def resolve_raised_by(obj: ChangeRequest) -> dict:
        return {"id": obj.raised_by_id, "name": obj.raised_by.name}

    @staticmethod
    def resolve_late(obj: ChangeRequest) -> bool:
        return cr_metrics.is_late(obj)


class GovCrMilestoneChangeOut(Schema):
    milestone: str = Field(..., description="The milestone's code")
    name: str
    regulatory: bool
    current_baseline: dt.date | None = Field(
        ..., description="Before approval: the baseline date now; after: the date it had"
    )
    proposed_date: dt.date
    shift_working_days: int | None
    note: str


class GovCrResponseOut(Schema):
    organisation: Ref
    round: int
    impact: str
    position: str
    response: str
    cost_or_effort: str
    submitted_at: dt.datetime
    submitted_by: str
    late: bool

    @staticmethod
    def resolve_organisation(obj) -> dict:
        return {"id": obj.organisation_id, "name": obj.organisation.name}

    @staticmethod
    def resolve_submitted_by(obj) -> str:
        return obj.submitted_by.display_name if obj.submitted_by_id else ""


class GovCrDecisionOut(Schema):
    number: int
    outcome: str
    decided_on: dt.date
    decided_by: str
    summary: str


class GovCrDetail(_GovCrFields):
    ref: str = Field(..., description="The programme's own reference, e.g. CR001")
    programme: str = Field(..., description="The programme's code")
    raised_by: Ref
    late: bool = Field(..., description="Decided after needed_by, or still open past it (GV-37)")
    description: str
    reason: str
    decision_note: str
    milestone_changes: list[GovCrMilestoneChangeOut]
    responses: list[GovCrResponseOut] = Field(
        ..., description="Every round; a participant sees only its own organisation's"
    )
    non_responders: list[Ref] | None = Field(
        ..., description="Who has not answered the current round (the office and assurers; else null)"
    )
    baseline: int | None = Field(..., description="The baseline its approval wrote")
    previous_baseline: int | None
    decisions: list[GovCrDecisionOut]
    updates: list[EntryOut] = Field(..., description="Internal notes only for those who work the CR")
    links: list[LinkedOut]
    allowed_actions: list[str] = Field(
        ...,
        description="edit, milestone, remove-milestone, issue, close-responses, approve, reject, reissue, "
        "hold, resume, withdraw, respond, update, note",
    )
    watching: bool


class GovCrCriticalityOut(Schema):
    criticality: str
    total: int
    percent_of_all: float
    counts: dict[str, int]
    late: int


class GovCrRoundOut(Schema):
    reference: str
    ref: str
    round: int
    current: bool
    received: int
    late: int
    expected: int


class GovCrMetricsOut(Schema):
    total: int
    counts: dict[str, int] = Field(..., description="approved, rejected, on_hold, open, withdrawn")
    percentages: dict[str, float]
    by_criticality: list[GovCrCriticalityOut]
    late: int
    late_percent: float
    decided: int
    average_days_to_decision: float | None = Field(..., description="Calendar days from raised to decided")
    expected_respondents: int
    rounds: list[GovCrRoundOut]


def _detail(request: HttpRequest, cr: ChangeRequest) -> dict[str, Any]:
    user = request.user
    access = access_for(user)
    before, written = baselines_of(cr)
    return {
        "reference": cr.reference,
        "ref": cr.display_ref,
        "title": cr.title,
        "status": cr.status,
        "criticality": cr.criticality,
        "round": cr.round,
        "issued_on": cr.issued_on,
        "ia_deadline": cr.ia_deadline,
        "assurance_deadline": cr.assurance_deadline,
        "needed_by": cr.needed_by,
        "decided_on": cr.decided_on,
        "created_at": cr.created_at,
        "programme": cr.programme.code,
        "raised_by": {"id": cr.raised_by_id, "name": cr.raised_by.name},
        "late": cr_metrics.is_late(cr),
        "description": cr.description,
        "reason": cr.reason,
        "decision_note": cr.decision_note,
        "milestone_changes": [
            {
                "milestone": r["milestone"].code,
                "name": r["milestone"].name,
                "regulatory": r["milestone"].regulatory,
                "current_baseline": r["current"],
                "proposed_date": r["proposed"],
                "shift_working_days": r["shift"],
                "note": r["change"].note,
            }
            for r in milestone_rows(cr)
        ],
        "responses": list(responses_for(user, cr)),
        "non_responders": (
            [{"id": o.pk, "name": o.name} for o in non_responders(cr)]
            if queries.has_oversight(access, cr.programme_id) and cr.round
            else None
        ),
        "baseline": written.number if written else None,
        "previous_baseline": before.number if before else None,
        "decisions": list(
            cr.decisions.order_by("decided_on", "number").values(
                "number", "outcome", "decided_on", "decided_by", "summary"
            )
        ),
        "updates": list(record_queries.entries_visible_to(user, cr).order_by("created_at", "id")),
        "links": linked(user, cr),
        "allowed_actions": allowed_on_cr(access, cr),
        "watching": record_queries.is_watching(user, cr),
    }


# -- input ---------------------------------------------------------------------------------------------


class GovCrMilestoneChangeIn(InputSchema):
    milestone: MilestoneCode
    proposed_date: Day


class GovCrRaiseIn(InputSchema):
    title: Title
    description: Text
    reason: Text = ""
    criticality: CriticalityValue = Criticality.MEDIUM.value  # type: ignore[valid-type]
    needed_by: Day | None = Field(None, description="The date a decision is needed by (GV-37: late CRs)")
    milestone_changes: list[GovCrMilestoneChangeIn] = Field(
        default_factory=list, max_length=actions.MAX_MILESTONES, description="The milestones it moves"
    )


class GovCrPatchIn(InputSchema):
    title: Title | None = None
    description: Text | None = None
    reason: Text | None = None
    criticality: CriticalityValue | None = None  # type: ignore[valid-type]
    needed_by: Day | None = None
    milestone_changes: list[GovCrMilestoneChangeIn] | None = Field(
        None, max_length=actions.MAX_MILESTONES, description="Replaces the milestones it moves"
    )


class GovCrNoteIn(InputSchema):
    note: Text = ""


class GovCrWithdrawIn(InputSchema):
    reason: Text = ""


class GovCrMeetingIn(InputSchema):
    group: Code = Field(..., description="The group's code, e.g. TMAG")
    number: Annotated[int, Field(ge=1, le=100_000)]


class GovCrApproveIn(InputSchema):
    note: Text = ""
    decided_by: Annotated[str, Field(max_length=actions.DECIDED_BY_MAX)] = Field(
        "", description="e.g. SRO (the default), DAG, PSG"
    )
    regulator_approval: Text = Field(
        "", description="Required when a regulatory milestone moves: how the regulator approved it"
    )
    meeting: GovCrMeetingIn | None = None


class GovCrRejectIn(InputSchema):
    note: Text = Field(..., description="Why it is rejected")
    decided_by: Annotated[str, Field(max_length=actions.DECIDED_BY_MAX)] = ""
    meeting: GovCrMeetingIn | None = None


class GovCrRespondIn(InputSchema):
    organisation: Id | None = Field(None, description="The responding organisation (default: yours)")
    impact: ImpactValue  # type: ignore[valid-type]
    position: PositionValue  # type: ignore[valid-type]
    response: Text
    cost_or_effort: Annotated[str, Field(max_length=actions.COST_MAX)] = ""


class GovCrUpdateIn(InputSchema):
    body: Text
    internal: bool = False


class GovCrFilters(Schema):
    status: StatusValue | None = None  # type: ignore[valid-type]
    state: Literal["open", "closed"] | None = Field(None, description="Open (draft to on hold) or closed")
    criticality: CriticalityValue | None = None  # type: ignore[valid-type]
    late: bool | None = Field(None, description="Only late CRs (GV-37)")


# -- helpers -------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _programme(request: HttpRequest, code: str) -> Programme:
    return get_object_or_404(queries.programmes_visible_to(request.user), code=code)


def _cr(request: HttpRequest, reference: str) -> ChangeRequest:
    qs = record_queries.with_watching(queries.cr_visible_to(request.user), request.user)
    return get_object_or_404(
        qs.select_related("programme", "raised_by", "record"), reference=reference.upper()
    )


def _milestones(programme_id: int, rows: list[GovCrMilestoneChangeIn]) -> dict[Milestone, dt.date]:
    codes = [r.milestone for r in rows]
    found = {m.code: m for m in Milestone.objects.filter(programme_id=programme_id, code__in=codes)}
    out: dict[Milestone, dt.date] = {}
    for index, row in enumerate(rows):
        milestone = found.get(row.milestone)
        if milestone is None:
            raise ActionError(f"No milestone {row.milestone}", field=f"milestone_changes[{index}].milestone")
        if milestone in out:
            raise ActionError(
                f"{row.milestone} is named twice", field=f"milestone_changes[{index}].milestone"
            )
        out[milestone] = row.proposed_date
    return out


def _meeting(cr: ChangeRequest, given: GovCrMeetingIn | None) -> Meeting | None:
    if given is None:
        return None
    found = (
        Meeting.objects.select_related("group")
        .filter(group__programme_id=cr.programme_id, group__code=given.group, number=given.number)
        .first()
    )
    if found is None:
        raise ActionError(f"No meeting {given.group} #{given.number}", field="meeting")
    return found


def _change(request: HttpRequest, reference: str, func: Any, **kwargs: Any) -> Any:
    cr = _cr(request, reference)
    try:
        func(actor=_actor(request), cr=cr, **kwargs)
    except IllegalTransition as exc:
        current = ChangeRequest.objects.filter(pk=cr.pk).values_list("status", flat=True).get()
        return transition_refused(request, exc, current=current, allowed=CR_TRANSITIONS.get(current, ()))
    return _detail(request, _cr(request, reference))


def filter_crs(qs: QuerySet, data: dict[str, Any], today: dt.date | None = None) -> QuerySet:
    """``qs`` narrowed by the list's filters (status, state/open, criticality, late)."""
    status = data.get("status")
    if status == "open":
        qs = qs.filter(status__in=list(OPEN_CR_STATUSES))
    elif status:
        qs = qs.filter(status=status)
    if data.get("state") == "open":
        qs = qs.filter(status__in=list(OPEN_CR_STATUSES))
    elif data.get("state") == "closed":
        qs = qs.exclude(status__in=list(OPEN_CR_STATUSES))
    if data.get("criticality"):
        qs = qs.filter(criticality=data["criticality"])
    if data.get("late") in (True, "yes"):
        qs = qs.filter(cr_metrics.late_q(today or timezone.localdate()))
    return qs


# -- endpoints -----------------------------------------------------------------------------------------


@router.get(
    "/programmes/{programme}/change-requests",
    response=list[GovCrSummary],
    summary="A programme's change requests (newest first)",
)
@paginate(Page)
def list_crs(request: HttpRequest, programme: Code, filters: Query[GovCrFilters]) -> Any:
    prog = _programme(request, programme)
    qs = queries.cr_visible_to(request.user).filter(programme=prog).select_related("programme", "raised_by")
    return filter_crs(qs, filters.dict(exclude_none=True)).order_by("-number")


@router.post(
    "/programmes/{programme}/change-requests",
    response={201: GovCrDetail},
    summary="Raise a draft change request (any participant)",
)
def raise_cr(request: HttpRequest, programme: Code, payload: GovCrRaiseIn) -> Status:
    prog = _programme(request, programme)
    cr = actions.raise_cr(
        actor=_actor(request),
        programme=prog,
        title=payload.title,
        description=payload.description,
        reason=payload.reason,
        criticality=payload.criticality,
        needed_by=payload.needed_by,
        milestone_changes=_milestones(prog.pk, payload.milestone_changes),
    )
    return Status(201, _detail(request, _cr(request, cr.reference)))


@router.get(
    "/programmes/{programme}/change-requests/metrics",
    response=GovCrMetricsOut,
    summary="GV-37 change-request metrics: approved / rejected / on hold, by criticality, late, responses",
)
def cr_metrics_out(request: HttpRequest, programme: Code) -> dict:
    prog = _programme(request, programme)
    m = cr_metrics.metrics(prog.pk)
    return {
        "total": m.total,
        "counts": {b: m.counts.get(b, 0) for b in cr_metrics.BUCKETS},
        "percentages": m.percentages,
        "by_criticality": [
            {
                "criticality": r.criticality,
                "total": r.total,
                "percent_of_all": r.share,
                "counts": r.counts,
                "late": r.late,
            }
            for r in m.by_criticality
        ],
        "late": m.late,
        "late_percent": m.late_percent,
        "decided": m.decided,
        "average_days_to_decision": m.average_days_to_decision,
        "expected_respondents": m.expected,
        "rounds": [
            {
                "reference": r.reference,
                "ref": r.display_ref,
                "round": r.round,
                "current": r.current,
                "received": r.received,
                "late": r.late,
                "expected": r.expected,
            }
            for r in m.rounds
        ],
    }


@router.get("/programmes/change-requests/{reference}", response=GovCrDetail, summary="One change request")
def get_cr(request: HttpRequest, reference: RefPath) -> dict:
    return _detail(request, _cr(request, reference))


@router.patch(
    "/programmes/change-requests/{reference}",
    response=GovCrDetail,
    summary="Edit a change request (the raiser while a draft, the office until decided)",
)
def edit_cr(request: HttpRequest, reference: RefPath, payload: GovCrPatchIn) -> Any:
    cr = _cr(request, reference)
    fields = payload.dict(exclude_unset=True)
    if "milestone_changes" in fields:
        rows = payload.milestone_changes
        fields["milestone_changes"] = _milestones(cr.programme_id, rows) if rows is not None else None
    for name in ("title", "description", "criticality"):
        if name in fields and fields[name] is None:
            raise ActionError(f"{name} cannot be null", field=name)
    if "reason" in fields and fields["reason"] is None:
        fields["reason"] = ""
    if not fields:
        raise ActionError("Nothing to change", field="body")
    return _change(request, reference, actions.edit_cr, **fields)


@router.post(
    "/programmes/change-requests/{reference}/issue",
    response=GovCrDetail,
    summary="Issue for impact assessment",
)
def issue(request: HttpRequest, reference: RefPath) -> Any:
    return _change(request, reference, actions.issue_for_assessment)


@router.post(
    "/programmes/change-requests/{reference}/close-responses",
    response=GovCrDetail,
    summary="Close the impact-assessment round: to review",
)
def close_responses(request: HttpRequest, reference: RefPath, payload: GovCrNoteIn) -> Any:
    return _change(request, reference, actions.close_responses, note=payload.note)


@router.post(
    "/programmes/change-requests/{reference}/approve",
    response=GovCrDetail,
    summary="Approve: a decision, and the next baseline when it moves milestones",
)
def approve(request: HttpRequest, reference: RefPath, payload: GovCrApproveIn) -> Any:
    cr = _cr(request, reference)
    return _change(
        request,
        reference,
        actions.approve_cr,
        note=payload.note,
        decided_by=payload.decided_by,
        regulator_approval=payload.regulator_approval,
        meeting=_meeting(cr, payload.meeting),
    )


@router.post("/programmes/change-requests/{reference}/reject", response=GovCrDetail, summary="Reject")
def reject(request: HttpRequest, reference: RefPath, payload: GovCrRejectIn) -> Any:
    cr = _cr(request, reference)
    return _change(
        request,
        reference,
        actions.reject_cr,
        note=payload.note,
        decided_by=payload.decided_by,
        meeting=_meeting(cr, payload.meeting),
    )


@router.post(
    "/programmes/change-requests/{reference}/reissue",
    response=GovCrDetail,
    summary="Re-issue for a further round of impact assessment",
)
def reissue(request: HttpRequest, reference: RefPath, payload: GovCrNoteIn) -> Any:
    return _change(request, reference, actions.reissue_cr, note=payload.note)


@router.post("/programmes/change-requests/{reference}/hold", response=GovCrDetail, summary="Put on hold")
def hold(request: HttpRequest, reference: RefPath, payload: GovCrNoteIn) -> Any:
    return _change(request, reference, actions.hold_cr, note=payload.note)


@router.post("/programmes/change-requests/{reference}/resume", response=GovCrDetail, summary="Back to review")
def resume(request: HttpRequest, reference: RefPath, payload: GovCrNoteIn) -> Any:
    return _change(request, reference, actions.resume_cr, note=payload.note)


@router.post("/programmes/change-requests/{reference}/withdraw", response=GovCrDetail, summary="Withdraw")
def withdraw(request: HttpRequest, reference: RefPath, payload: GovCrWithdrawIn) -> Any:
    return _change(request, reference, actions.withdraw_cr, reason=payload.reason)


@router.get(
    "/programmes/change-requests/{reference}/responses",
    response=list[GovCrResponseOut],
    summary="Impact assessments (a participant: only its own)",
)
@paginate(Page)
def list_responses(request: HttpRequest, reference: RefPath) -> Any:
    return responses_for(request.user, _cr(request, reference))


@router.post(
    "/programmes/change-requests/{reference}/responses",
    response={201: GovCrResponseOut},
    summary="Send (or replace) your organisation's impact assessment of the current round",
)
def respond(request: HttpRequest, reference: RefPath, payload: GovCrRespondIn) -> Any:
    cr = _cr(request, reference)
    access = access_for(request.user)
    if payload.organisation is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation, is_active=True).first()
        if organisation is None:
            raise ActionError(f"No organisation {payload.organisation}", field="organisation")
    else:
        mine = respond_organisations(access, cr)
        if not mine:
            # The permission names why (not a participant, read only, not open for responses).
            organisation = Organisation.objects.filter(pk__in=sorted(access.organisation_ids)).first()
            if organisation is None:
                raise ActionError("Name the responding organisation", field="organisation")
        else:
            organisation = mine[0]
    done = actions.respond(
        actor=_actor(request),
        cr=cr,
        organisation=organisation,
        impact=payload.impact,
        position=payload.position,
        response=payload.response,
        cost_or_effort=payload.cost_or_effort,
    )
    return Status(201, responses_for(request.user, cr).get(pk=done.pk))


@router.get(
    "/programmes/change-requests/{reference}/updates", response=list[EntryOut], summary="The conversation"
)
@paginate(Page)
def list_updates(request: HttpRequest, reference: RefPath) -> Any:
    cr = _cr(request, reference)
    return record_queries.entries_visible_to(request.user, cr).order_by("created_at", "id")


@router.post(
    "/programmes/change-requests/{reference}/updates",
    response={201: EntryOut},
    summary="Add an update (or, the office, an internal note)",
)
def add_update(request: HttpRequest, reference: RefPath, payload: GovCrUpdateIn) -> Status:
    cr = _cr(request, reference)
    entry = actions.add_update(actor=_actor(request), cr=cr, body=payload.body, internal=payload.internal)
    return Status(201, record_queries.entries_visible_to(request.user, cr).get(pk=entry.pk))
