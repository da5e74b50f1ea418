"""Hub returns API (RQ-27, RQ-28): ``/hub-returns``, ``/hub-serials/{serial}``, ``/hub-fault-codes``.

Every read starts from :mod:`busbar.orders.queries` (a return or serial outside it is a 404: another
supplier's returns do not exist for you); every change goes through
:mod:`busbar.orders.actions.returns`. Bulk input (a JSON list of up to 100,000 hubs, or a CSV file) is all
or nothing: the 422 problem lists every bad line in ``errors`` (``field`` ``line 7, serial`` for a file,
``hubs[6].serial`` for a list) and nothing is written. A stage out of order is a 409 naming the current
status and the allowed ones.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.lib.limits import SHORT_TEXT
from busbar.lib.pagination import Page
from busbar.lib.problems import problem_response, transition_refused
from busbar.lib.schema import Day, Id, InputSchema, RefPath, Text
from busbar.orders import permissions, queries, serials
from busbar.orders.actions import returns as actions
from busbar.orders.models import (
    HUB_RETURN_TRANSITIONS,
    FaultCode,
    HubOutcome,
    HubReturn,
    HubReturnStatus,
)
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for

router = Router(tags=["Hub orders and returns"])

SerialText = Annotated[str, Field(min_length=1, max_length=64, description="16 hexadecimal digits (EUI-64)")]
SerialPath = Annotated[str, Field(min_length=1, max_length=64)]
ReturnStatusName = Literal[tuple(HubReturnStatus.values)]  # type: ignore[valid-type]
HubOutcomeName = Literal[tuple(HubOutcome.values)]  # type: ignore[valid-type]
_FILE = {"schema": {"type": "string", "format": "binary"}}
_CSV_BODY = {
    "required": True,
    "content": {
        "text/csv": _FILE,
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
}
_UNSUPPORTED = {415: {"description": "Not text/csv nor multipart/form-data with a 'file'"}}


class HubReturnSupplier(Schema):
    id: int
    name: str


class HubReturnSummary(Schema):
    reference: str = Field(..., description="e.g. RTN0000012")
    status: ReturnStatusName  # type: ignore[valid-type]
    supplier: HubReturnSupplier
    postcode: str
    collection_date: dt.date | None
    hub_count: int
    credited_count: int
    rejected_count: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_supplier(obj: HubReturn) -> dict:
        return {"id": obj.supplier_id, "name": obj.supplier.name}


class HubReturnDetail(HubReturnSummary):
    collection_address: str
    contact: str
    collected_at: dt.datetime | None
    received_at: dt.datetime | None
    tested_at: dt.datetime | None
    closed_at: dt.datetime | None
    response_due_at: dt.datetime | None = Field(..., description="When collection is due (None once done)")
    resolution_due_at: dt.datetime | None = Field(
        ..., description="When the credit is due (None once closed)"
    )
    pending_count: int = Field(..., description="Hubs awaiting test")
    allowed_actions: list[str] = Field(..., description="What the caller may do now")

    @staticmethod
    def resolve_response_due_at(obj: HubReturn) -> dt.datetime | None:
        return obj.record.response_due_at

    @staticmethod
    def resolve_resolution_due_at(obj: HubReturn) -> dt.datetime | None:
        return obj.record.resolution_due_at

    @staticmethod
    def resolve_pending_count(obj: HubReturn) -> int:
        if obj.status == HubReturnStatus.CANCELLED:
            return 0
        return max(obj.hub_count - obj.credited_count - obj.rejected_count, 0)

    @staticmethod
    def resolve_allowed_actions(obj: HubReturn, context: dict[str, Any]) -> list[str]:
        return allowed(scope_for(context["request"].user), obj)


class ReturnedHubOut(Schema):
    serial: str
    variant: str
    fault: str
    fault_note: str
    outcome: HubOutcomeName  # type: ignore[valid-type]
    outcome_reason: str
    line: int = Field(..., description="The line of the uploaded file (0: entered one by one)")

    @staticmethod
    def resolve_variant(obj: Any) -> str:
        return obj.variant.code

    @staticmethod
    def resolve_fault(obj: Any) -> str:
        return obj.fault.code


class HubSerialOut(Schema):
    serial: str
    reference: str = Field(..., description="The return holding it")
    status: ReturnStatusName  # type: ignore[valid-type]
    outcome: HubOutcomeName  # type: ignore[valid-type]
    outcome_reason: str
    variant: str
    fault: str
    created_at: dt.datetime


class HubSerialHistory(Schema):
    serial: str = Field(..., description="Normalised: 00-1B-C5-0C-00-12-34-56")
    returns: list[HubSerialOut] = Field(..., description="Newest first: a rejected hub may be returned again")


class HubFaultCodeOut(Schema):
    code: str
    label: str


class HubReturnFilters(Schema):
    status: ReturnStatusName | None = None  # type: ignore[valid-type]
    supplier: Id | None = Field(None, description="A supplier's id (DCC and the desk)")
    created_from: Day | None = Field(None, description="Raised on or after (UK date)")
    created_to: Day | None = Field(None, description="Raised on or before (UK date)")
    serial: SerialText | None = Field(None, description="The return holding this serial")


class HubLineIn(Schema):
    serial: SerialText
    variant: Annotated[str, Field(min_length=1, max_length=30, description="A hub variant's code")]
    fault: Annotated[
        str, Field(min_length=1, max_length=10, description="A fault code (GET /hub-fault-codes)")
    ]
    note: Annotated[str, Field(max_length=serials.NOTE_MAX)] = ""


class HubReturnIn(InputSchema):
    supplier: Id | None = Field(None, description="The supplier returning them (default: yours)")
    collection_address: Annotated[str, Field(min_length=1, max_length=1000)]
    postcode: Annotated[str, Field(min_length=1, max_length=10, description="A UK postcode")]
    collection_date: Day = Field(..., description="From 1970-01-01 to 2199-12-31: a working day after today")
    contact: Annotated[str, Field(max_length=SHORT_TEXT)] = ""
    hubs: list[HubLineIn] = Field(..., min_length=1, max_length=serials.MAX_ROWS)


class HubReturnAddIn(InputSchema):
    hubs: list[HubLineIn] = Field(..., min_length=1, max_length=serials.MAX_ROWS)


class HubResultIn(Schema):
    serial: SerialText
    outcome: Literal["credited", "rejected"]
    reason: Annotated[str, Field(max_length=serials.REASON_MAX)] = ""


class HubResultsIn(InputSchema):
    results: list[HubResultIn] = Field(..., min_length=1, max_length=serials.MAX_ROWS)


class HubReturnNoteIn(InputSchema):
    note: Text = ""


class HubReturnCancelIn(InputSchema):
    reason: Text = ""


class HubReturnUpdateIn(InputSchema):
    body: Text
    internal: bool = False


class HubReturnAdded(Schema):
    added: int


# Shared --------------------------------------------------------------------------------------------------


def allowed(scope: Any, hub_return: HubReturn) -> list[str]:
    """What ``scope`` may do to the return now (the page offers the same)."""
    out = []
    status = hub_return.status
    if status == HubReturnStatus.REQUESTED and permissions.can_return(scope, hub_return.supplier) is None:
        out += ["add_hubs", "remove_hub"]
    if permissions.can_cancel_return(scope, hub_return) is None:
        out.append("cancel")
    if permissions.can_process_return(scope, hub_return) is None:
        stage = {
            HubReturnStatus.REQUESTED: "collected",
            HubReturnStatus.COLLECTED: "received",
            HubReturnStatus.RECEIVED: "test_results",
            HubReturnStatus.TESTED: "credit",
        }.get(status)
        if stage:
            out.append(stage)
    return out


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _return(request: HttpRequest, reference: str) -> HubReturn:
    return get_object_or_404(queries.returns_visible_to(request.user), reference=reference.upper())


def _line_errors(request: HttpRequest, exc: serials.LineErrors) -> HttpResponse:
    return problem_response(
        request, status=422, title=exc.title, detail=exc.message, kind="invalid", errors=exc.errors()
    )


def _run(request: HttpRequest, reference: str, func: Any, **kwargs: Any) -> Any:
    hub_return = _return(request, reference)
    try:
        func(actor=_actor(request), hub_return=hub_return, **kwargs)
    except IllegalTransition as exc:
        current = HubReturn.objects.filter(pk=hub_return.pk).values_list("status", flat=True).get()
        return transition_refused(
            request, exc, current=current, allowed=HUB_RETURN_TRANSITIONS.get(current, ())
        )
    except serials.LineErrors as exc:
        return _line_errors(request, exc)
    return _return(request, reference)


def _csv_upload(request: HttpRequest) -> Any:
    """The CSV sent (text/csv body, or multipart 'file'), or a 415 problem."""
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ActionError("Send the file as the multipart field 'file'", field="file")
        return upload
    if content_type in ("text/csv", "text/plain", "application/csv"):
        return request.body
    return problem_response(
        request,
        status=415,
        title="Unsupported media type",
        detail="Send text/csv, or multipart/form-data with a 'file'",
    )


def _supplier(pk: int | None) -> Organisation | None:
    if pk is None:
        return None
    found = Organisation.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ActionError(f"No organisation {pk}", field="supplier")
    return found


def listed(user: Any, f: HubReturnFilters) -> Any:
    qs = queries.returns_visible_to(user)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.supplier is not None:
        qs = qs.filter(supplier_id=f.supplier)
    if f.created_from is not None:
        start = dt.datetime.combine(f.created_from, dt.time(0), tzinfo=_london())
        qs = qs.filter(created_at__gte=start)
    if f.created_to is not None:
        end = dt.datetime.combine(f.created_to + dt.timedelta(days=1), dt.time(0), tzinfo=_london())
        qs = qs.filter(created_at__lt=end)
    if f.serial:
        try:
            serial = serials.normalise(f.serial)
        except serials.BadSerial as exc:
            raise ActionError(str(exc), field="serial") from None
        qs = qs.filter(pk__in=queries.hubs_visible_to(user).filter(serial=serial).values("hub_return_id"))
    return qs.order_by("-created_at", "-id")


def _london() -> Any:
    from busbar.lib.worktime import LONDON

    return LONDON


# Endpoints -----------------------------------------------------------------------------------------------


@router.get(
    "/hub-returns",
    response=list[HubReturnSummary],
    summary="The hub returns you may see (your own; DCC and the desk: all), newest first",
    operation_id="orders_list_hub_returns",
)
@paginate(Page)
def list_returns(request: HttpRequest, filters: Query[HubReturnFilters]) -> Any:
    return listed(request.user, filters)


@router.post(
    "/hub-returns",
    response={201: HubReturnDetail},
    summary="Return faulty hubs: one collection, every hub's serial, variant and fault (all or nothing)",
    description="Any bad hub (a serial not of 16 hexadecimal digits, given twice, already in a return "
    "awaiting test or credited; an unknown variant or fault code) refuses the whole request with a 422 "
    "whose `errors` name each (`hubs[6].serial`). At most 100,000 hubs.",
    operation_id="orders_create_hub_return",
)
def create_return(request: HttpRequest, payload: HubReturnIn) -> Any:
    try:
        done = actions.raise_return(
            actor=_actor(request),
            supplier=_supplier(payload.supplier),
            collection_address=payload.collection_address,
            postcode=payload.postcode,
            collection_date=payload.collection_date,
            contact=payload.contact,
            hubs=[(h.serial, h.variant, h.fault, h.note) for h in payload.hubs],
        )
    except serials.LineErrors as exc:
        return _line_errors(request, exc)
    return Status(201, _return(request, done.reference))


@router.post(
    "/hub-returns/csv",
    response={201: HubReturnDetail},
    summary="Return faulty hubs listed in a CSV file (serial,variant,fault,note): all or nothing",
    description="The collection is given as query parameters (or form fields beside a multipart 'file'): "
    "collection_address, postcode, collection_date (YYYY-MM-DD, a working day after today), contact, "
    "supplier (id). The file: UTF-8, at most 10 MB and 100,000 lines, the first row naming the columns "
    "serial, variant, fault, note. Any bad line refuses the file: the 422 lists every one "
    "(`line 7, serial`) and nothing is imported.",
    operation_id="orders_create_hub_return_csv",
    openapi_extra={"requestBody": _CSV_BODY, "responses": _UNSUPPORTED},
)
def create_return_csv(
    request: HttpRequest,
    collection_address: Annotated[str, Field(max_length=1000)] = "",
    postcode: Annotated[str, Field(max_length=10)] = "",
    collection_date: Day | None = None,
    contact: Annotated[str, Field(max_length=SHORT_TEXT)] = "",
    supplier: Id | None = None,
) -> Any:
    upload = _csv_upload(request)
    if isinstance(upload, HttpResponse):
        return upload
    form = request.POST if request.content_type == "multipart/form-data" else {}
    address = collection_address or form.get("collection_address", "")[:1000]
    code = postcode or form.get("postcode", "")[:10]
    if collection_date is None and form.get("collection_date"):
        try:
            collection_date = dt.date.fromisoformat(form["collection_date"][:10])
        except ValueError:
            raise ActionError("Give the date as YYYY-MM-DD", field="collection_date") from None
    if collection_date is None:
        raise ActionError("Give the collection date (YYYY-MM-DD)", field="collection_date")
    if supplier is None and form.get("supplier", "").isdigit():
        supplier = int(form["supplier"][:18])
    try:
        lines = serials.parse_hub_lines(upload)
        done = actions.raise_return(
            actor=_actor(request),
            supplier=_supplier(supplier),
            collection_address=address,
            postcode=code,
            collection_date=collection_date,
            contact=contact or form.get("contact", "")[:SHORT_TEXT],
            hubs=lines,
        )
    except serials.LineErrors as exc:
        return _line_errors(request, exc)
    return Status(201, _return(request, done.reference))


@router.get(
    "/hub-returns/{reference}",
    response=HubReturnDetail,
    summary="One hub return",
    operation_id="orders_get_hub_return",
)
def get_return(request: HttpRequest, reference: RefPath) -> Any:
    return _return(request, reference)


@router.get(
    "/hub-returns/{reference}/hubs",
    response=list[ReturnedHubOut],
    summary="The hubs of a return, in the order given",
    operation_id="orders_list_hub_return_hubs",
)
@paginate(Page)
def list_hubs(request: HttpRequest, reference: RefPath, outcome: HubOutcomeName | None = None) -> Any:  # type: ignore[valid-type]
    hub_return = _return(request, reference)
    qs = queries.hubs_visible_to(request.user).filter(hub_return_id=hub_return.pk)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("id")


@router.post(
    "/hub-returns/{reference}/hubs",
    response={201: HubReturnAdded},
    summary="Add hubs to a return before collection (all or nothing)",
    operation_id="orders_add_hub_return_hubs",
)
def add_hubs(request: HttpRequest, reference: RefPath, payload: HubReturnAddIn) -> Any:
    hub_return = _return(request, reference)
    try:
        added = actions.add_hubs(
            actor=_actor(request),
            hub_return=hub_return,
            hubs=[(h.serial, h.variant, h.fault, h.note) for h in payload.hubs],
        )
    except serials.LineErrors as exc:
        return _line_errors(request, exc)
    return Status(201, {"added": added})


@router.delete(
    "/hub-returns/{reference}/hubs/{serial}",
    response={200: HubReturnDetail},
    summary="Take a hub out of a return before collection",
    operation_id="orders_remove_hub_return_hub",
)
def remove_hub(request: HttpRequest, reference: RefPath, serial: SerialPath) -> Any:
    return _run(request, reference, actions.remove_hub, serial=serial)


def _stage_route(path: str, func: Any, summary: str, op: str, schema: type) -> None:
    @router.post(
        f"/hub-returns/{{reference}}/{path}",
        response={200: HubReturnDetail},
        summary=summary,
        operation_id=op,
    )
    def stage(request: HttpRequest, reference: RefPath, payload: schema) -> Any:  # type: ignore[valid-type]
        return _run(request, reference, func, **payload.dict())  # type: ignore[attr-defined]

    stage.__name__ = op


_stage_route(
    "collected",
    actions.mark_collected,
    "DCC: the hubs were collected",
    "orders_hub_return_collected",
    HubReturnNoteIn,
)
_stage_route(
    "received",
    actions.mark_received,
    "DCC: the hubs were received",
    "orders_hub_return_received",
    HubReturnNoteIn,
)
_stage_route(
    "credit",
    actions.credit_return,
    "DCC: close a tested return (credited if any hub is credited, else rejected)",
    "orders_hub_return_credit",
    HubReturnNoteIn,
)
_stage_route(
    "cancel",
    actions.cancel_return,
    "Cancel a return before collection (its hubs are withdrawn)",
    "orders_hub_return_cancel",
    HubReturnCancelIn,
)


@router.post(
    "/hub-returns/{reference}/test-results",
    response={200: HubReturnDetail},
    summary="DCC: each listed hub credited or rejected (reason required); the rest stay awaiting test",
    description="All or nothing: a serial not in the return or already tested is named in `errors` "
    "(`results[3].serial`). When no hub awaits test the return becomes tested.",
    operation_id="orders_hub_return_test_results",
)
def test_results(request: HttpRequest, reference: RefPath, payload: HubResultsIn) -> Any:
    results = [(r.serial, r.outcome, r.reason) for r in payload.results]
    return _run(request, reference, actions.record_test_results, results=results)


@router.post(
    "/hub-returns/{reference}/test-results/csv",
    response={200: HubReturnDetail},
    summary="DCC: test results as CSV (serial,outcome,reason): all or nothing, every bad line named",
    operation_id="orders_hub_return_test_results_csv",
    openapi_extra={"requestBody": _CSV_BODY, "responses": _UNSUPPORTED},
)
def test_results_csv(request: HttpRequest, reference: RefPath) -> Any:
    hub_return = _return(request, reference)
    refusal = permissions.can_process_return(scope_for(request.user), hub_return)
    if refusal is not None:
        from busbar.lib.actions import refuse

        refuse(refusal)
    upload = _csv_upload(request)
    if isinstance(upload, HttpResponse):
        return upload
    try:
        results = serials.parse_results_csv(upload)
    except serials.LineErrors as exc:
        return _line_errors(request, exc)
    return _run(request, reference, actions.record_test_results, results=results)


@router.post(
    "/hub-returns/{reference}/updates",
    response={201: HubReturnDetail},
    summary="Add a message to the return's conversation (or, DCC and the desk, an internal note)",
    operation_id="orders_hub_return_update",
)
def add_update(request: HttpRequest, reference: RefPath, payload: HubReturnUpdateIn) -> Any:
    hub_return = _return(request, reference)
    actions.add_return_update(
        actor=_actor(request), hub_return=hub_return, body=payload.body, internal=payload.internal
    )
    return Status(201, _return(request, reference))


@router.get(
    "/hub-serials/{serial}",
    response=HubSerialHistory,
    summary="Where a hub is: the returns you may see that hold its serial, newest first",
    operation_id="orders_find_hub_serial",
)
def find_serial(request: HttpRequest, serial: SerialPath) -> Any:
    try:
        normal = serials.normalise(serial)
    except serials.BadSerial as exc:
        raise ActionError(str(exc), field="serial") from None
    hubs = list(
        queries.hubs_visible_to(request.user)
        .filter(serial=normal)
        .select_related("hub_return")
        .order_by("-id")[:50]
    )
    if not hubs:
        from django.http import Http404

        raise Http404("No such serial")
    return {
        "serial": normal,
        "returns": [
            {
                "serial": h.serial,
                "reference": h.hub_return.reference,
                "status": h.hub_return.status,
                "outcome": h.outcome,
                "outcome_reason": h.outcome_reason,
                "variant": h.variant.code,
                "fault": h.fault.code,
                "created_at": h.hub_return.created_at,
            }
            for h in hubs
        ],
    }


@router.get(
    "/hub-fault-codes",
    response=list[HubFaultCodeOut],
    summary="The fault codes a returned hub may be given",
    operation_id="orders_list_hub_fault_codes",
)
def fault_codes(request: HttpRequest) -> Any:
    return list(FaultCode.objects.filter(is_active=True).order_by("code"))
