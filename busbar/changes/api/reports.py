"""API: the change-notification reports for a period (:mod:`busbar.changes.reports`): by provider and
status, by type, late notifications and CCG exceptions, failed and backed-out changes, emergency changes
and their retrospective reviews, major changes and their post-implementation reviews, mean notice."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from busbar.changes import permissions, reports
from busbar.lib.actions import ActionError, refuse
from busbar.lib.schema import Day
from busbar.parties.queries import scope_for

router = Router(tags=["Change reports"])


class ChgReportPeriodOut(Schema):
    start: dt.date
    end: dt.date
    days: int


class ChgTallyOut(Schema):
    label: str
    total: int = Field(..., description="Notified changes starting in the period")
    groups: dict[str, int] = Field(
        ..., description="By status: awaiting, scheduled, completed, failed, reviewed, rejected, cancelled"
    )
    late: int
    late_percent: Decimal | None
    exceptions: int = Field(..., description="Late notifications accepted by the CCG as exceptions")
    implemented: int
    failed: int
    backed_out: int
    failed_percent: Decimal | None = Field(..., description="Failed or backed out, of those implemented")
    emergency: int
    retro_done: int = Field(..., description="Emergency changes reviewed retrospectively")
    retro_outstanding: int
    major: int
    major_implemented: int
    pir_done: int = Field(..., description="Major changes with their post-implementation review")
    pir_outstanding: int
    mean_notice: Decimal | None = Field(..., description="Mean working days of notice given")


class ChgReportOut(Schema):
    period: ChgReportPeriodOut
    total: ChgTallyOut
    providers: list[ChgTallyOut]
    types: list[ChgTallyOut]


class ChgReportFilters(Schema):
    start: Day | None = Field(None, alias="from", description="First day (default: this quarter's)")
    to: Day | None = Field(None, description="Last day, at most two years on (default: the quarter's end)")


@router.get(
    "/changes/reports",
    response=ChgReportOut,
    summary="Change-notification report for a period (Switching Operations)",
)
def get_change_report(request: HttpRequest, filters: Query[ChgReportFilters]) -> Any:
    """Changes notified (submitted) whose planned start falls in the period (London dates, both ends
    included)."""
    refuse(permissions.can_report(scope_for(request.user)))
    params = {
        "from": filters.start.isoformat() if filters.start else "",
        "to": filters.to.isoformat() if filters.to else "",
    }
    try:
        period = reports.parse_period(params, today=timezone.localdate())
    except reports.PeriodError as exc:
        raise ActionError(exc.message, field=exc.field) from None
    found = reports.report(request.user, period)
    return {
        "period": {"start": period.start, "end": period.end, "days": period.days},
        "total": found.total,
        "providers": found.providers,
        "types": found.types,
    }
