"""API of the demand analysis (``/demand-trends``): per service and per week, the demand notices covering
the week and the incidents raised on the service (the service desk only)."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from busbar.demand import charts, permissions, steps
from busbar.lib.actions import refuse
from busbar.lib.schema import IdOrSlug
from busbar.parties.queries import scope_for

router = Router(tags=["Demand management"])


class DemandTrendService(Schema):
    id: int
    name: str
    slug: str


class DemandTrendRow(Schema):
    service: DemandTrendService
    notices: list[int] = Field(..., description="Per week: the demand notices covering it")
    incidents: list[int] = Field(..., description="Per week: the incidents raised on the service")


class DemandTrendsOut(Schema):
    weeks: list[dt.date] = Field(..., description="The Monday of each week, oldest first")
    services: list[DemandTrendRow]


class DemandTrendFilters(Schema):
    service: IdOrSlug | None = Field(None, description="One service (default: the busiest, at most 12)")
    weeks: Annotated[int, Field(ge=charts.MIN_WEEKS, le=charts.MAX_WEEKS)] = charts.DEFAULT_WEEKS


@router.get(
    "/demand-trends",
    response=DemandTrendsOut,
    summary="Weekly demand notices and incidents per service (the service desk)",
    operation_id="demand_trends",
)
def trends(request: HttpRequest, filters: Query[DemandTrendFilters]) -> Any:
    refuse(permissions.can_see_trends(scope_for(request.user)))
    services = None
    if filters.service:
        services = [steps.find_service(request.user, filters.service, field="service")]
    found = charts.trends(services=services, weeks=filters.weeks)
    return {
        "weeks": found.weeks,
        "services": [
            {
                "service": {"id": t.service.pk, "name": t.service.name, "slug": t.service.slug},
                "notices": t.notices,
                "incidents": t.incidents,
            }
            for t in found.services
        ],
    }
