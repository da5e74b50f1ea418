"""The tranche allocation API (``/api/v1/migration/allocation/{programme_code}/…``): the three policies'
proposals compared, one policy's proposal, committing one (the migration managers) and the decisions made.
The programme's readers and the window's code bodies see them; anyone else gets a 404."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import Actor
from busbar.lib.pagination import Page
from busbar.lib.schema import IdPath, InputSchema
from busbar.migration import allocation, queries
from busbar.migration.actions.allocation import RATIONALE_MAX, commit_allocation
from busbar.migration.models import AllocationDecision

router = Router(tags=["Qualification and migration"])

ProgrammeCode = Annotated[
    str, Path(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$", description="The programme's code")
]
PolicyName = Literal["as_ready", "by_portfolio", "by_size"]


class MigrationAllocationEntrant(Schema):
    id: int
    organisation: str
    organisation_id: int
    kind: str
    status: str
    code_body: int | None
    mpans: int
    ready_on: dt.date | None


class MigrationAllocationCodeBodyLoad(Schema):
    id: int
    name: str
    used: int
    limit: int | None = Field(None, description="The most it takes in the tranche (null: no limit)")


class MigrationAllocationTranche(Schema):
    id: int
    number: int
    name: str
    starts: dt.date
    ends: dt.date
    capacity: int = Field(..., description="The most participants in all (0: only the code bodies' limits)")
    participants: int
    mpans: int
    late: bool = Field(..., description="Ends after the window's risk cut-off (R525)")
    code_bodies: list[MigrationAllocationCodeBodyLoad]
    entrants: list[MigrationAllocationEntrant]


class MigrationAllocationReason(Schema):
    entrant: MigrationAllocationEntrant
    reason: str


class MigrationAllocationRisk(Schema):
    cutoff: dt.date
    late_mpans: int
    total_mpans: int
    late_share: float
    late_percent: float
    late_entrants: list[MigrationAllocationEntrant]
    large_late: list[MigrationAllocationEntrant]


class MigrationAllocationProposal(Schema):
    policy: str
    label: str
    placements: dict[str, int | None] = Field(..., description="Entrant id -> tranche id (null: no room)")
    tranches: list[MigrationAllocationTranche]
    unplaced: list[MigrationAllocationReason]
    flags: list[MigrationAllocationReason] = Field(..., description="Supplier and agent warnings (QM-13)")
    risk: MigrationAllocationRisk


class MigrationAllocationComparison(Schema):
    programme: str
    committed_policy: str
    proposals: list[MigrationAllocationProposal]


class MigrationAllocationPolicyQuery(Schema):
    policy: PolicyName


class MigrationAllocationCommitIn(InputSchema):
    policy: PolicyName
    rationale: Annotated[str, Field(min_length=1, max_length=RATIONALE_MAX)]


class MigrationAllocationDecisionOut(Schema):
    id: int
    policy: str
    rationale: str
    decided_at: dt.datetime
    decided_by: str | None
    result: dict[str, Any]

    @staticmethod
    def resolve_decided_by(obj: Any) -> str | None:
        return obj.decided_by.display_name if obj.decided_by_id else None


def _window(request: HttpRequest, code: str) -> Any:
    window = allocation.window_for(request.user, code)
    if window is None:
        raise Http404
    return window


@router.get(
    "/migration/allocation/{programme_code}/compare",
    response=MigrationAllocationComparison,
    summary="The three allocation policies' proposals side by side",
    operation_id="migration_allocation_compare",
)
def compare(request: HttpRequest, programme_code: ProgrammeCode) -> Any:
    window = _window(request, programme_code)
    return {
        "programme": window.programme.code,
        "committed_policy": window.committed_policy,
        "proposals": [allocation.proposal_dict(p) for p in allocation.compare(window).values()],
    }


@router.get(
    "/migration/allocation/{programme_code}/proposal",
    response=MigrationAllocationProposal,
    summary="One allocation policy's proposal",
    operation_id="migration_allocation_proposal",
)
def proposal(
    request: HttpRequest, programme_code: ProgrammeCode, filters: Query[MigrationAllocationPolicyQuery]
) -> Any:
    window = _window(request, programme_code)
    return allocation.proposal_dict(allocation.propose(window, filters.policy))


@router.post(
    "/migration/allocation/{programme_code}/commit",
    response={201: MigrationAllocationDecisionOut},
    summary="Commit an allocation policy (the programme's migration managers)",
    operation_id="migration_allocation_commit",
)
def commit(
    request: HttpRequest, programme_code: ProgrammeCode, payload: MigrationAllocationCommitIn
) -> Status:
    window = _window(request, programme_code)
    decision = commit_allocation(
        actor=Actor.from_request(request, channel="api"),
        window=window,
        policy=payload.policy,
        rationale=payload.rationale,
    )
    return Status(201, AllocationDecision.objects.select_related("decided_by").get(pk=decision.pk))


@router.get(
    "/migration/allocation/{programme_code}/decisions",
    response=list[MigrationAllocationDecisionOut],
    summary="The allocation decisions of the programme's window, latest first",
    operation_id="migration_allocation_decisions",
)
@paginate(Page)
def decisions(request: HttpRequest, programme_code: ProgrammeCode) -> Any:
    window = _window(request, programme_code)
    return (
        queries.decisions_visible_to(request.user)
        .filter(window=window)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")
    )


@router.get(
    "/migration/allocation/{programme_code}/decisions/{decision_id}",
    response=MigrationAllocationDecisionOut,
    summary="One allocation decision and its frozen result",
    operation_id="migration_allocation_decision",
)
def decision(request: HttpRequest, programme_code: ProgrammeCode, decision_id: IdPath) -> Any:
    window = _window(request, programme_code)
    found = (
        queries.decisions_visible_to(request.user)
        .filter(window=window, pk=decision_id)
        .select_related("decided_by")
        .first()
    )
    if found is None:
        raise Http404
    return found
