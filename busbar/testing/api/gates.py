"""API: quality gates, their criteria (evaluated now, with what blocks), assessments with evidence, the
board's decisions and the conditions tracked to closure (digest §6.2).

Every read starts from :mod:`busbar.testing.queries` (a gate, criterion, condition or evidence file
outside it is a 404); every change goes through :mod:`busbar.testing.actions.gates`, refused there by
:mod:`busbar.testing.permissions` (403), by the gate's transition table (409) or as bad input (422).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ValidationError, WithJsonSchema

from busbar.lib.actions import ActionError, Actor
from busbar.lib.limits import text_max
from busbar.lib.schema import Day, Id, IdPath, InputSchema, Line, Text
from busbar.parties.models import Organisation
from busbar.testing import criteria, permissions, queries
from busbar.testing.access import access_for
from busbar.testing.actions import gates as actions
from busbar.testing.models import (
    AutoRule,
    ConditionStatus,
    CriterionStatus,
    Gate,
    GateCondition,
    GateDecision,
    GateKind,
    GateStatus,
)

router = Router(tags=["Testing: gates"])

Checklist = Literal[tuple(criteria.CHECKLISTS)]  # type: ignore[valid-type]
Rule = Literal[tuple(AutoRule.values)]  # type: ignore[valid-type]
Percent = Annotated[
    Decimal,
    Field(gt=0, le=100, max_digits=5, decimal_places=2),
    WithJsonSchema(
        {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 100,
            "multipleOf": 0.01,
            "description": "0 to 100",
        }
    ),
]
Outcome = Literal[GateStatus.GO.value, GateStatus.GO_WITH_CONDITIONS.value, GateStatus.NO_GO.value]
_FILE_CONTENT = {"*/*": {"schema": {"type": "string", "format": "binary"}}}  # the file's own type


# -- output ----------------------------------------------------------------------------------------------


class GateEvidenceOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    created_at: dt.datetime
    url: str


class GateCriterionOut(Schema):
    id: int
    order: int
    text: str
    mandatory: bool
    automatic: bool
    auto_rule: str
    rule_phase: int | None
    threshold: Decimal | None
    status: str = Field(..., description="met, not_met, not_assessed or waived (automatic: computed now)")
    detail: str = Field(
        ...,
        description="What the status rests on; for a blocking criterion, what blocks it (to a participant: "
        "counts, its own figures and only the issues and reports it may open)",
    )
    blocking: bool = Field(..., description="Mandatory and neither met nor waived")
    evidence_count: int
    evidence_note: str
    assessed_at: dt.datetime | None


class GateConditionOut(Schema):
    id: int
    text: str
    owner: dict[str, Any]
    due_on: dt.date | None
    status: str
    overdue: bool
    closed_at: dt.datetime | None
    closing_note: str


class GateDecisionOut(Schema):
    id: int
    outcome: str
    note: str
    decided_at: dt.datetime
    decided_by_organisation: str | None
    criteria: list[dict[str, Any]] = Field(
        ...,
        description="The criteria as they stood when decided (a computed criterion's detail is withheld "
        "from those who do not read the whole programme)",
    )


class GateOut(Schema):
    id: int
    phase: int
    kind: str
    name: str
    board: dict[str, Any]
    board_label: str
    planned_date: dt.date | None
    status: str
    decided_at: dt.datetime | None
    criteria: list[GateCriterionOut]
    blocking: list[str] = Field(..., description="The texts of the criteria that block a go now")
    open_conditions: list[GateConditionOut]


class GateDetail(GateOut):
    decisions: list[GateDecisionOut]
    conditions: list[GateConditionOut]
    allowed_actions: list[str] = Field(..., description="add-criterion, assess, decide")
    post_phase: list[str] = Field(
        ..., description="Once an exit gate is passed under the one-cohort rule: who continues post-SIT"
    )


def _criterion_out(state: criteria.CriterionState) -> dict[str, Any]:
    c = state.criterion
    return {
        "id": c.pk,
        "order": c.order,
        "text": c.text,
        "mandatory": c.mandatory,
        "automatic": state.automatic,
        "auto_rule": c.auto_rule,
        "rule_phase": c.rule_phase_id,
        "threshold": c.threshold,
        "status": state.status,
        "detail": state.detail,
        "blocking": state.blocking,
        "evidence_count": state.evidence_count,
        "evidence_note": c.evidence_note,
        "assessed_at": c.assessed_at,
    }


def _condition_out(c: GateCondition) -> dict[str, Any]:
    return {
        "id": c.pk,
        "text": c.text,
        "owner": {"id": c.owner_id, "name": c.owner.name},
        "due_on": c.due_on,
        "status": c.status,
        "overdue": c.status == ConditionStatus.OPEN
        and c.due_on is not None
        and c.due_on < timezone.localdate(),
        "closed_at": c.closed_at,
        "closing_note": c.closing_note,
    }


def _gate_out(gate: Gate, states: list[criteria.CriterionState], conditions: list[GateCondition]) -> dict:
    return {
        "id": gate.pk,
        "phase": gate.phase_id,
        "kind": gate.kind,
        "name": gate.name,
        "board": {"id": gate.board_id, "name": gate.board.name},
        "board_label": gate.board_label,
        "planned_date": gate.planned_date,
        "status": gate.status,
        "decided_at": gate.decided_at,
        "criteria": [_criterion_out(s) for s in states],
        "blocking": [s.criterion.text for s in states if s.blocking],
        "open_conditions": [_condition_out(c) for c in conditions if c.status == ConditionStatus.OPEN],
    }


def allowed_on_gate(access, gate: Gate) -> list[str]:
    """What ``access`` may do on ``gate`` now (the same rules the actions apply)."""
    allowed = []
    decided = gate.status in (GateStatus.GO, GateStatus.GO_WITH_CONDITIONS)
    if not decided and permissions.can_manage_phase(access, gate.phase) is None:
        allowed += ["add-criterion", "assess"]
    if criteria.GATE_TRANSITIONS.get(gate.status) and permissions.can_decide_gate(access, gate) is None:
        allowed.append("decide")
    return allowed


def _detail(request: HttpRequest, gate: Gate) -> dict[str, Any]:
    access = access_for(request.user)
    states = criteria.evaluate_gate(gate, access)
    conditions = list(
        queries.conditions_visible_to(request.user).filter(gate=gate).order_by("status", "due_on", "id")
    )
    decisions = (
        GateDecision.objects.filter(gate=gate)
        .select_related("decided_by_organisation")
        .order_by("-decided_at", "-id")[:50]
    )
    out = _gate_out(gate, states, conditions)
    out["decisions"] = [
        {
            "id": d.pk,
            "outcome": d.outcome,
            "note": d.note,
            "decided_at": d.decided_at,
            "decided_by_organisation": str(d.decided_by_organisation) if d.decided_by_organisation else None,
            "criteria": criteria.snapshot_for(d.criteria, access, gate.phase.programme_id),
        }
        for d in decisions
    ]
    out["conditions"] = [_condition_out(c) for c in conditions]
    out["allowed_actions"] = allowed_on_gate(access, gate)
    exited = gate.kind == GateKind.EXIT and gate.status in (GateStatus.GO, GateStatus.GO_WITH_CONDITIONS)
    out["post_phase"] = (
        [str(p.organisation) for p in criteria.post_phase_participants(gate.phase)] if exited else []
    )
    return out


# -- input -----------------------------------------------------------------------------------------------


class GateIn(InputSchema):
    kind: Literal["entry", "exit"]
    name: Line
    board: Id = Field(..., description="The organisation (an approval board of the programme) that decides")
    board_label: Annotated[str, Field(max_length=120)] = ""
    planned_date: Day | None = None
    checklist: Checklist | None = Field(  # type: ignore[valid-type]
        None, description="Start from a standard checklist: " + ", ".join(criteria.CHECKLISTS)
    )


class GateCriterionIn(InputSchema):
    text: Annotated[str, Field(max_length=300)]
    mandatory: bool = True
    auto_rule: Rule = ""  # type: ignore[valid-type]
    rule_phase: Id | None = Field(None, description="For report_approved: the phase whose report counts")
    threshold: Percent | None = Field(None, description="For mandatory_pass_rate: the percentage")


class GateAssessIn(InputSchema):
    status: Literal[tuple(CriterionStatus.values)]  # type: ignore[valid-type]
    evidence_note: Text | None = Field(
        None, description="Where the evidence is, or what it shows (omitted: kept as it is)"
    )


class GateConditionIn(InputSchema):
    text: Annotated[str, Field(min_length=1, max_length=500)]
    owner: Id
    due_on: Day


class GateDecisionIn(InputSchema):
    outcome: Outcome  # type: ignore[valid-type]
    note: Text = ""
    conditions: list[GateConditionIn] = Field(default_factory=list, max_length=actions.MAX_CONDITIONS)


class GateConditionCloseIn(InputSchema):
    note: Text


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _phase(request: HttpRequest, phase_id: int):
    return get_object_or_404(queries.phases_visible_to(request.user), pk=phase_id)


def _gate(request: HttpRequest, gate_id: int) -> Gate:
    return get_object_or_404(
        queries.gates_visible_to(request.user).select_related("phase__owner"), pk=gate_id
    )


# -- endpoints -------------------------------------------------------------------------------------------


@router.get(
    "/testing/phases/{phase_id}/gates", response=list[GateOut], summary="A phase's gates, evaluated now"
)
def list_gates(request: HttpRequest, phase_id: IdPath) -> Any:
    phase = _phase(request, phase_id)
    gates = list(
        queries.gates_visible_to(request.user).filter(phase=phase).order_by("kind", "planned_date", "id")
    )
    states = criteria.evaluate_gates(gates, access_for(request.user))
    conditions: dict[int, list[GateCondition]] = {g.pk: [] for g in gates}
    for c in queries.conditions_visible_to(request.user).filter(gate__in=gates, status=ConditionStatus.OPEN):
        conditions[c.gate_id].append(c)
    return [_gate_out(g, states[g.pk], conditions[g.pk]) for g in gates]


@router.post("/testing/phases/{phase_id}/gates", response={201: GateDetail}, summary="Add a gate (the SI)")
def create_gate(request: HttpRequest, phase_id: IdPath, payload: GateIn) -> Status:
    phase = _phase(request, phase_id)
    board = Organisation.objects.filter(pk=payload.board, is_active=True).first()
    if board is None:
        raise ActionError(f"No organisation {payload.board}", field="board")
    gate = actions.create_gate(
        actor=_actor(request),
        phase=phase,
        kind=payload.kind,
        name=payload.name,
        board=board,
        board_label=payload.board_label,
        planned_date=payload.planned_date,
        checklist=payload.checklist,
    )
    return Status(201, _detail(request, _gate(request, gate.pk)))


@router.get(
    "/testing/gates/{gate_id}", response=GateDetail, summary="One gate: criteria, decisions, conditions"
)
def get_gate(request: HttpRequest, gate_id: IdPath) -> Any:
    return _detail(request, _gate(request, gate_id))


@router.post("/testing/gates/{gate_id}/criteria", response={201: GateCriterionOut}, summary="Add a criterion")
def add_criterion(request: HttpRequest, gate_id: IdPath, payload: GateCriterionIn) -> Status:
    gate = _gate(request, gate_id)
    rule_phase = None
    if payload.rule_phase is not None:
        rule_phase = queries.phases_visible_to(request.user).filter(pk=payload.rule_phase).first()
        if rule_phase is None:
            raise ActionError(f"No phase {payload.rule_phase}", field="rule_phase")
    criterion = actions.add_criterion(
        actor=_actor(request),
        gate=gate,
        text=payload.text,
        mandatory=payload.mandatory,
        auto_rule=payload.auto_rule,
        rule_phase=rule_phase,
        threshold=payload.threshold,
    )
    criterion = queries.criteria_visible_to(request.user).select_related("gate__phase").get(pk=criterion.pk)
    return Status(201, _criterion_out(criteria.evaluate(criterion, access_for(request.user))))


def _uploads(request: HttpRequest) -> list[tuple[str, str, bytes]]:
    files = request.FILES.getlist("files")
    if len(files) > actions.MAX_FILES:
        raise ActionError(f"Attach at most {actions.MAX_FILES} files at a time", field="files")
    max_bytes = settings.BUSBAR_ATTACHMENT_MAX_BYTES
    out = []
    for index, f in enumerate(files):
        if f.size > max_bytes:
            raise ActionError(
                f"{f.name} is {f.size:,} bytes; the limit is {max_bytes:,}", field=f"files[{index}]"
            )
        out.append((f.name, f.content_type or "application/octet-stream", f.read()))
    return out


def _assessment(request: HttpRequest) -> tuple[GateAssessIn, list[tuple[str, str, bytes]]]:
    """The body: JSON ``{status, evidence_note}``, or multipart with ``status``, ``evidence_note`` and
    ``files``."""
    content_type = request.content_type or ""
    files: list[tuple[str, str, bytes]] = []
    if content_type == "multipart/form-data":
        try:
            form = request.POST
        except RequestDataTooBig:
            raise HttpError(413, "The request body is too large") from None
        except Exception as exc:  # MultiPartParserError
            raise ActionError(f"The multipart body could not be read: {exc}"[:200], field="files") from None
        data: Any = {k: form.get(k) for k in ("status", "evidence_note") if k in form}
        unknown = sorted(set(form) - {"status", "evidence_note"})
        if unknown:
            raise ActionError(f"Unknown field {unknown[0]!r}"[:200], field=unknown[0][:60])
        files = _uploads(request)
    elif content_type in ("application/json", ""):
        try:
            data = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ActionError("The body is not valid JSON", field="body") from None
    else:
        raise HttpError(415, "Send application/json, or multipart/form-data with the files as 'files'")
    try:
        return GateAssessIn.model_validate(data), files
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise ActionError(f"{field}: {first.get('msg', 'invalid')}"[:300], field=field[:60]) from None


@router.post(
    "/testing/criteria/{criterion_id}",
    response=GateCriterionOut,
    summary="Assess a criterion (the SI): status and evidence",
    openapi_extra={
        "responses": {415: {"description": "Neither JSON nor multipart/form-data"}},
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": GateAssessIn.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["status"],
                        "properties": {
                            "status": {"type": "string", "enum": list(CriterionStatus.values)},
                            "evidence_note": {"type": "string", "maxLength": text_max()},
                            "files": {
                                "type": "array",
                                "maxItems": actions.MAX_FILES,
                                "items": {"type": "string", "format": "binary"},
                            },
                        },
                    }
                },
            },
        },
    },
)
def assess(request: HttpRequest, criterion_id: IdPath) -> Any:
    criterion = get_object_or_404(
        queries.criteria_visible_to(request.user).select_related("gate__phase"), pk=criterion_id
    )
    payload, files = _assessment(request)
    actions.assess_criterion(
        actor=_actor(request),
        criterion=criterion,
        status=payload.status,
        evidence_note=payload.evidence_note,
        files=files,
    )
    fresh = queries.criteria_visible_to(request.user).select_related("gate__phase").get(pk=criterion.pk)
    return _criterion_out(criteria.evaluate(fresh, access_for(request.user)))


@router.get(
    "/testing/criteria/{criterion_id}/evidence",
    response=list[GateEvidenceOut],
    summary="A criterion's evidence",
)
def list_criterion_evidence(request: HttpRequest, criterion_id: IdPath) -> Any:
    criterion = get_object_or_404(queries.criteria_visible_to(request.user), pk=criterion_id)
    rows = (
        queries.evidence_visible_to(request.user)
        .filter(criterion=criterion)
        .order_by("created_at", "id")[:500]
    )
    return [
        {
            "id": e.pk,
            "filename": e.filename,
            "content_type": e.content_type,
            "size": e.size,
            "created_at": e.created_at,
            "url": f"/api/v1/testing/criteria/{criterion.pk}/evidence/{e.pk}",
        }
        for e in rows
    ]


@router.get(
    "/testing/criteria/{criterion_id}/evidence/{evidence_id}",
    summary="Download a criterion's evidence file",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "The file", "content": _FILE_CONTENT}}},
)
def download_criterion_evidence(
    request: HttpRequest, criterion_id: IdPath, evidence_id: IdPath
) -> FileResponse:
    evidence = get_object_or_404(
        queries.evidence_visible_to(request.user), pk=evidence_id, criterion_id=criterion_id
    )
    return evidence_response(evidence)


def evidence_response(evidence: Any) -> FileResponse:
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.filename, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/testing/gates/{gate_id}/decisions", response={201: GateDetail}, summary="Decide the gate (its board)"
)
def decide(request: HttpRequest, gate_id: IdPath, payload: GateDecisionIn) -> Status:
    gate = _gate(request, gate_id)
    owners = {
        o.pk: o
        for o in Organisation.objects.filter(pk__in=[c.owner for c in payload.conditions], is_active=True)
    }
    conditions = []
    for index, c in enumerate(payload.conditions):
        if c.owner not in owners:
            raise ActionError(f"No organisation {c.owner}", field=f"conditions[{index}].owner")
        conditions.append({"text": c.text, "owner": owners[c.owner], "due_on": c.due_on})
    actions.decide_gate(
        actor=_actor(request), gate=gate, outcome=payload.outcome, note=payload.note, conditions=conditions
    )
    return Status(201, _detail(request, _gate(request, gate_id)))


@router.post(
    "/testing/conditions/{condition_id}/close", response=GateConditionOut, summary="Close a condition"
)
def close_condition(request: HttpRequest, condition_id: IdPath, payload: GateConditionCloseIn) -> Any:
    condition = get_object_or_404(queries.conditions_visible_to(request.user), pk=condition_id)
    done = actions.close_condition(actor=_actor(request), condition=condition, note=payload.note)
    return _condition_out(GateCondition.objects.select_related("owner").get(pk=done.pk))
