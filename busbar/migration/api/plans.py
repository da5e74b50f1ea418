"""API of migration plans, thresholds and breaches (``/migration/plans``, ``/migration/thresholds``,
``/migration/breaches``).

Reads start from :mod:`busbar.migration.queries` (a plan outside them is a 404); changes go through
:mod:`busbar.migration.actions.plans`. Lines are replaced whole (``PUT …/lines``, at most 50,000, all or
nothing: a 422 listing every bad line as ``lines[i].field``); a verb the caller may not use on a plan it
sees is a 403; a status change the table forbids a 409 with the current and allowed statuses.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import Count, Max, Min, Q, Sum
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.lib.pagination import Page
from busbar.lib.problems import invalid_problem, transition_refused
from busbar.lib.schema import Day, Id, IdPath, InputSchema
from busbar.migration import common, permissions, plan_import, queries, thresholds
from busbar.migration.actions import plans as actions
from busbar.migration.models import PLAN_TRANSITIONS, MigrationPlan, PlanStatus, Segment, ThresholdScope
from busbar.parties.models import Organisation

router = Router(tags=["Qualification and migration"])

Volume = Annotated[int, Field(ge=0, le=common.MAX_VOLUME)]
SegmentValue = Literal[tuple(Segment.values)]  # type: ignore[valid-type]
ScopeValue = Literal[tuple(ThresholdScope.values)]  # type: ignore[valid-type]
Distributor = Literal[common.DISTRIBUTOR_IDS]  # type: ignore[valid-type]
SegmentOrAll = Literal[("", *Segment.values)]  # type: ignore[valid-type]
DistributorOrAll = Literal[("", *common.DISTRIBUTOR_IDS)]  # type: ignore[valid-type]
Mpid = Annotated[str, Field(max_length=8, pattern=r"^[A-Za-z0-9]{1,8}$")]
#: Per-day rows returned on one plan (the rest: the lines summary is paged on the page).
MAX_DAYS = 2_000


class MigrationOrgOut(Schema):
    id: int
    name: str


class MigrationPlanOut(Schema):
    id: int
    programme: str
    supplier: MigrationOrgOut
    segment: str
    status: str
    version: int
    note: str
    total_mpans: int
    first_day: dt.date | None
    last_day: dt.date | None
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_programme(obj: Any) -> str:
        return obj.programme.code

    @staticmethod
    def resolve_supplier(obj: Any) -> dict:
        return {"id": obj.supplier_id, "name": obj.supplier.name}

    @staticmethod
    def resolve_total_mpans(obj: Any) -> int:
        return getattr(obj, "total_mpans", None) or 0


class MigrationPlanDay(Schema):
    day: dt.date
    mpans: int
    distributors: int


class MigrationBreachOut(Schema):
    day: dt.date
    scope: str
    subject: str
    organisation_id: int | None
    segment: str
    planned: int
    cap: int
    excess: int
    threshold_id: int


def _breach(b: thresholds.Breach) -> dict:
    return {
        "day": b.day,
        "scope": b.scope,
        "subject": b.subject,
        "organisation_id": b.organisation_id,
        "segment": b.segment,
        "planned": b.planned,
        "cap": b.cap,
        "excess": b.excess,
        "threshold_id": b.threshold_id,
    }


class MigrationPlanDetail(MigrationPlanOut):
    days: list[MigrationPlanDay] = Field(..., description=f"MPANs per day (the first {MAX_DAYS:,} days)")
    breaches: list[MigrationBreachOut] = Field(
        ..., description="Over-threshold days the plan is part of (a draft: with the counted plans)"
    )
    allowed_actions: list[str]

    @staticmethod
    def resolve_days(obj: Any) -> list:
        return obj._api["days"]

    @staticmethod
    def resolve_breaches(obj: Any) -> list:
        return obj._api["breaches"]

    @staticmethod
    def resolve_allowed_actions(obj: Any) -> list:
        return obj._api["allowed_actions"]


class MigrationPlanIn(InputSchema):
    segment: SegmentValue  # type: ignore[valid-type]
    supplier: Id | None = Field(None, description="The supplier (default: your organisation)")
    note: Annotated[str, Field(max_length=2000)] = ""


class MigrationLineIn(InputSchema):
    day: Day
    distributor: Distributor  # type: ignore[valid-type]
    agent: Mpid | None = Field(None, description="The agent's MPID (none: not said)")
    volume: Volume


class MigrationLinesIn(InputSchema):
    lines: list[MigrationLineIn] = Field(..., max_length=plan_import.MAX_LINES)


class MigrationReturnIn(InputSchema):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class MigrationThresholdOut(Schema):
    id: int
    scope: str
    segment: str
    distributor: str
    organisation: MigrationOrgOut | None
    daily_max: int
    effective_from: dt.date
    effective_to: dt.date | None
    note: str

    @staticmethod
    def resolve_organisation(obj: Any) -> dict | None:
        return {"id": obj.organisation_id, "name": obj.organisation.name} if obj.organisation_id else None


class MigrationThresholdIn(InputSchema):
    scope: ScopeValue  # type: ignore[valid-type]
    daily_max: Volume
    effective_from: Day
    effective_to: Day | None = None
    segment: SegmentOrAll = Field("", description="Blank: all segments")  # type: ignore[valid-type]
    distributor: DistributorOrAll = Field("", description="A distributor cap's ID (blank: every one)")  # type: ignore[valid-type]
    organisation: Id | None = None
    note: Annotated[str, Field(max_length=300)] = ""


class MigrationThresholdFilters(Schema):
    in_force_on: Day | None = Field(None, description="Only those in force on this day")


class MigrationBreachFilters(Schema):
    start: Day | None = None
    end: Day | None = None


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _rows(user: Any) -> Any:
    return (
        queries.plans_visible_to(user)
        .annotate(total_mpans=Sum("lines__volume"), first_day=Min("lines__day"), last_day=Max("lines__day"))
        .order_by("supplier__name", "segment", "pk")
    )


def _plan(request: HttpRequest, plan_id: int) -> MigrationPlan:
    return get_object_or_404(_rows(request.user), pk=plan_id)


def allowed(v: Any, plan: MigrationPlan) -> list[str]:
    """The verbs ``v`` may use on ``plan`` now."""
    out = []
    if permissions.can_edit_plan(v, plan) is None and plan.status in actions.EDITABLE:
        out.append("lines")
    if permissions.can_submit_plan(v, plan) is None and PlanStatus.SUBMITTED in PLAN_TRANSITIONS.get(
        plan.status, ()
    ):
        out.append("submit")
    if permissions.can_review_plan(v, plan) is None and plan.status == PlanStatus.SUBMITTED:
        out += ["accept", "return"]
    if permissions.can_reprofile(v, plan) is None:
        out.append("reprofile")
    return out


def _detail(request: HttpRequest, plan: MigrationPlan) -> MigrationPlan:
    days = (
        plan.lines.order_by("day")
        .values("day")
        .annotate(mpans=Sum("volume"), distributors=Count("distributor", distinct=True))[:MAX_DAYS]
    )
    found = thresholds.check_plan(plan)
    plan._api = {
        "days": list(days),
        "breaches": [_breach(b) for b in thresholds.visible_breaches(request.user, found, plan.programme_id)],
        "allowed_actions": allowed(queries.viewer(request.user), plan),
    }
    return plan


def _run(request: HttpRequest, plan_id: int, func: Any, **kwargs: Any) -> Any:
    plan = _plan(request, plan_id)
    try:
        func(actor=_actor(request), plan=plan, **kwargs)
    except IllegalTransition as exc:
        current = MigrationPlan.objects.filter(pk=plan.pk).values_list("status", flat=True).get()
        return transition_refused(request, exc, current=current, allowed=PLAN_TRANSITIONS.get(current, ()))
    return _detail(request, _plan(request, plan_id))


@router.get(
    "/migration/plans",
    response=list[MigrationPlanOut],
    summary="The migration plans you may see",
    operation_id="migration_list_plans",
)
@paginate(Page)
def list_plans(request: HttpRequest) -> Any:
    return _rows(request.user)


@router.post(
    "/migration/plans",
    response={201: MigrationPlanDetail},
    summary="Create a draft plan for a supplier's segment (the supplier, or the migration managers)",
    operation_id="migration_create_plan",
)
def create_plan(request: HttpRequest, payload: MigrationPlanIn) -> Any:
    programme = common.migration_programme()
    if programme is None:
        raise ActionError("No programme has migration windows yet", field="segment")
    if payload.supplier is None:
        v = queries.viewer(request.user)
        supplier = v.scope.primary_organisation if v.organisation_ids else None
    else:
        supplier = Organisation.objects.filter(pk=payload.supplier, is_active=True).first()
    if supplier is None:
        raise ActionError("Name the supplier", field="supplier")
    done = actions.create_plan(
        actor=_actor(request),
        programme=programme,
        supplier=supplier,
        segment=payload.segment,
        note=payload.note,
    )
    return Status(201, _detail(request, _plan(request, done.pk)))


@router.get(
    "/migration/plans/{plan_id}",
    response=MigrationPlanDetail,
    summary="One plan: MPANs per day, its over-threshold days and what you may do",
    operation_id="migration_get_plan",
)
def get_plan(request: HttpRequest, plan_id: IdPath) -> Any:
    return _detail(request, _plan(request, plan_id))


@router.put(
    "/migration/plans/{plan_id}/lines",
    response=MigrationPlanDetail,
    summary="Replace the plan's lines (the supplier; all or nothing)",
    operation_id="migration_set_plan_lines",
)
def set_lines(request: HttpRequest, plan_id: IdPath, payload: MigrationLinesIn) -> Any:
    rows = [
        {
            "line": i,
            "day": ln.day,
            "distributor": ln.distributor,
            "agent": ln.agent or "",
            "volume": ln.volume,
        }
        for i, ln in enumerate(payload.lines)
    ]
    try:
        return _run(request, plan_id, actions.set_lines, lines=rows, source="api")
    except plan_import.LineErrors as exc:
        return invalid_problem(
            request, [{"field": f"lines[{e.line}].{e.field}", "message": e.message} for e in exc.errors]
        )


@router.post(
    "/migration/plans/{plan_id}/submit",
    response=MigrationPlanDetail,
    summary="Submit the plan for review (it then counts towards the thresholds)",
    operation_id="migration_submit_plan",
)
def submit(request: HttpRequest, plan_id: IdPath) -> Any:
    return _run(request, plan_id, actions.submit_plan)


@router.post(
    "/migration/plans/{plan_id}/accept",
    response=MigrationPlanDetail,
    summary="Accept a submitted plan (migration managers)",
    operation_id="migration_accept_plan",
)
def accept(request: HttpRequest, plan_id: IdPath) -> Any:
    return _run(request, plan_id, actions.accept_plan)


@router.post(
    "/migration/plans/{plan_id}/return",
    response=MigrationPlanDetail,
    summary="Return a submitted plan for changes, with the reason (migration managers)",
    operation_id="migration_return_plan",
)
def return_plan(request: HttpRequest, plan_id: IdPath, payload: MigrationReturnIn) -> Any:
    return _run(request, plan_id, actions.return_plan, reason=payload.reason)


@router.post(
    "/migration/plans/{plan_id}/reprofile",
    response=MigrationPlanDetail,
    summary="Move the plan's excess off over-threshold days (migration managers)",
    operation_id="migration_reprofile_plan",
)
def reprofile(request: HttpRequest, plan_id: IdPath) -> Any:
    return _run(request, plan_id, actions.reprofile)


@router.get(
    "/migration/thresholds",
    response=list[MigrationThresholdOut],
    summary="The migration thresholds you may read",
    operation_id="migration_list_thresholds",
)
@paginate(Page)
def list_thresholds(request: HttpRequest, filters: Query[MigrationThresholdFilters]) -> Any:
    qs = queries.thresholds_visible_to(request.user).order_by(
        "scope", "distributor", "organisation__name", "-effective_from", "pk"
    )
    if filters.in_force_on is not None:
        day = filters.in_force_on
        qs = qs.filter(effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )
    return qs


@router.post(
    "/migration/thresholds",
    response={201: MigrationThresholdOut},
    summary="Add a threshold from a date (migration managers)",
    operation_id="migration_add_threshold",
)
def add_threshold(request: HttpRequest, payload: MigrationThresholdIn) -> Any:
    programme = common.migration_programme()
    if programme is None:
        raise ActionError("No programme has migration windows yet", field="scope")
    organisation = None
    if payload.organisation is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation, is_active=True).first()
        if organisation is None:
            raise ActionError(f"No organisation {payload.organisation}", field="organisation")
    data = payload.dict()
    data["organisation"] = organisation
    done = actions.add_threshold(actor=_actor(request), programme=programme, **data)
    return Status(201, queries.thresholds_visible_to(request.user).get(pk=done.pk))


@router.get(
    "/migration/breaches",
    response=list[MigrationBreachOut],
    summary="Over-threshold days of the counted plans (suppliers: those of their plans; DNOs: their area)",
    operation_id="migration_list_breaches",
)
@paginate(Page)
def list_breaches(request: HttpRequest, filters: Query[MigrationBreachFilters]) -> Any:
    programme = common.migration_programme()
    if programme is None:
        return []
    found = thresholds.check(programme.pk, start=filters.start, end=filters.end)
    return [_breach(b) for b in thresholds.visible_breaches(request.user, found, programme.pk)]
