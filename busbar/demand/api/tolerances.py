"""API of the demand tolerances (``/demand-tolerances``): read by anyone signed in, set by operations
managers (a tolerance from a date already set for the service replaces it)."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.demand import actions, permissions, steps
from busbar.demand.models import DemandTolerance
from busbar.lib.actions import Actor, refuse
from busbar.lib.pagination import Page
from busbar.lib.schema import Day, IdOrSlug, InputSchema
from busbar.parties.queries import scope_for

router = Router(tags=["Demand management"])

Volume = Annotated[int, Field(ge=0, le=steps.MAX_DAILY, description=f"0 to {steps.MAX_DAILY:,} a day")]


class DemandToleranceService(Schema):
    id: int
    name: str
    slug: str


class DemandToleranceOut(Schema):
    id: int
    service: DemandToleranceService
    effective_from: dt.date
    tolerance_percent: int
    max_daily_volume: int = Field(..., description="Absolute cap a day per filer (0: none)")
    normal_daily_volume: int = Field(..., description="The industry-wide normal a day")
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_service(obj: Any) -> dict:
        return {"id": obj.service_id, "name": obj.service.name, "slug": obj.service.slug}


class DemandToleranceFilters(Schema):
    service: IdOrSlug | None = None


class DemandToleranceIn(InputSchema):
    service: IdOrSlug
    effective_from: Day
    tolerance_percent: Annotated[int, Field(ge=0, le=steps.MAX_PERCENT)]
    max_daily_volume: Volume = 0
    normal_daily_volume: Volume = 0
    note: Annotated[str, Field(max_length=300)] = ""


@router.get(
    "/demand-tolerances",
    response=list[DemandToleranceOut],
    summary="The demand tolerances, by service, latest first",
    operation_id="demand_list_tolerances",
)
@paginate(Page)
def list_tolerances(request: HttpRequest, filters: Query[DemandToleranceFilters]) -> Any:
    refuse(permissions.can_read_tolerances(scope_for(request.user)))
    qs = DemandTolerance.objects.select_related("service").order_by("service__name", "-effective_from", "id")
    if filters.service:
        qs = qs.filter(service=steps.find_service(request.user, filters.service, field="service"))
    return qs


@router.post(
    "/demand-tolerances",
    response={201: DemandToleranceOut},
    summary="Set a service's tolerance from a date (operations managers)",
    operation_id="demand_set_tolerance",
)
def set_tolerance(request: HttpRequest, payload: DemandToleranceIn) -> Status:
    done = actions.set_tolerance(actor=Actor.from_request(request, channel="api"), **payload.dict())
    return Status(201, DemandTolerance.objects.select_related("service").get(pk=done.pk))
