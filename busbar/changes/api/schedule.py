"""API: the forward schedule of change (FSC) and service availability.

- ``GET /changes/schedule``: the published changes (accepted onwards) overlapping a window of at most
  400 days, as every participant sees them (:func:`busbar.changes.queries.fsc`).
- ``GET /changes/availability``: per service and month, availability measured from unplanned outage time
  against the service's support hours and its target (:mod:`busbar.changes.availability`), for a year
  at most five years back.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from busbar.changes import queries
from busbar.changes.api import common
from busbar.changes.api.common import MAX_LISTED, ChgServiceKey, ChgServiceRef
from busbar.changes.api.schemas import ChgChangeOut
from busbar.changes.models import ChangeService
from busbar.lib.actions import ActionError
from busbar.lib.limits import MAX_OFFSET
from busbar.lib.pagination import Page
from busbar.lib.schema import Id, Instant
from busbar.services.queries import services_visible_to

router = Router(tags=["Forward schedule of change"])

#: The longest window one schedule request reads.
MAX_SCHEDULE_DAYS = 400
#: The default window: six weeks from now.
DEFAULT_SCHEDULE_DAYS = 42
#: How far back availability figures are given.
MAX_YEARS_BACK = 5


class ChgScheduleFilters(Schema):
    start: Instant | None = Field(
        None, alias="from", description="Changes ending after this instant (default: now)"
    )
    to: Instant | None = Field(
        None, description=f"Changes starting before this instant (default: {DEFAULT_SCHEDULE_DAYS} days on)"
    )
    service: list[ChgServiceKey] = Field(
        default_factory=list,
        max_length=MAX_LISTED,
        description="Affected services (or their components), by id or slug",
    )
    provider: list[Id] = Field(default_factory=list, max_length=MAX_LISTED, description="Provider ids")
    outage: bool | None = Field(None, description="Outages only (or changes without an outage only)")


@router.get(
    "/changes/schedule",
    response=list[ChgChangeOut],
    summary="The forward schedule of change: accepted changes and planned outages in a window",
)
@paginate(Page)
def list_schedule(request: HttpRequest, filters: Query[ChgScheduleFilters]) -> Any:
    """Every participant sees it: the changes accepted onwards, from every provider, overlapping the window
    ``from``–``to`` (at most 400 days), in order of their planned start."""
    start = filters.start or timezone.now()
    end = filters.to or start + dt.timedelta(days=DEFAULT_SCHEDULE_DAYS)
    common.window(start, end, start_field="from", end_field="to", days=MAX_SCHEDULE_DAYS)
    qs = queries.fsc(request.user).filter(planned_start__lt=end, planned_end__gt=start)
    if filters.service:
        chosen = common.services(request, filters.service, field="service")
        ids = [s.pk for s in chosen]
        rows = ChangeService.objects.filter(change_id=OuterRef("pk")).filter(
            Q(service_id__in=ids) | Q(service__parent_id__in=ids)
        )
        qs = qs.filter(Exists(rows))
    if filters.provider:
        qs = qs.filter(provider_id__in=filters.provider)
    if filters.outage is not None:
        qs = qs.filter(is_outage=filters.outage)
    return qs.order_by("planned_start", "id").prefetch_related("services")


# Availability -----------------------------------------------------------------------------------------------


class ChgOutageOut(Schema):
    start: dt.datetime
    end: dt.datetime
    label: str


class ChgFiguresOut(Schema):
    """One service's month (Figures of :mod:`busbar.changes.availability`)."""

    year: int
    month: int
    agreed_minutes: float = Field(..., description="Support hours in the month, less planned maintenance")
    planned_minutes: float = Field(..., description="Planned maintenance (outage changes) in support hours")
    downtime_minutes: float = Field(..., description="Unplanned outage in support hours")
    availability: Decimal | None = Field(..., description="Percentage; null without agreed time")
    target: Decimal | None = Field(..., description="The service's target percentage")
    met: bool | None
    interruptions: int
    mean_interruption_minutes: Decimal | None
    major_changes: int = Field(..., description="Major changes implemented (or in progress) in the month")
    emergency_changes: int
    outages: list[ChgOutageOut]

    @staticmethod
    def resolve_outages(obj: Any) -> list[dict[str, Any]]:
        return [{"start": s, "end": e, "label": str(label)} for s, e, label in obj.outages]


class ChgServiceAvailabilityOut(Schema):
    service: ChgServiceRef
    months: list[ChgFiguresOut]


class ChgAvailabilityOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ChgServiceAvailabilityOut]


class ChgAvailabilityFilters(Schema):
    year: Annotated[int, Field(ge=2000, le=2100)] | None = Field(
        None, description="At most five years back (default: this year)"
    )
    month: Annotated[int, Field(ge=1, le=12)] | None = Field(None, description="One month (default: all)")
    service: list[ChgServiceKey] = Field(
        default_factory=list, max_length=MAX_LISTED, description="Services by id or slug (default: all)"
    )
    limit: int = Field(50, ge=1, le=settings.API_PAGE_MAX, description="Services per page")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Services to skip")


@router.get(
    "/changes/availability",
    response=ChgAvailabilityOut,
    summary="Availability per service and month, against the service's target",
)
def get_availability(request: HttpRequest, filters: Query[ChgAvailabilityFilters]) -> Any:
    """Unplanned downtime (major incidents and outage statuses) within the service's support hours, against
    its agreed time; planned maintenance is taken out of the agreed time, or counted as downtime where the
    service's target says so. With the number and mean length of interruptions and the major and
    emergency changes implemented. Paged by service."""
    from busbar.changes import availability

    this_year = timezone.localdate().year
    year = filters.year or this_year
    if year > this_year:
        raise ActionError(f"There are no figures for {year} yet", field="year")
    if year < this_year - MAX_YEARS_BACK:
        raise ActionError(f"Figures go back at most {MAX_YEARS_BACK} years", field="year")
    if filters.service:
        chosen = common.services(request, filters.service, field="service")
        count = len(chosen)
        page = chosen[filters.offset : filters.offset + filters.limit]
    else:
        qs = services_visible_to(request.user).filter(is_active=True).order_by("name", "id")
        count = qs.count()
        page = list(qs[filters.offset : filters.offset + filters.limit])
    months = [filters.month] if filters.month else range(1, 13)
    figures = availability.for_services(page, year, months=months) if page else {}
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [{"service": s, "months": figures.get(s.pk, [])} for s in page],
    }
