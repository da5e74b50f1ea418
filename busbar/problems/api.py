"""API: problems, their known-problem workaround, root cause, fix, linked incidents and conversation.

Every read starts from :func:`busbar.problems.queries.visible_to` (a problem outside it is a 404); every
change goes through :mod:`busbar.problems.actions`. One endpoint per action; each replies with the problem
as it now is. A change the status table forbids is a 409 naming the current status and the allowed ones.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import Actor, IllegalTransition
from busbar.lib.pagination import Page
from busbar.lib.problems import transition_refused
from busbar.lib.schema import Id, InputSchema, Line, Ref, RefPath, SearchText, Text
from busbar.parties.queries import scope_for
from busbar.problems import actions, permissions, queries
from busbar.problems.models import OPEN_STATUSES, TRANSITIONS, Problem, RootCauseCategory
from busbar.problems.models import Status as ProblemStatus
from busbar.records import queries as record_queries
from busbar.records.api import EntryOut, LinkedOut, linked
from busbar.services.queries import services_visible_to

router = Router(tags=["Problems"])

#: A reference in a body, e.g. INC0000042 (checked as one the caller may see by the action).
IncidentReference = Annotated[str, Field(min_length=1, max_length=20)]
RootCause = Literal[tuple(RootCauseCategory.values)]  # type: ignore[valid-type]


class ProblemSummary(Schema):
    reference: str
    service: Ref
    summary: str
    status: ProblemStatus
    is_known: bool
    is_published: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_service(obj: Problem) -> dict[str, Any]:
        return {"id": obj.service_id, "name": obj.service.name}


def _shown(context: dict[str, Any], obj: Problem) -> bool:
    return queries.works_on(context["request"].user, obj)


class ProblemDetail(ProblemSummary):
    description: str
    workaround: str = Field(..., description="Shown to anyone raising an incident on the service while open")
    known_since: dt.datetime | None
    fix: str
    fix_implemented_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    owner: Ref | None = Field(..., description="The investigating provider (desk and owner only)")
    root_cause_category: str | None = Field(..., description="Desk and owner only")
    root_cause: str | None = Field(..., description="Desk and owner only")
    links: list[LinkedOut] = Field(..., description="Linked incidents and other records you may see")
    updates: list[EntryOut] = Field(..., description="Internal notes are included for the desk and the owner")
    allowed_actions: list[str] = Field(
        ...,
        description="What the caller may do now: investigate, root-cause, known, fix, resolve, reopen, "
        "close, "
        "cancel, publish, link, update",
    )
    watching: bool

    @staticmethod
    def resolve_owner(obj: Problem, context: dict[str, Any]) -> dict[str, Any] | None:
        return {"id": obj.owner_id, "name": obj.owner.name} if _shown(context, obj) else None

    @staticmethod
    def resolve_root_cause_category(obj: Problem, context: dict[str, Any]) -> str | None:
        return obj.root_cause_category if _shown(context, obj) else None

    @staticmethod
    def resolve_root_cause(obj: Problem, context: dict[str, Any]) -> str | None:
        return obj.root_cause if _shown(context, obj) else None

    @staticmethod
    def resolve_links(obj: Problem, context: dict[str, Any]) -> list[dict[str, Any]]:
        return linked(context["request"].user, obj)

    @staticmethod
    def resolve_updates(obj: Problem, context: dict[str, Any]) -> list[Any]:
        return list(record_queries.entries_visible_to(context["request"].user, obj))

    @staticmethod
    def resolve_allowed_actions(obj: Problem, context: dict[str, Any]) -> list[str]:
        return permissions.available(scope_for(context["request"].user), obj)

    @staticmethod
    def resolve_watching(obj: Problem, context: dict[str, Any]) -> bool:
        return record_queries.is_watching(context["request"].user, obj)


class ProblemFilters(Schema):
    status: Literal[tuple(["open", *ProblemStatus.values])] | None = None  # type: ignore[valid-type]
    service: Id | None = None
    known: bool | None = Field(None, description="Known problems (with a workaround) only")
    q: SearchText | None = Field(
        None, description="A PRB reference, or words in the summary, description or workaround"
    )


class ProblemIn(InputSchema):
    service: Id
    summary: Line
    description: Text
    owner: Id | None = Field(
        None, description="The investigating provider; the desk may name one (default: the service's)"
    )
    incidents: list[IncidentReference] = Field(
        default_factory=list, max_length=100, description="References of the recurring incidents it explains"
    )


class ProblemNoteIn(InputSchema):
    note: Text = ""


class ProblemReasonIn(InputSchema):
    reason: Text


class ProblemRootCauseIn(InputSchema):
    category: RootCause = ""  # type: ignore[valid-type]
    root_cause: Text


class ProblemKnownIn(InputSchema):
    workaround: Text


class ProblemFixIn(InputSchema):
    fix: Text
    implemented: bool = Field(
        ..., description="True once the fix is in place (the problem can then be resolved)"
    )


class ProblemPublishIn(InputSchema):
    published: bool


class ProblemEmptyIn(InputSchema):
    pass


class ProblemIncidentsIn(InputSchema):
    incidents: list[IncidentReference] = Field(..., min_length=1, max_length=100)


class ProblemLinkedIncidentsOut(Schema):
    linked: list[str]


class ProblemUpdateIn(InputSchema):
    body: Text
    internal: bool = False


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _problem(request: HttpRequest, reference: str) -> Problem:
    qs = record_queries.with_watching(queries.visible_to(request.user), request.user)
    return get_object_or_404(qs, reference=reference.upper())


def _change(request: HttpRequest, reference: str, func: Any, **kwargs: Any) -> Problem | HttpResponse:
    problem = _problem(request, reference)
    try:
        func(actor=_actor(request), problem=problem, **kwargs)
    except IllegalTransition as exc:
        current = Problem.objects.filter(pk=problem.pk).values_list("status", flat=True).get()
        return transition_refused(request, exc, current=current, allowed=TRANSITIONS.get(current, ()))
    return _problem(request, reference)


@router.get("/problems", response=list[ProblemSummary], summary="Problems you may see")
@paginate(Page)
def list_problems(request: HttpRequest, filters: Query[ProblemFilters]) -> Any:
    qs = queries.visible_to(request.user)
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.service is not None:
        qs = qs.filter(service_id=filters.service)
    if filters.known is not None:
        qs = qs.filter(is_known=filters.known)
    if filters.q:
        qs = queries.search(qs, filters.q)
    return qs.order_by("-created_at", "-id")


@router.post("/problems", response={201: ProblemDetail}, summary="Record a problem (desk or provider)")
def create_problem(request: HttpRequest, payload: ProblemIn) -> Status:
    from busbar.lib.actions import ActionError
    from busbar.parties.models import Organisation

    service = services_visible_to(request.user).filter(pk=payload.service).first()
    if service is None:
        raise ActionError(f"No service {payload.service}", field="service")
    owner = None
    if payload.owner is not None:
        owner = Organisation.objects.filter(pk=payload.owner, is_active=True).first()
        if owner is None:
            raise ActionError(f"No organisation {payload.owner}", field="owner")
    problem = actions.raise_problem(
        actor=_actor(request),
        service=service,
        summary=payload.summary,
        description=payload.description,
        owner=owner,
        incidents=payload.incidents,
    )
    return Status(201, _problem(request, problem.reference))


@router.get("/problems/{reference}", response=ProblemDetail, summary="One problem")
def get_problem(request: HttpRequest, reference: RefPath) -> Problem:
    return _problem(request, reference)


@router.post("/problems/{reference}/investigate", response=ProblemDetail, summary="Start investigating")
def investigate(request: HttpRequest, reference: RefPath, payload: ProblemNoteIn) -> Any:
    return _change(request, reference, actions.start_investigation, note=payload.note)


@router.post("/problems/{reference}/root-cause", response=ProblemDetail, summary="Record the root cause")
def root_cause(request: HttpRequest, reference: RefPath, payload: ProblemRootCauseIn) -> Any:
    return _change(
        request,
        reference,
        actions.record_root_cause,
        category=payload.category,
        root_cause=payload.root_cause,
    )


@router.post(
    "/problems/{reference}/known", response=ProblemDetail, summary="Flag a known problem with its workaround"
)
def known(request: HttpRequest, reference: RefPath, payload: ProblemKnownIn) -> Any:
    return _change(request, reference, actions.mark_known, workaround=payload.workaround)


@router.post(
    "/problems/{reference}/fix", response=ProblemDetail, summary="Record the fix (planned or implemented)"
)
def fix(request: HttpRequest, reference: RefPath, payload: ProblemFixIn) -> Any:
    return _change(request, reference, actions.record_fix, fix=payload.fix, implemented=payload.implemented)


@router.post(
    "/problems/{reference}/resolve", response=ProblemDetail, summary="Resolve (once the fix is implemented)"
)
def resolve(request: HttpRequest, reference: RefPath, payload: ProblemNoteIn) -> Any:
    return _change(request, reference, actions.resolve_problem, note=payload.note)


@router.post("/problems/{reference}/reopen", response=ProblemDetail, summary="Reopen a resolved problem")
def reopen(request: HttpRequest, reference: RefPath, payload: ProblemReasonIn) -> Any:
    return _change(request, reference, actions.reopen_problem, reason=payload.reason)


@router.post("/problems/{reference}/close", response=ProblemDetail, summary="Close (service desk)")
def close(request: HttpRequest, reference: RefPath, payload: ProblemEmptyIn) -> Any:
    return _change(request, reference, actions.close_problem)


@router.post("/problems/{reference}/cancel", response=ProblemDetail, summary="Cancel (service desk)")
def cancel(request: HttpRequest, reference: RefPath, payload: ProblemReasonIn) -> Any:
    return _change(request, reference, actions.cancel_problem, reason=payload.reason)


@router.post("/problems/{reference}/publish", response=ProblemDetail, summary="Publish to every participant")
def publish(request: HttpRequest, reference: RefPath, payload: ProblemPublishIn) -> Any:
    return _change(request, reference, actions.set_published, published=payload.published)


@router.post(
    "/problems/{reference}/incidents",
    response={201: ProblemLinkedIncidentsOut},
    summary="Link recurring incidents",
)
def link(request: HttpRequest, reference: RefPath, payload: ProblemIncidentsIn) -> Status:
    problem = _problem(request, reference)
    done = actions.link_incidents(actor=_actor(request), problem=problem, incidents=payload.incidents)
    return Status(201, {"linked": done})


@router.get("/problems/{reference}/updates", response=list[EntryOut], summary="The conversation")
@paginate(Page)
def list_updates(request: HttpRequest, reference: RefPath) -> Any:
    problem = _problem(request, reference)
    return record_queries.entries_visible_to(request.user, problem).order_by("created_at", "id")


@router.post(
    "/problems/{reference}/updates", response={201: EntryOut}, summary="Add an update or internal note"
)
def add_update(request: HttpRequest, reference: RefPath, payload: ProblemUpdateIn) -> Status:
    problem = _problem(request, reference)
    entry = actions.add_update(
        actor=_actor(request), problem=problem, body=payload.body, internal=payload.internal
    )
    return Status(201, record_queries.entries_visible_to(request.user, problem).get(pk=entry.pk))
