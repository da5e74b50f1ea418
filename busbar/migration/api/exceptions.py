"""The migration exception queue's API (``/api/v1/migration/exceptions``).

Every read starts from :func:`busbar.migration.queries.exceptions_visible_to` (outside it: 404); the MPANs
of an exception are those :func:`~busbar.migration.queries.exception_items_visible_to` allows; every
change goes through :mod:`busbar.migration.actions.exceptions` (403 for who, 409 for a status change the
table forbids, 422 naming the field)."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import Actor, IllegalTransition
from busbar.lib.pagination import Page
from busbar.lib.problems import transition_refused
from busbar.lib.schema import Id, InputSchema, RefPath, Text
from busbar.migration import queries
from busbar.migration.actions import exceptions as actions
from busbar.migration.common import DISTRIBUTOR_IDS
from busbar.migration.models import EXCEPTION_TRANSITIONS, ExceptionKind, ExceptionStatus, MigrationException
from busbar.migration.views.exceptions import available, filter_exceptions, with_shown_mpans
from busbar.records import queries as record_queries
from busbar.records.api import EntryOut

router = Router(tags=["Qualification and migration"])

KindValue = Literal[tuple(ExceptionKind.values)]  # type: ignore[valid-type]
StatusValue = Literal[("active", *ExceptionStatus.values)]  # type: ignore[valid-type]
Distributor = Literal[DISTRIBUTOR_IDS]  # type: ignore[valid-type]


class MigrationExceptionSupplierOut(Schema):
    id: int
    name: str


class MigrationExceptionSummary(Schema):
    reference: str
    kind: ExceptionKind
    status: ExceptionStatus
    supplier: MigrationExceptionSupplierOut
    day: dt.date
    summary: str
    mpans: int = Field(..., description="The MPANs of the exception you may see")
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None

    @staticmethod
    def resolve_supplier(obj: Any) -> dict:
        return {"id": obj.supplier_id, "name": obj.supplier.name}

    @staticmethod
    def resolve_mpans(obj: Any) -> int:
        return obj.shown_mpans


class MigrationExceptionDetail(MigrationExceptionSummary):
    resolution: str
    updates: list[EntryOut] = Field(..., description="Internal notes only for those who work it")
    allowed_actions: list[str] = Field(..., description="What the caller may do now")

    @staticmethod
    def resolve_updates(obj: Any, context: dict[str, Any]) -> list:
        return list(
            record_queries.entries_visible_to(context["request"].user, obj).order_by("created_at", "id")
        )

    @staticmethod
    def resolve_allowed_actions(obj: Any, context: dict[str, Any]) -> list[str]:
        return available(context["request"].user, obj)


class MigrationExceptionMpanOut(Schema):
    mpan: str
    distributor: str
    agent: str | None
    on: dt.date
    detail: str

    @staticmethod
    def resolve_mpan(obj: Any) -> str:
        return f"{obj.core:013d}"

    @staticmethod
    def resolve_agent(obj: Any) -> str | None:
        return obj.agent.name if obj.agent_id else None


class MigrationExceptionFilters(Schema):
    kind: KindValue | None = None  # type: ignore[valid-type]
    status: StatusValue | None = Field(None, description="A status, or active (open or investigating)")  # type: ignore[valid-type]
    supplier: Id | None = Field(None, description="The supplier's organisation id")
    distributor: Distributor | None = Field(None, description="Exceptions with an MPAN in this DNO area")  # type: ignore[valid-type]


class MigrationExceptionNoteIn(InputSchema):
    note: Text = ""


class MigrationExceptionReopenIn(InputSchema):
    note: Annotated[Text, Field(min_length=1, description="Why it is reopened")]


class MigrationExceptionResolveIn(InputSchema):
    resolution: Annotated[Text, Field(min_length=1)]


class MigrationExceptionUpdateIn(InputSchema):
    body: Annotated[Text, Field(min_length=1)]
    internal: bool = Field(False, description="An internal note (the supplier and the managers only)")


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _rows(user: Any) -> Any:
    return with_shown_mpans(queries.exceptions_visible_to(user), user)


def _exception(request: HttpRequest, reference: str) -> MigrationException:
    return get_object_or_404(_rows(request.user), reference=reference.upper())


def _run(request: HttpRequest, reference: str, func: Any, **kwargs: Any) -> Any:
    exception = _exception(request, reference)
    try:
        func(actor=_actor(request), exception=exception, **kwargs)
    except IllegalTransition as exc:
        current = MigrationException.objects.filter(pk=exception.pk).values_list("status", flat=True).get()
        return transition_refused(
            request, exc, current=current, allowed=EXCEPTION_TRANSITIONS.get(current, ())
        )
    return _exception(request, reference)


@router.get(
    "/migration/exceptions",
    response=list[MigrationExceptionSummary],
    summary="The migration exceptions you may see, newest day first",
    operation_id="migration_list_exceptions",
)
@paginate(Page)
def list_exceptions(request: HttpRequest, filters: Query[MigrationExceptionFilters]) -> Any:
    return filter_exceptions(_rows(request.user), filters.dict()).order_by("-day", "-id")


@router.get(
    "/migration/exceptions/{reference}",
    response=MigrationExceptionDetail,
    summary="One migration exception",
    operation_id="migration_get_exception",
)
def get_exception(request: HttpRequest, reference: RefPath) -> Any:
    return _exception(request, reference)


@router.get(
    "/migration/exceptions/{reference}/mpans",
    response=list[MigrationExceptionMpanOut],
    summary="The MPANs of an exception you may see (a DNO those in its area, an agent those naming it)",
    operation_id="migration_list_exception_mpans",
)
@paginate(Page)
def list_exception_mpans(request: HttpRequest, reference: RefPath) -> Any:
    exception = _exception(request, reference)
    items = queries.exception_items_visible_to(request.user, exception)
    return items.select_related("agent").order_by("core", "on", "pk")


@router.post(
    "/migration/exceptions/{reference}/investigate",
    response=MigrationExceptionDetail,
    summary="Start investigating an open exception",
    operation_id="migration_investigate_exception",
)
def investigate(request: HttpRequest, reference: RefPath, payload: MigrationExceptionNoteIn) -> Any:
    return _run(request, reference, actions.investigate, note=payload.note)


@router.post(
    "/migration/exceptions/{reference}/resolve",
    response=MigrationExceptionDetail,
    summary="Resolve an exception (the resolution is required)",
    operation_id="migration_resolve_exception",
)
def resolve(request: HttpRequest, reference: RefPath, payload: MigrationExceptionResolveIn) -> Any:
    return _run(request, reference, actions.resolve, resolution=payload.resolution)


@router.post(
    "/migration/exceptions/{reference}/reopen",
    response=MigrationExceptionDetail,
    summary="Reopen a resolved exception (the reason is required)",
    operation_id="migration_reopen_exception",
)
def reopen(request: HttpRequest, reference: RefPath, payload: MigrationExceptionReopenIn) -> Any:
    return _run(request, reference, actions.reopen, note=payload.note)


@router.post(
    "/migration/exceptions/{reference}/updates",
    response={201: EntryOut},
    summary="Add a public update or an internal note to an exception",
    operation_id="migration_add_exception_update",
)
def add_update(request: HttpRequest, reference: RefPath, payload: MigrationExceptionUpdateIn) -> Status:
    exception = _exception(request, reference)
    func = actions.add_note if payload.internal else actions.add_update
    entry = func(actor=_actor(request), exception=exception, body=payload.body)
    return Status(201, record_queries.entries_visible_to(request.user, exception).get(pk=entry.pk))
