"""API of the risk register (``/risks``) and the improvement register (``/improvements``).

Every read starts from :mod:`busbar.registers.queries` (an item outside it is a 404); every change goes
through :mod:`busbar.registers.actions`. A score outside 1–5, an unknown service, organisation, person or
KPI is a 422 naming the field; a status change the table forbids is a 409 naming the current status and
the allowed ones. The two registers share their endpoints' code (:func:`register_routes`), each with its
own schemas and operation ids.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.accounts.models import User
from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.lib.pagination import Page
from busbar.lib.problems import transition_refused
from busbar.lib.schema import Day, Id, InputSchema, Line, RefPath, SearchText, Text
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.records import queries as record_queries
from busbar.records.api import EntryOut, LinkedOut, linked
from busbar.registers import actions, lists, permissions, queries, scoring
from busbar.registers.models import (
    CSI_TRANSITIONS,
    RISK_TRANSITIONS,
    CsiStatus,
    Improvement,
    Risk,
    RiskStatus,
)

router = Router(tags=["Registers"])

Score = Annotated[int, Field(ge=1, le=5, description="1 (very low) to 5 (very high)")]
KpiCode = Annotated[
    str, Field(min_length=1, max_length=40, description="One of " + ", ".join(scoring.KPI_CODES))
]
ProblemRef = Annotated[str, Field(min_length=1, max_length=20)]
Services = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=60)] | Id], Field(max_length=scoring.MAX_SERVICES)
]
Kpis = Annotated[list[KpiCode], Field(max_length=scoring.MAX_KPIS)]
Sort = Literal[tuple(lists.SORTS)]  # type: ignore[valid-type]


class RegisterService(Schema):
    id: int
    name: str
    slug: str


class RegisterPerson(Schema):
    id: int
    name: str


class RegisterOrganisation(Schema):
    id: int
    name: str


class _ItemBase(Schema):
    reference: str
    title: str
    status: str
    organisation: RegisterOrganisation
    owner: RegisterPerson | None
    likelihood: int
    impact: int
    score: int = Field(..., description="likelihood × impact, 1–25")
    services: list[RegisterService]
    kpis: list[str]
    review_by: dt.date | None
    last_reviewed_at: dt.datetime | None
    review_overdue: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_organisation(obj: Any) -> dict:
        return {"id": obj.organisation_id, "name": obj.organisation.name}

    @staticmethod
    def resolve_owner(obj: Any) -> dict | None:
        return {"id": obj.owner_id, "name": obj.owner.display_name} if obj.owner_id else None

    @staticmethod
    def resolve_services(obj: Any) -> list:
        return [{"id": s.pk, "name": s.name, "slug": s.slug} for s in obj.services.all()]

    @staticmethod
    def resolve_review_overdue(obj: Any) -> bool:
        return lists.overdue(obj, timezone.localdate())


class _Detail(Schema):
    description: str
    links: list[LinkedOut] = Field(..., description="Linked problems and other records you may see")
    updates: list[EntryOut] = Field(..., description="Internal notes for the desk and the owner only")
    allowed_statuses: list[str] = Field(..., description="Statuses the caller may move the item to now")
    can_edit: bool
    watching: bool

    @staticmethod
    def resolve_links(obj: Any, context: dict[str, Any]) -> list[dict]:
        return linked(context["request"].user, obj)

    @staticmethod
    def resolve_updates(obj: Any, context: dict[str, Any]) -> list:
        return list(
            record_queries.entries_visible_to(context["request"].user, obj).order_by("created_at", "id")
        )

    @staticmethod
    def resolve_allowed_statuses(obj: Any, context: dict[str, Any]) -> list[str]:
        return permissions.statuses(scope_for(context["request"].user), obj)

    @staticmethod
    def resolve_can_edit(obj: Any, context: dict[str, Any]) -> bool:
        return permissions.can_edit(scope_for(context["request"].user), obj) is None

    @staticmethod
    def resolve_watching(obj: Any, context: dict[str, Any]) -> bool:
        return record_queries.is_watching(context["request"].user, obj)


class RiskSummary(_ItemBase):
    status: RiskStatus
    category: str
    residual_likelihood: int | None
    residual_impact: int | None
    residual_score: int | None

    @staticmethod
    def resolve_residual_score(obj: Risk) -> int | None:
        return lists.residual_score(obj)


class RiskDetail(RiskSummary, _Detail):
    mitigations: str


class ImprovementSummary(_ItemBase):
    status: CsiStatus
    source: str
    target_date: dt.date | None


class ImprovementDetail(ImprovementSummary, _Detail):
    benefits: str
    outcome: str


class RegisterFilters(Schema):
    status: str | None = Field(None, max_length=20, description="A status, or open (not closed)")
    organisation: Id | None = None
    owner: Annotated[str, Field(pattern=r"^me$", max_length=2)] | None = Field(
        None, description="me: the items you own in person"
    )
    service: Annotated[str, Field(min_length=1, max_length=60)] | None = Field(None, description="Id or slug")
    min_score: Annotated[int, Field(ge=1, le=25)] | None = None
    likelihood: Score | None = None
    impact: Score | None = None
    kpi: KpiCode | None = None
    overdue: bool | None = Field(None, description="Review date passed (open items)")
    q: SearchText | None = None
    sort: Sort = "-score"  # type: ignore[valid-type]


class _ItemIn(InputSchema):
    title: Line
    description: Text = ""
    likelihood: Score
    impact: Score
    organisation: Id | None = Field(None, description="The owning organisation (default: yours)")
    owner: Id | None = Field(None, description="A person of the owning organisation")
    services: Services = Field(default_factory=list)
    kpis: Kpis = Field(default_factory=list)
    review_by: Day | None = None
    problems: list[ProblemRef] = Field(default_factory=list, max_length=50)


class RiskIn(_ItemIn):
    category: Literal[tuple(Risk.Category.values)] = Risk.Category.AVAILABILITY  # type: ignore[valid-type]
    mitigations: Text = ""
    residual_likelihood: Score | None = None
    residual_impact: Score | None = None


class ImprovementIn(_ItemIn):
    likelihood: Score = 3
    impact: Score = 3
    source: Literal[tuple(Improvement.Source.values)] | None = None  # type: ignore[valid-type]
    benefits: Text = ""
    target_date: Day | None = None


class _ItemPatch(InputSchema):
    title: Line | None = None
    description: Text | None = None
    likelihood: Score | None = None
    impact: Score | None = None
    organisation: Id | None = None
    owner: Id | None = None
    services: Services | None = None
    kpis: Kpis | None = None
    review_by: Day | None = None


class RiskPatch(_ItemPatch):
    category: Literal[tuple(Risk.Category.values)] | None = None  # type: ignore[valid-type]
    mitigations: Text | None = None
    residual_likelihood: Score | None = None
    residual_impact: Score | None = None


class ImprovementPatch(_ItemPatch):
    source: Literal[tuple(Improvement.Source.values)] | None = None  # type: ignore[valid-type]
    benefits: Text | None = None
    outcome: Text | None = None
    target_date: Day | None = None


class RiskStatusIn(InputSchema):
    status: Literal[tuple(RiskStatus.values)]  # type: ignore[valid-type]
    note: Text = ""


class ImprovementStatusIn(InputSchema):
    status: Literal[tuple(CsiStatus.values)]  # type: ignore[valid-type]
    note: Text = ""
    outcome: Text | None = Field(None, description="What it achieved: needed to close it")


class RegisterReviewIn(InputSchema):
    next_review_by: Day
    note: Text = ""


class RegisterProblemsIn(InputSchema):
    problems: list[ProblemRef] = Field(..., min_length=1, max_length=50)


class RegisterLinkedOut(Schema):
    linked: list[str]


class RegisterUpdateIn(InputSchema):
    body: Text
    internal: bool = False


# Shared --------------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _organisation(pk: int | None) -> Organisation | None:
    if pk is None:
        return None
    found = Organisation.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ActionError(f"No organisation {pk}", field="organisation")
    return found


def _person(pk: int | None) -> User | None:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ActionError(f"No person {pk}", field="owner")
    return found


def _resolved(data: dict) -> dict:
    """Ids in a body turned into the objects the actions take (422 naming an unknown one)."""
    if "organisation" in data:
        data["organisation"] = _organisation(data["organisation"])
    if "owner" in data:
        data["owner"] = _person(data["owner"])
    return data


def register_routes(
    router: Router,
    *,
    kind: str,
    path: str,
    visible_to: Any,
    summary_schema: type,
    detail_schema: type,
    in_schema: type,
    patch_schema: type,
    status_schema: type,
    table: dict,
    raise_fn: Any,
    update_fn: Any,
    status_fn: Any,
    review_fn: Any,
    link_fn: Any,
    update_entry_fn: Any,
) -> None:
    """The endpoints of one register on ``router``."""
    label = "risks" if kind == "risk" else "improvements"

    def _item(request: HttpRequest, reference: str) -> Any:
        qs = record_queries.with_watching(lists.rows(visible_to(request.user)), request.user)
        return get_object_or_404(qs, reference=reference.upper())

    def _run(request: HttpRequest, reference: str, func: Any, **kwargs: Any) -> Any:
        item = _item(request, reference)
        try:
            func(actor=_actor(request), **{kind: item}, **kwargs)
        except IllegalTransition as exc:
            current = type(item).objects.filter(pk=item.pk).values_list("status", flat=True).get()
            return transition_refused(request, exc, current=current, allowed=table.get(current, ()))
        return _item(request, reference)

    @router.get(
        f"/{path}",
        response=list[summary_schema],
        summary=f"The {label} you may see, highest score first",
        operation_id=f"registers_list_{label}",
    )
    @paginate(Page)
    def list_items(request: HttpRequest, filters: Query[RegisterFilters]) -> Any:  # type: ignore[valid-type]
        from busbar.registers import steps

        f = filters  # type: ignore[assignment]
        status_values = {str(v) for v in table}
        if f.status and f.status != "open" and f.status not in status_values:
            raise ActionError(
                f"No status {f.status!r}: open or one of {', '.join(sorted(status_values))}", field="status"
            )
        if f.kpi:
            steps.check_kpis([f.kpi])
        service = None
        if f.service:
            try:
                service = steps.services_named(request.user, [f.service])[0].pk
            except ActionError as exc:
                raise ActionError(exc.message, field="service") from None
        wanted = lists.Filters(
            q=f.q or "",
            status=f.status or "",
            organisation=f.organisation,
            owner=f.owner or "",
            service=service,
            min_score=f.min_score,
            overdue=bool(f.overdue),
            likelihood=f.likelihood,
            impact=f.impact,
            kpi=f.kpi or "",
            sort=f.sort,
        )
        qs = lists.apply(
            visible_to(request.user), kind, wanted, user=request.user, today=timezone.localdate()
        )
        return lists.rows(qs)

    @router.post(
        f"/{path}",
        response={201: detail_schema},
        summary=f"Raise one of the {label}",
        operation_id=f"registers_create_{kind}",
    )
    def create_item(request: HttpRequest, payload: in_schema) -> Status:  # type: ignore[valid-type]
        data = _resolved(payload.dict())  # type: ignore[attr-defined]
        done = raise_fn(actor=_actor(request), **data)
        return Status(201, _item(request, done.reference))

    @router.get(
        f"/{path}/{{reference}}",
        response=detail_schema,
        summary=f"One of the {label}",
        operation_id=f"registers_get_{kind}",
    )
    def get_item(request: HttpRequest, reference: RefPath) -> Any:
        return _item(request, reference)

    @router.patch(
        f"/{path}/{{reference}}",
        response=detail_schema,
        summary="Change its fields",
        operation_id=f"registers_update_{kind}",
    )
    def patch_item(request: HttpRequest, reference: RefPath, payload: patch_schema) -> Any:  # type: ignore[valid-type]
        data = payload.dict(exclude_unset=True)  # type: ignore[attr-defined]
        for name in ("title", "likelihood", "impact"):
            if name in data and data[name] is None:
                raise ActionError(f"{name} cannot be empty", field=name)
        return _run(request, reference, update_fn, fields=_resolved(data))

    @router.post(
        f"/{path}/{{reference}}/status",
        response=detail_schema,
        summary="Change its status",
        operation_id=f"registers_status_{kind}",
    )
    def change_status(request: HttpRequest, reference: RefPath, payload: status_schema) -> Any:  # type: ignore[valid-type]
        return _run(request, reference, status_fn, **payload.dict())  # type: ignore[attr-defined]

    @router.post(
        f"/{path}/{{reference}}/review",
        response=detail_schema,
        summary="Record a review",
        operation_id=f"registers_review_{kind}",
    )
    def review_item(request: HttpRequest, reference: RefPath, payload: RegisterReviewIn) -> Any:
        return _run(request, reference, review_fn, next_review_by=payload.next_review_by, note=payload.note)

    @router.post(
        f"/{path}/{{reference}}/problems",
        response={201: RegisterLinkedOut},
        summary="Link problems",
        operation_id=f"registers_link_{kind}_problems",
    )
    def link_problems(request: HttpRequest, reference: RefPath, payload: RegisterProblemsIn) -> Status:
        item = _item(request, reference)
        return Status(
            201, {"linked": link_fn(actor=_actor(request), **{kind: item}, problems=payload.problems)}
        )

    @router.post(
        f"/{path}/{{reference}}/updates",
        response={201: EntryOut},
        summary="Add an update or note",
        operation_id=f"registers_add_{kind}_update",
    )
    def add_update(request: HttpRequest, reference: RefPath, payload: RegisterUpdateIn) -> Status:
        item = _item(request, reference)
        entry = update_entry_fn(
            actor=_actor(request), **{kind: item}, body=payload.body, internal=payload.internal
        )
        return Status(201, record_queries.entries_visible_to(request.user, item).get(pk=entry.pk))


register_routes(
    router,
    kind="risk",
    path="risks",
    visible_to=queries.risks_visible_to,
    summary_schema=RiskSummary,
    detail_schema=RiskDetail,
    in_schema=RiskIn,
    patch_schema=RiskPatch,
    status_schema=RiskStatusIn,
    table=RISK_TRANSITIONS,
    raise_fn=actions.raise_risk,
    update_fn=actions.update_risk,
    status_fn=actions.change_risk_status,
    review_fn=actions.review_risk,
    link_fn=actions.link_risk_problems,
    update_entry_fn=actions.add_risk_update,
)
register_routes(
    router,
    kind="improvement",
    path="improvements",
    visible_to=queries.improvements_visible_to,
    summary_schema=ImprovementSummary,
    detail_schema=ImprovementDetail,
    in_schema=ImprovementIn,
    patch_schema=ImprovementPatch,
    status_schema=ImprovementStatusIn,
    table=CSI_TRANSITIONS,
    raise_fn=actions.raise_improvement,
    update_fn=actions.update_improvement,
    status_fn=actions.change_improvement_status,
    review_fn=actions.review_improvement,
    link_fn=actions.link_improvement_problems,
    update_entry_fn=actions.add_improvement_update,
)
