"""Hub orders API (RQ-24, RQ-25): place orders against the forecast, follow them, and — for DCC and the
desk — confirm, dispatch, record deliveries (short shipments) and close them; the variants and the
ordering rules. An order the caller may not see is a 404; a breach of the rules a 422 naming the field;
a status change the table forbids a 409 with the current and allowed statuses."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.lib.pagination import Page
from busbar.lib.problems import transition_refused
from busbar.lib.schema import Day, Id, InputSchema, Line, RefPath
from busbar.orders import actions, queries, rules
from busbar.orders.models import ORDER_TRANSITIONS, HubOrder, HubVariant, OrderRule, OrderStatus, Region
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for

router = Router(tags=["Hub orders and returns"])

VariantCode = Annotated[str, Field(min_length=1, max_length=30, description="A hub variant's code")]
Short = Annotated[str, Field(max_length=200)]
Consignment = Annotated[str, Field(max_length=40)]


class HubVariantOut(Schema):
    code: str
    name: str
    technology: str
    orderable: bool
    is_active: bool


class HubDeliveryOut(Schema):
    id: int
    delivered_on: dt.date
    quantity: int
    consignment: str
    note: str
    created_at: dt.datetime


class HubOrderSummary(Schema):
    reference: str
    supplier_id: int
    supplier: str
    region: Region
    variant: str
    quantity: int
    delivered_quantity: int
    short_quantity: int
    delivery_date: dt.date
    month: dt.date
    status: OrderStatus
    short_resolution: str
    purchase_order: str
    created_at: dt.datetime
    updated_at: dt.datetime
    response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    sla_breached: bool

    @staticmethod
    def resolve_supplier(obj: Any) -> str:
        return obj.supplier.name

    @staticmethod
    def resolve_variant(obj: Any) -> str:
        return obj.variant.code

    @staticmethod
    def resolve_response_due_at(obj: Any) -> dt.datetime | None:
        return obj.record.response_due_at

    @staticmethod
    def resolve_resolution_due_at(obj: Any) -> dt.datetime | None:
        return obj.record.resolution_due_at

    @staticmethod
    def resolve_sla_breached(obj: Any) -> bool:
        return bool(obj.record.response_breached or obj.record.resolution_breached)


class HubOrderDetail(HubOrderSummary):
    address: str
    postcode: str
    contact: str
    deliveries: list[HubDeliveryOut]
    allowed_actions: list[str] = Field(..., description="What the caller may do to the order now")

    @staticmethod
    def resolve_deliveries(obj: Any) -> list:
        return list(obj.deliveries.all())

    @staticmethod
    def resolve_allowed_actions(obj: Any, context: dict[str, Any]) -> list[str]:
        from busbar.orders.views.orders import verbs

        return verbs(scope_for(context["request"].user), obj)


class HubOrderIn(InputSchema):
    supplier: Id | None = Field(None, description="The supplier (default: the caller's organisation)")
    region: Region
    variant: VariantCode
    quantity: int = Field(..., ge=1, le=rules.MAX_ORDER)
    delivery_date: Day
    address: str = Field(..., min_length=1, max_length=1000)
    postcode: str = Field(..., min_length=5, max_length=10)
    contact: Line = ""
    purchase_order: str = Field("", max_length=40)


class HubOrderFilters(Schema):
    status: OrderStatus | None = None
    supplier: Id | None = None
    region: Region | None = None
    variant: VariantCode | None = None
    month: Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$", max_length=7)] | None = None


class HubNoteIn(InputSchema):
    note: Short = ""


class HubCancelIn(InputSchema):
    reason: Short = ""


class HubDispatchIn(InputSchema):
    consignment: Consignment = ""
    note: Short = ""


class HubDeliveryIn(InputSchema):
    quantity: int = Field(..., ge=1, le=rules.MAX_ORDER)
    delivered_on: Day | None = Field(None, description="Default: today")
    consignment: Consignment = ""
    note: Short = ""


class HubResolveShortIn(InputSchema):
    resolution: Literal["redeliver", "cancel_balance"]
    note: Short = ""


class HubOrderRuleOut(Schema):
    id: int
    variant: str | None
    effective_from: dt.date
    tolerance_percent: int
    lead_time_days: int
    min_quantity: int
    pack_size: int
    calendar: str
    note: str

    @staticmethod
    def resolve_variant(obj: Any) -> str | None:
        return obj.variant.code if obj.variant_id else None

    @staticmethod
    def resolve_calendar(obj: Any) -> str:
        return obj.calendar.name


class HubOrderRuleIn(InputSchema):
    variant: VariantCode | None = Field(None, description="None: every variant without its own rule")
    effective_from: Day
    tolerance_percent: int = Field(..., ge=0, le=100)
    lead_time_days: int = Field(..., ge=0, le=120)
    min_quantity: int = Field(..., ge=1, le=100_000)
    pack_size: int = Field(..., ge=1, le=10_000)
    calendar: Id | None = Field(None, description="The calendar the lead time counts on (default: as now)")
    note: str = Field("", max_length=300)


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _rows(qs: Any) -> Any:
    return qs.select_related("record", "supplier", "variant")


def _order(request: HttpRequest, reference: str) -> HubOrder:
    qs = _rows(queries.orders_visible_to(request.user)).prefetch_related("deliveries")
    return get_object_or_404(qs, reference=reference.upper())


def _variant(code: str | None, field: str = "variant") -> HubVariant | None:
    if code is None:
        return None
    found = HubVariant.objects.filter(code=code.strip().lower()).first()
    if found is None:
        raise ActionError(f"No hub variant {code[:30]!r}", field=field)
    return found


def _run(request: HttpRequest, reference: str, func: Any, **kwargs: Any) -> Any:
    order = _order(request, reference)
    try:
        func(actor=_actor(request), order=order, **kwargs)
    except IllegalTransition as exc:
        current = HubOrder.objects.filter(pk=order.pk).values_list("status", flat=True).get()
        return transition_refused(request, exc, current=current, allowed=ORDER_TRANSITIONS.get(current, ()))
    return _order(request, reference)


@router.get(
    "/hub-variants",
    response=list[HubVariantOut],
    summary="The kinds of communications hub (orderable ones may be forecast and ordered)",
    operation_id="orders_list_variants",
)
def list_variants(request: HttpRequest) -> Any:
    return list(HubVariant.objects.order_by("code")[:200])


@router.get(
    "/hub-orders",
    response=list[HubOrderSummary],
    summary="The hub orders you may see, newest first",
    operation_id="orders_list_orders",
)
@paginate(Page)
def list_orders(request: HttpRequest, filters: Query[HubOrderFilters]) -> Any:
    qs = _rows(queries.orders_visible_to(request.user))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.supplier:
        qs = qs.filter(supplier_id=filters.supplier)
    if filters.region:
        qs = qs.filter(region=filters.region)
    if filters.variant:
        qs = qs.filter(variant__code=filters.variant)
    if filters.month:
        qs = qs.filter(month=rules.parse_month(filters.month))
    return qs.order_by("-created_at", "-id")


@router.post(
    "/hub-orders",
    response={201: HubOrderDetail},
    summary="Order hubs against your forecast (whole packs, the lead time, within the tolerance)",
    operation_id="orders_place_order",
)
def place_order(request: HttpRequest, payload: HubOrderIn) -> Status:
    data = payload.dict()
    supplier = None
    if data.pop("supplier") is not None:
        supplier = Organisation.objects.filter(pk=payload.supplier, is_active=True).first()
        if supplier is None:
            raise ActionError(f"No organisation {payload.supplier}", field="supplier")
    data["variant"] = _variant(data["variant"])
    done = actions.place_order(actor=_actor(request), supplier=supplier, **data)
    return Status(201, _order(request, done.reference))


@router.get(
    "/hub-orders/{reference}",
    response={200: HubOrderDetail},
    summary="One hub order",
    operation_id="orders_get_order",
)
def get_order(request: HttpRequest, reference: RefPath) -> Any:
    return _order(request, reference)


@router.post(
    "/hub-orders/{reference}/confirm",
    response={200: HubOrderDetail},
    summary="DCC confirms the order",
    operation_id="orders_confirm_order",
)
def confirm(request: HttpRequest, reference: RefPath, payload: HubNoteIn) -> Any:
    return _run(request, reference, actions.confirm_order, note=payload.note)


@router.post(
    "/hub-orders/{reference}/dispatch",
    response={200: HubOrderDetail},
    summary="DCC dispatches the order (or a short shipment's balance)",
    operation_id="orders_dispatch_order",
)
def dispatch(request: HttpRequest, reference: RefPath, payload: HubDispatchIn) -> Any:
    return _run(request, reference, actions.dispatch_order, **payload.dict())


@router.post(
    "/hub-orders/{reference}/deliveries",
    response={201: HubOrderDetail},
    summary="Record a delivery (fewer than outstanding: a short shipment)",
    operation_id="orders_record_delivery",
)
def deliver(request: HttpRequest, reference: RefPath, payload: HubDeliveryIn) -> Any:
    done = _run(request, reference, actions.record_delivery, **payload.dict())
    return Status(201, done) if isinstance(done, HubOrder) else done


@router.post(
    "/hub-orders/{reference}/resolve-short",
    response={200: HubOrderDetail},
    summary="Resolve a short shipment: redeliver the balance or cancel it",
    operation_id="orders_resolve_short",
)
def resolve_short(request: HttpRequest, reference: RefPath, payload: HubResolveShortIn) -> Any:
    return _run(request, reference, actions.resolve_short, **payload.dict())


@router.post(
    "/hub-orders/{reference}/cancel",
    response={200: HubOrderDetail},
    summary="Cancel the order (before dispatch)",
    operation_id="orders_cancel_order",
)
def cancel(request: HttpRequest, reference: RefPath, payload: HubCancelIn) -> Any:
    return _run(request, reference, actions.cancel_order, reason=payload.reason)


@router.post(
    "/hub-orders/{reference}/close",
    response={200: HubOrderDetail},
    summary="Close a delivered order",
    operation_id="orders_close_order",
)
def close(request: HttpRequest, reference: RefPath, payload: HubNoteIn) -> Any:
    return _run(request, reference, actions.close_order, note=payload.note)


@router.get(
    "/hub-order-rules",
    response=list[HubOrderRuleOut],
    summary="The ordering rules, latest first (the rule in force: the latest from on or before today)",
    operation_id="orders_list_rules",
)
@paginate(Page)
def list_rules(request: HttpRequest) -> Any:
    if not queries.shows_oms(scope_for(request.user)):
        return OrderRule.objects.none()
    return OrderRule.objects.select_related("variant", "calendar").order_by("-effective_from", "id")


@router.post(
    "/hub-order-rules",
    response={201: HubOrderRuleOut},
    summary="Set the rules from a date (DCC and the desk)",
    operation_id="orders_set_rule",
)
def set_rule(request: HttpRequest, payload: HubOrderRuleIn) -> Status:
    from busbar.services.models import Calendar

    data = payload.dict()
    data["variant"] = _variant(data["variant"])
    if data["calendar"] is not None:
        calendar = Calendar.objects.filter(pk=data["calendar"]).first()
        if calendar is None:
            raise ActionError(f"No calendar {data['calendar']}", field="calendar")
        data["calendar"] = calendar
    rule = actions.set_rule(actor=_actor(request), **data)
    return Status(201, OrderRule.objects.select_related("variant", "calendar").get(pk=rule.pk))
