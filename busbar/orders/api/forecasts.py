"""Hub forecasts API (RQ-25): the current forecast cells, the submissions (history) and submitting a
forecast. A supplier sees and submits only its own; DCC and the desk read every supplier's. A bad line
refuses the whole submission: 422 with every bad line in ``errors`` (``lines[i]``)."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor
from busbar.lib.pagination import Page
from busbar.lib.problems import problem_response
from busbar.lib.schema import Id, InputSchema, Line
from busbar.orders import actions, queries, rules
from busbar.orders.models import Region
from busbar.parties.models import Organisation

router = Router(tags=["Hub orders and returns"])

MonthText = Annotated[
    str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$", min_length=7, max_length=7, description="YYYY-MM")
]
RegionCode = Annotated[str, Field(min_length=1, max_length=10, description="north, central or south")]
VariantCode = Annotated[str, Field(min_length=1, max_length=30, description="A hub variant's code")]


class HubForecastCell(Schema):
    supplier_id: int
    supplier: str
    month: dt.date
    region: Region
    variant: str
    quantity: int
    updated_at: dt.datetime

    @staticmethod
    def resolve_supplier(obj: Any) -> str:
        return obj.supplier.name

    @staticmethod
    def resolve_variant(obj: Any) -> str:
        return obj.variant.code


class HubForecastLineOut(Schema):
    month: dt.date
    region: str
    variant: str
    quantity: int


class HubForecastSubmissionOut(Schema):
    id: int
    supplier_id: int
    supplier: str
    submitted_by: str | None
    submitted_at: dt.datetime
    first_month: dt.date
    note: str
    lines: list[HubForecastLineOut]

    @staticmethod
    def resolve_supplier(obj: Any) -> str:
        return obj.supplier.name

    @staticmethod
    def resolve_submitted_by(obj: Any) -> str | None:
        return obj.submitted_by.display_name if obj.submitted_by_id else None


class HubForecastLineIn(InputSchema):
    month: MonthText
    region: RegionCode
    variant: VariantCode
    quantity: int = Field(..., ge=0, le=rules.MAX_FORECAST)


class HubForecastIn(InputSchema):
    supplier: Id | None = Field(None, description="The supplier (default: the caller's organisation)")
    lines: list[HubForecastLineIn] = Field(..., min_length=1, max_length=rules.MAX_LINES)
    note: Line = ""


class HubForecastFilters(Schema):
    supplier: Id | None = None
    month: MonthText | None = None
    region: Region | None = None
    variant: VariantCode | None = None


class HubSubmissionFilters(Schema):
    supplier: Id | None = None


def _supplier(user: Any, pk: int | None) -> Any:
    if pk is None:
        return None
    found = Organisation.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ActionError(f"No organisation {pk}", field="supplier")
    return found


@router.get(
    "/hub-forecasts",
    response=list[HubForecastCell],
    summary="The current hub forecast cells you may see (month, region, variant)",
    operation_id="orders_list_forecasts",
)
@paginate(Page)
def list_forecasts(request: HttpRequest, filters: Query[HubForecastFilters]) -> Any:
    qs = queries.forecasts_visible_to(request.user)
    if filters.supplier:
        qs = qs.filter(supplier_id=filters.supplier)
    if filters.month:
        qs = qs.filter(month=rules.parse_month(filters.month))
    if filters.region:
        qs = qs.filter(region=filters.region)
    if filters.variant:
        qs = qs.filter(variant__code=filters.variant)
    return qs.order_by("supplier_id", "month", "region", "variant__code", "id")


@router.post(
    "/hub-forecasts",
    response={201: HubForecastSubmissionOut},
    summary="Submit a rolling forecast (replaces the cells it may still change; all or nothing)",
    operation_id="orders_submit_forecast",
)
def submit_forecast(request: HttpRequest, payload: HubForecastIn) -> Any:
    try:
        done = actions.submit_forecast(
            actor=Actor.from_request(request, channel="api"),
            supplier=_supplier(request.user, payload.supplier),
            lines=[line.dict() for line in payload.lines],
            note=payload.note,
        )
    except rules.LineErrors as exc:
        return problem_response(
            request,
            status=exc.status,
            title=exc.title,
            detail=exc.message,
            kind="refused",
            errors=[{"field": label, "message": message} for label, message in exc.errors],
        )
    return Status(201, queries.submissions_visible_to(request.user).get(pk=done.pk))


@router.get(
    "/hub-forecasts/submissions",
    response=list[HubForecastSubmissionOut],
    summary="Forecast submissions (history), newest first",
    operation_id="orders_list_forecast_submissions",
)
@paginate(Page)
def list_submissions(request: HttpRequest, filters: Query[HubSubmissionFilters]) -> Any:
    qs = queries.submissions_visible_to(request.user)
    if filters.supplier:
        qs = qs.filter(supplier_id=filters.supplier)
    return qs.order_by("-submitted_at", "-id")
