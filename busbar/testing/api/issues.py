"""API: testing issues — the list (filters, pagination, CSV/XLSX export), one issue with what the caller may
do now (``allowed_actions``), its conversation and decision history, an endpoint per action, the triage
board and the triage-fairness report.

Every read starts from :func:`busbar.testing.queries.issues_visible_to` (an issue outside it is a 404);
every change goes through :mod:`busbar.testing.actions.issues`. A change the status table forbids is a 409
naming the current status and the allowed ones.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib import export
from busbar.lib.actions import ActionError, Actor, IllegalTransition, NotPermitted
from busbar.lib.pagination import Page
from busbar.lib.problems import transition_refused
from busbar.lib.schema import Code, Id, InputSchema, Line, Ref, RefPath, SearchText, Text
from busbar.parties.models import Organisation
from busbar.records import queries as record_queries
from busbar.records.api import EntryOut, LinkedOut, linked
from busbar.testing import permissions, queries, triage
from busbar.testing.access import access_for
from busbar.testing.actions import issues as actions
from busbar.testing.issue_lists import COLUMNS, fairness_reason, filter_issues
from busbar.testing.models import (
    ISSUE_TRANSITIONS,
    EscalationImpact,
    IssueStatus,
    RootCause,
    TestingIssue,
)

router = Router(tags=["Testing: issues"])

StatusValue = Literal[tuple(IssueStatus.values)]  # type: ignore[valid-type]
RootCauseValue = Literal[tuple(RootCause.values)]  # type: ignore[valid-type]
ImpactValue = Literal[tuple(EscalationImpact.values)]  # type: ignore[valid-type]
Category = Annotated[int, Field(ge=1, le=4, description="Severity category 1 (critical) to 4 (low)")]


class TestingIssueSummary(Schema):
    reference: str
    summary: str
    programme: str = Field(..., description="The programme's code")
    phase: Ref
    status: StatusValue
    category: int | None
    root_cause: str
    owner: Ref | None
    raised_by_organisation: Ref | None
    participation: int | None = Field(..., description="The participation it was raised for")
    created_at: dt.datetime
    triaged_at: dt.datetime | None
    resolved_at: dt.datetime | None

    @staticmethod
    def resolve_programme(obj: TestingIssue) -> str:
        return obj.programme.code

    @staticmethod
    def resolve_phase(obj: TestingIssue) -> dict:
        return {"id": obj.phase_id, "name": obj.phase.name}

    @staticmethod
    def resolve_owner(obj: TestingIssue) -> dict | None:
        return {"id": obj.owner_id, "name": obj.owner.name} if obj.owner_id else None

    @staticmethod
    def resolve_raised_by_organisation(obj: TestingIssue) -> dict | None:
        org = obj.raised_by_organisation
        return {"id": org.pk, "name": org.name} if org else None

    @staticmethod
    def resolve_participation(obj: TestingIssue) -> int | None:
        return obj.participation_id


class TestingIssueDecisionOut(Schema):
    id: int
    kind: str
    decided_at: dt.datetime
    decided_by: str
    decided_by_organisation: Ref | None
    changes: dict[str, list[Any]]
    reason: str

    @staticmethod
    def resolve_decided_by(obj) -> str:
        return obj.decided_by.display_name if obj.decided_by_id else "Busbar (system)"

    @staticmethod
    def resolve_decided_by_organisation(obj) -> dict | None:
        org = obj.decided_by_organisation
        return {"id": org.pk, "name": org.name} if org else None


class TestingIssueDetail(TestingIssueSummary):
    description: str
    scenario: Ref | None
    execution: int | None
    retest_execution: int | None
    escalation_impact: str
    escalation_reason: str
    workaround: str
    exclusion_reason: str
    updated_at: dt.datetime
    decisions: list[TestingIssueDecisionOut]
    updates: list[EntryOut] = Field(..., description="Internal notes only for those who work the issue")
    links: list[LinkedOut]
    allowed_actions: list[str] = Field(
        ...,
        description="What the caller may do now: triage, start-fix, ready-for-retest, retest, escalate, "
        "determine, exclude, accept, withdraw, reopen, update, note",
    )
    watching: bool

    @staticmethod
    def resolve_scenario(obj: TestingIssue) -> dict | None:
        return {"id": obj.scenario_id, "name": obj.scenario.code} if obj.scenario_id else None

    @staticmethod
    def resolve_execution(obj: TestingIssue) -> int | None:
        return obj.execution_id

    @staticmethod
    def resolve_retest_execution(obj: TestingIssue) -> int | None:
        return obj.retest_execution_id

    @staticmethod
    def resolve_decisions(obj: TestingIssue) -> list:
        return list(
            obj.decisions.select_related("decided_by", "decided_by_organisation").order_by("decided_at", "id")
        )

    @staticmethod
    def resolve_updates(obj: TestingIssue, context: dict[str, Any]) -> list:
        return list(
            record_queries.entries_visible_to(context["request"].user, obj).order_by("created_at", "id")
        )

    @staticmethod
    def resolve_links(obj: TestingIssue, context: dict[str, Any]) -> list[dict]:
        return linked(context["request"].user, obj)

    @staticmethod
    def resolve_allowed_actions(obj: TestingIssue, context: dict[str, Any]) -> list[str]:
        return permissions.available_on_issue(access_for(context["request"].user), obj)

    @staticmethod
    def resolve_watching(obj: TestingIssue, context: dict[str, Any]) -> bool:
        return record_queries.is_watching(context["request"].user, obj)


class TestingIssueFilters(Schema):
    programme: Code | None = Field(None, description="The programme's code")
    phase: Code | None = Field(None, description="The phase's code")
    status: StatusValue | None = None
    state: Literal["open", "closed"] | None = Field(None, description="Open or closed (ended) issues")
    category: Literal["1", "2", "3", "4", "none"] | None = Field(None, description="none: untriaged")
    root_cause: Literal[tuple([*[v for v in RootCause.values if v], "none"])] | None = None  # type: ignore[valid-type]
    owner: Id | None = Field(None, description="Owner organisation id")
    raised_by: Id | None = Field(None, description="Raising organisation id")
    q: SearchText | None = Field(None, description="A TIS reference or words in the summary")


class TestingIssueRaiseIn(InputSchema):
    phase: Id | None = Field(None, description="The phase; with an execution, the execution's phase")
    summary: Line
    description: Text
    execution: Id | None = Field(None, description="The failed (or blocked) execution it is raised from")
    participation: Id | None = Field(
        None, description="Without an execution (the SI): the participant concerned"
    )
    scenario: Id | None = Field(None, description="Without an execution (the SI): the scenario concerned")


class TestingIssueTriageIn(InputSchema):
    category: Category
    root_cause: RootCauseValue = ""  # type: ignore[valid-type]
    owner: Id = Field(..., description="The organisation that fixes it (taking part in the programme)")
    reason: Text = ""


class TestingIssueNoteIn(InputSchema):
    note: Text = ""


class TestingIssueRetestIn(InputSchema):
    execution: Id = Field(..., description="A new execution of the same scenario and participant")


class TestingIssueEscalateIn(InputSchema):
    reason: Text
    impact: ImpactValue = ""  # type: ignore[valid-type]


class TestingIssueDetermineIn(InputSchema):
    outcome: Literal["triaged", "in_fix", "excluded", "accepted"]
    reason: Text
    workaround: Text = ""


class TestingIssueReasonIn(InputSchema):
    reason: Text


class TestingIssueAcceptIn(InputSchema):
    workaround: Text
    reason: Text


class TestingIssueUpdateIn(InputSchema):
    body: Text
    internal: bool = False


class TestingIssueFairnessRowOut(Schema):
    key: str
    label: str
    kind: str
    issues: int
    triaged: int
    resolved: int
    median_hours_to_triage: float | None
    median_hours_to_resolve: float | None
    share_cat12: float = Field(..., description="Per cent of its issues in category 1 or 2")
    share_escalated: float = Field(..., description="Per cent of its issues ever escalated")


class TestingIssueFairnessOut(Schema):
    programme: str
    owners: list[TestingIssueFairnessRowOut]
    kinds: list[TestingIssueFairnessRowOut] = Field(
        ..., description="Central parties and providers vs participants"
    )
    overall: TestingIssueFairnessRowOut


class TestingIssueBoardColumnOut(Schema):
    key: str
    label: str
    count: int
    issues: list[TestingIssueSummary]


class TestingIssueMatrixOut(Schema):
    columns: list[str]
    rows: list[dict[str, Any]]


class TestingIssueBoardOut(Schema):
    programme: str
    columns: list[TestingIssueBoardColumnOut]
    by_category_and_root_cause: TestingIssueMatrixOut
    ageing: TestingIssueMatrixOut


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _issue(request: HttpRequest, reference: str) -> TestingIssue:
    qs = record_queries.with_watching(queries.issues_visible_to(request.user), request.user)
    return get_object_or_404(
        qs.select_related("scenario", "raised_by", "participation"), reference=reference.upper()
    )


def _change(request: HttpRequest, reference: str, func: Any, **kwargs: Any) -> TestingIssue | HttpResponse:
    issue = _issue(request, reference)
    try:
        func(actor=_actor(request), issue=issue, **kwargs)
    except IllegalTransition as exc:
        current = TestingIssue.objects.filter(pk=issue.pk).values_list("status", flat=True).get()
        return transition_refused(request, exc, current=current, allowed=ISSUE_TRANSITIONS.get(current, ()))
    return _issue(request, reference)


def _listed(request: HttpRequest, filters: TestingIssueFilters):
    qs = queries.issues_visible_to(request.user)
    if filters.programme:
        qs = qs.filter(programme__code=filters.programme)
    qs = filter_issues(qs, filters.dict(exclude_none=True))
    return qs.order_by("-created_at", "-id")


@router.get("/testing/issues", response=list[TestingIssueSummary], summary="Testing issues you may see")
@paginate(Page)
def list_issues(request: HttpRequest, filters: Query[TestingIssueFilters]) -> Any:
    return _listed(request, filters)


@router.get(
    "/testing/issues/export",
    summary="The list as filtered, as CSV or XLSX",
    openapi_extra={"responses": {200: {"description": "A CSV or XLSX file"}}},
)
def export_issues(
    request: HttpRequest, filters: Query[TestingIssueFilters], format: Literal["csv", "xlsx"] = "csv"
) -> HttpResponse:
    return export.response(_listed(request, filters), COLUMNS, fmt=format, stem="testing-issues")


@router.post("/testing/issues", response={201: TestingIssueDetail}, summary="Raise a testing issue")
def raise_issue(request: HttpRequest, payload: TestingIssueRaiseIn) -> Status:
    execution = participation = scenario = None
    if payload.execution is not None:
        execution = queries.executions_visible_to(request.user).filter(pk=payload.execution).first()
        if execution is None:
            raise ActionError(f"No execution {payload.execution}", field="execution")
    if payload.phase is None and execution is None:
        raise ActionError("Name the phase (or the execution it is raised from)", field="phase")
    phase_id = payload.phase if payload.phase is not None else execution.phase_id
    phase = queries.phases_visible_to(request.user).filter(pk=phase_id).first()
    if phase is None:
        raise ActionError(f"No phase {phase_id}", field="phase")
    if payload.participation is not None:
        participation = (
            queries.participations_visible_to(request.user).filter(pk=payload.participation).first()
        )
        if participation is None:
            raise ActionError(f"No participation {payload.participation}", field="participation")
    if payload.scenario is not None:
        scenario = queries.scenarios_visible_to(request.user).filter(pk=payload.scenario).first()
        if scenario is None:
            raise ActionError(f"No scenario {payload.scenario}", field="scenario")
    issue = actions.raise_issue(
        actor=_actor(request),
        phase=phase,
        summary=payload.summary,
        description=payload.description,
        execution=execution,
        participation=participation,
        scenario=scenario,
    )
    return Status(201, _issue(request, issue.reference))


@router.get("/testing/issues/{reference}", response=TestingIssueDetail, summary="One testing issue")
def get_issue(request: HttpRequest, reference: RefPath) -> TestingIssue:
    return _issue(request, reference)


@router.post("/testing/issues/{reference}/triage", response=TestingIssueDetail, summary="Triage (the SI)")
def triage_issue(request: HttpRequest, reference: RefPath, payload: TestingIssueTriageIn) -> Any:
    owner = Organisation.objects.filter(pk=payload.owner, is_active=True).first()
    if owner is None:
        raise ActionError(f"No organisation {payload.owner}", field="owner")
    return _change(
        request,
        reference,
        actions.triage,
        category=payload.category,
        root_cause=payload.root_cause,
        owner=owner,
        reason=payload.reason,
    )


@router.post("/testing/issues/{reference}/start-fix", response=TestingIssueDetail, summary="Start the fix")
def start_fix(request: HttpRequest, reference: RefPath, payload: TestingIssueNoteIn) -> Any:
    return _change(request, reference, actions.start_fix, note=payload.note)


@router.post(
    "/testing/issues/{reference}/ready-for-retest", response=TestingIssueDetail, summary="Ready for retest"
)
def ready_for_retest(request: HttpRequest, reference: RefPath, payload: TestingIssueNoteIn) -> Any:
    return _change(request, reference, actions.ready_for_retest, note=payload.note)


@router.post(
    "/testing/issues/{reference}/retest", response=TestingIssueDetail, summary="Link the retest execution"
)
def retest(request: HttpRequest, reference: RefPath, payload: TestingIssueRetestIn) -> Any:
    _issue(request, reference)  # 404 first for an issue the caller may not see
    execution = queries.executions_visible_to(request.user).filter(pk=payload.execution).first()
    if execution is None:
        raise ActionError(f"No execution {payload.execution}", field="execution")
    return _change(request, reference, actions.record_retest, execution=execution)


@router.post("/testing/issues/{reference}/escalate", response=TestingIssueDetail, summary="Escalate one rung")
def escalate(request: HttpRequest, reference: RefPath, payload: TestingIssueEscalateIn) -> Any:
    return _change(request, reference, actions.escalate, reason=payload.reason, impact=payload.impact)


@router.post(
    "/testing/issues/{reference}/determine",
    response=TestingIssueDetail,
    summary="Determine (the rung holding it)",
)
def determine(request: HttpRequest, reference: RefPath, payload: TestingIssueDetermineIn) -> Any:
    return _change(
        request,
        reference,
        actions.determine,
        outcome=payload.outcome,
        reason=payload.reason,
        workaround=payload.workaround,
    )


@router.post("/testing/issues/{reference}/exclude", response=TestingIssueDetail, summary="Exclude (TA-37)")
def exclude(request: HttpRequest, reference: RefPath, payload: TestingIssueReasonIn) -> Any:
    return _change(request, reference, actions.exclude, reason=payload.reason)


@router.post(
    "/testing/issues/{reference}/accept",
    response=TestingIssueDetail,
    summary="Accept with a workaround (TA-37)",
)
def accept(request: HttpRequest, reference: RefPath, payload: TestingIssueAcceptIn) -> Any:
    return _change(
        request,
        reference,
        actions.accept_with_workaround,
        workaround=payload.workaround,
        reason=payload.reason,
    )


@router.post("/testing/issues/{reference}/withdraw", response=TestingIssueDetail, summary="Withdraw")
def withdraw(request: HttpRequest, reference: RefPath, payload: TestingIssueReasonIn) -> Any:
    return _change(request, reference, actions.withdraw, reason=payload.reason)


@router.post("/testing/issues/{reference}/reopen", response=TestingIssueDetail, summary="Reopen")
def reopen(request: HttpRequest, reference: RefPath, payload: TestingIssueReasonIn) -> Any:
    return _change(request, reference, actions.reopen, reason=payload.reason)


@router.get(
    "/testing/issues/{reference}/decisions",
    response=list[TestingIssueDecisionOut],
    summary="Triage decisions",
)
@paginate(Page)
def list_decisions(request: HttpRequest, reference: RefPath) -> Any:
    issue = _issue(request, reference)
    return issue.decisions.select_related("decided_by", "decided_by_organisation").order_by(
        "decided_at", "id"
    )


@router.get("/testing/issues/{reference}/updates", response=list[EntryOut], summary="The conversation")
@paginate(Page)
def list_updates(request: HttpRequest, reference: RefPath) -> Any:
    issue = _issue(request, reference)
    return record_queries.entries_visible_to(request.user, issue).order_by("created_at", "id")


@router.post(
    "/testing/issues/{reference}/updates", response={201: EntryOut}, summary="Add an update or internal note"
)
def add_update(request: HttpRequest, reference: RefPath, payload: TestingIssueUpdateIn) -> Status:
    issue = _issue(request, reference)
    entry = actions.add_update(
        actor=_actor(request), issue=issue, body=payload.body, internal=payload.internal
    )
    return Status(201, record_queries.entries_visible_to(request.user, issue).get(pk=entry.pk))


def _programme(request: HttpRequest, code: str):
    return get_object_or_404(queries.programmes_visible_to(request.user), code=code)


def _matrix(m: triage.Matrix) -> dict:
    return {
        "columns": m.columns,
        "rows": [{"label": label, "counts": values, "total": total} for label, values, total in m.rows],
    }


@router.get(
    "/testing/programmes/{code}/triage-board", response=TestingIssueBoardOut, summary="The triage board"
)
def triage_board(request: HttpRequest, code: Code) -> dict:
    programme = _programme(request, code)
    issues = queries.issues_visible_to(request.user).filter(programme=programme)
    return {
        "programme": programme.code,
        "columns": [
            {"key": c.key, "label": c.label, "count": c.count, "issues": c.cards}
            for c in triage.board(issues)
        ],
        "by_category_and_root_cause": _matrix(triage.category_by_root_cause(issues)),
        "ageing": _matrix(triage.ageing(issues)),
    }


@router.get(
    "/testing/programmes/{code}/triage-fairness",
    response=TestingIssueFairnessOut,
    summary="Triage fairness per owner (for assurers, GV-57)",
)
def triage_fairness(request: HttpRequest, code: Code) -> dict:
    programme = _programme(request, code)
    reason = fairness_reason(access_for(request.user), programme)
    if reason:
        raise NotPermitted(reason)
    report = triage.fairness(programme.pk, queries.issues_visible_to(request.user))
    return {
        "programme": programme.code,
        "owners": [r.as_dict() for r in report.owners],
        "kinds": [r.as_dict() for r in report.kinds],
        "overall": report.overall.as_dict(),
    }
