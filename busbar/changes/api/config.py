"""API: the data the change rules are checked against — notice rules, maintenance windows, blackout windows
and availability targets.

They are catalogue data: every signed-in person reads them (a provider plans its notice by them);
platform administrators and operations managers change them
(:func:`busbar.changes.permissions.can_manage_rules`, enforced by the actions).
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from busbar.changes import actions, permissions
from busbar.changes.api import common
from busbar.changes.api.common import (
    MAX_LISTED,
    ChgClock,
    ChgServiceKey,
    ChgServiceRef,
    ChgText,
    ServiceSlugPath,
)
from busbar.changes.models import (
    AvailabilityTarget,
    BlackoutWindow,
    ChangeType,
    MaintenanceWindow,
    NoticeRule,
)
from busbar.lib.actions import ActionError, refuse
from busbar.lib.pagination import Page
from busbar.lib.schema import Id, IdPath, InputSchema, Instant, Line, Name, Ref
from busbar.parties.queries import scope_for
from busbar.services.models import Calendar
from busbar.services.queries import calendars_visible_to, services_visible_to

router = Router(tags=["Change rules and windows"])

RuleType = Literal[tuple(["", *ChangeType.values])]  # type: ignore[valid-type]
Percent = Annotated[
    Decimal,
    Field(ge=Decimal("0"), le=Decimal("100"), max_digits=6, decimal_places=3),
    WithJsonSchema(
        {"type": "number", "minimum": 0, "maximum": 100, "multipleOf": 0.001, "description": "0 to 100"}
    ),
]
Weekday = Annotated[int, Field(ge=0, le=6, description="0 is Monday … 6 Sunday")]
WorkingDays = Annotated[int, Field(ge=0, le=260)]


def _signed_in(request: HttpRequest) -> bool:
    return scope_for(request.user).is_authenticated


def _may_manage(request: HttpRequest) -> None:
    """Refused (403) before the body's references are looked up, so a 422 never hints at what exists."""
    refuse(permissions.can_manage_rules(scope_for(request.user)))


def _calendar(request: HttpRequest, pk: int) -> Calendar:
    found = calendars_visible_to(request.user).filter(pk=pk).first()
    if found is None:
        raise ActionError(f"No calendar {pk}", field="calendar")
    return found


def _clock(value: dt.time) -> str:
    return value.strftime("%H:%M")


# Notice rules -----------------------------------------------------------------------------------------------


class ChgNoticeRuleOut(Schema):
    id: int
    name: str
    service: ChgServiceRef | None = Field(..., description="Null: not limited to one service")
    provider: Ref | None = Field(..., description="Null: not limited to one provider")
    change_type: str = Field(..., description="Blank: every type but emergency")
    outage_only: bool
    min_working_days: int
    calendar: Ref = Field(..., description="The working-day calendar the notice is counted on")
    source: str
    is_active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_provider(obj: NoticeRule) -> dict[str, Any] | None:
        return {"id": obj.provider_id, "name": obj.provider.name} if obj.provider_id else None

    @staticmethod
    def resolve_calendar(obj: NoticeRule) -> dict[str, Any]:
        return {"id": obj.calendar_id, "name": obj.calendar.name}


class ChgNoticeRuleFilters(Schema):
    service: ChgServiceKey | None = None
    provider: Id | None = None
    active: bool | None = None


class ChgNoticeRuleIn(InputSchema):
    name: Name
    min_working_days: WorkingDays
    calendar: Id
    service: ChgServiceKey | None = None
    provider: Id | None = None
    change_type: RuleType = ""  # type: ignore[valid-type]
    outage_only: bool = False
    source: Line = ""


class ChgNoticeRulePatchIn(InputSchema):
    name: Name | None = None
    min_working_days: WorkingDays | None = None
    calendar: Id | None = None
    service: ChgServiceKey | None = None
    provider: Id | None = None
    change_type: RuleType | None = None  # type: ignore[valid-type]
    outage_only: bool | None = None
    source: Line | None = None
    is_active: bool | None = None


def _rules(request: HttpRequest) -> QuerySet[NoticeRule]:
    qs = NoticeRule.objects.select_related("service", "provider", "calendar")
    return qs if _signed_in(request) else qs.none()


@router.get("/changes/notice-rules", response=list[ChgNoticeRuleOut], summary="Notice rules")
@paginate(Page)
def list_notice_rules(request: HttpRequest, filters: Query[ChgNoticeRuleFilters]) -> Any:
    qs = _rules(request)
    if filters.service is not None:
        qs = qs.filter(service=common.service(request, filters.service))
    if filters.provider is not None:
        qs = qs.filter(provider_id=filters.provider)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs.order_by("name", "id")


@router.post("/changes/notice-rules", response={201: ChgNoticeRuleOut}, summary="Add a notice rule")
def create_notice_rule(request: HttpRequest, payload: ChgNoticeRuleIn) -> Status:
    _may_manage(request)
    rule = actions.create_notice_rule(
        actor=common.actor(request),
        name=payload.name,
        min_working_days=payload.min_working_days,
        calendar=_calendar(request, payload.calendar),
        service=common.service(request, payload.service) if payload.service is not None else None,
        provider=(
            common.organisation(request, payload.provider, field="provider")
            if payload.provider is not None
            else None
        ),
        change_type=payload.change_type,
        outage_only=payload.outage_only,
        source=payload.source,
    )
    return Status(201, _rules(request).get(pk=rule.pk))


@router.get("/changes/notice-rules/{rule_id}", response=ChgNoticeRuleOut, summary="One notice rule")
def get_notice_rule(request: HttpRequest, rule_id: IdPath) -> Any:
    return get_object_or_404(_rules(request), pk=rule_id)


@router.patch("/changes/notice-rules/{rule_id}", response=ChgNoticeRuleOut, summary="Change a notice rule")
def update_notice_rule(request: HttpRequest, rule_id: IdPath, payload: ChgNoticeRulePatchIn) -> Any:
    rule = get_object_or_404(_rules(request), pk=rule_id)
    _may_manage(request)
    fields = payload.dict(exclude_unset=True)
    for name in ("name", "min_working_days", "calendar", "outage_only", "is_active", "change_type"):
        if name in fields and fields[name] is None:
            raise ActionError(f"{name} cannot be null", field=name)
    if fields.get("source", "") is None:
        fields["source"] = ""
    if not fields:
        raise ActionError("Nothing to change", field="body")
    if "calendar" in fields:
        fields["calendar"] = _calendar(request, fields["calendar"])
    if fields.get("service") is not None:
        fields["service"] = common.service(request, fields["service"])
    if fields.get("provider") is not None:
        fields["provider"] = common.organisation(request, fields["provider"], field="provider")
    actions.update_notice_rule(actor=common.actor(request), rule=rule, **fields)
    return _rules(request).get(pk=rule.pk)


@router.delete("/changes/notice-rules/{rule_id}", response={204: None}, summary="Delete a notice rule")
def delete_notice_rule(request: HttpRequest, rule_id: IdPath) -> Status:
    rule = get_object_or_404(_rules(request), pk=rule_id)
    actions.delete_notice_rule(actor=common.actor(request), rule=rule)
    return Status(204, None)


# Maintenance windows ----------------------------------------------------------------------------------------


class ChgMaintenanceWindowOut(Schema):
    id: int
    service: ChgServiceRef
    weekday: int = Field(..., description="0 is Monday … 6 Sunday")
    start_time: str = Field(..., description="HH:MM, Europe/London")
    end_time: str = Field(..., description="HH:MM, Europe/London; at or before the start: past midnight")
    note: str

    @staticmethod
    def resolve_start_time(obj: MaintenanceWindow) -> str:
        return _clock(obj.start_time)

    @staticmethod
    def resolve_end_time(obj: MaintenanceWindow) -> str:
        return _clock(obj.end_time)


class ChgMaintenanceFilters(Schema):
    service: ChgServiceKey | None = None


class ChgMaintenanceWindowIn(InputSchema):
    service: ChgServiceKey
    weekday: Weekday
    start_time: ChgClock
    end_time: ChgClock
    note: Annotated[str, Field(max_length=200)] = ""


def _windows(request: HttpRequest) -> QuerySet[MaintenanceWindow]:
    visible = services_visible_to(request.user).values("pk")
    return MaintenanceWindow.objects.select_related("service").filter(service__in=visible)


@router.get(
    "/changes/maintenance-windows", response=list[ChgMaintenanceWindowOut], summary="Maintenance windows"
)
@paginate(Page)
def list_maintenance_windows(request: HttpRequest, filters: Query[ChgMaintenanceFilters]) -> Any:
    qs = _windows(request)
    if filters.service is not None:
        qs = qs.filter(service=common.service(request, filters.service))
    return qs.order_by("service__name", "weekday", "start_time", "id")


@router.post(
    "/changes/maintenance-windows",
    response={201: ChgMaintenanceWindowOut},
    summary="Add a weekly maintenance window to a service",
)
def create_maintenance_window(request: HttpRequest, payload: ChgMaintenanceWindowIn) -> Status:
    _may_manage(request)
    window = actions.create_maintenance_window(
        actor=common.actor(request),
        service=common.service(request, payload.service),
        weekday=payload.weekday,
        start_time=common.parse_clock(payload.start_time, "start_time"),
        end_time=common.parse_clock(payload.end_time, "end_time"),
        note=payload.note,
    )
    return Status(201, _windows(request).get(pk=window.pk))


@router.delete(
    "/changes/maintenance-windows/{window_id}", response={204: None}, summary="Delete a maintenance window"
)
def delete_maintenance_window(request: HttpRequest, window_id: IdPath) -> Status:
    window = get_object_or_404(_windows(request), pk=window_id)
    actions.delete_maintenance_window(actor=common.actor(request), window=window)
    return Status(204, None)


# Blackout windows -------------------------------------------------------------------------------------------


class ChgBlackoutOut(Schema):
    id: int
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    services: list[ChgServiceRef] = Field(..., description="Empty: every service")
    reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_services(obj: BlackoutWindow) -> list[Any]:
        return list(obj.services.all())


class ChgBlackoutFilters(Schema):
    after: Instant | None = Field(None, description="Ending after this instant")
    before: Instant | None = Field(None, description="Starting before this instant")


class ChgBlackoutIn(InputSchema):
    name: Name
    starts_at: Instant
    ends_at: Instant
    services: list[ChgServiceKey] = Field(default_factory=list, max_length=MAX_LISTED)
    reason: ChgText = ""


class ChgBlackoutPatchIn(InputSchema):
    name: Name | None = None
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    services: list[ChgServiceKey] | None = Field(None, max_length=MAX_LISTED)
    reason: ChgText | None = None


def _blackouts(request: HttpRequest) -> QuerySet[BlackoutWindow]:
    qs = BlackoutWindow.objects.prefetch_related("services")
    return qs if _signed_in(request) else qs.none()


@router.get("/changes/blackouts", response=list[ChgBlackoutOut], summary="Blackout windows")
@paginate(Page)
def list_blackouts(request: HttpRequest, filters: Query[ChgBlackoutFilters]) -> Any:
    qs = _blackouts(request)
    if filters.after is not None:
        qs = qs.filter(ends_at__gt=filters.after)
    if filters.before is not None:
        qs = qs.filter(starts_at__lt=filters.before)
    return qs.order_by("starts_at", "id")


@router.post("/changes/blackouts", response={201: ChgBlackoutOut}, summary="Add a blackout window")
def create_blackout(request: HttpRequest, payload: ChgBlackoutIn) -> Status:
    _may_manage(request)
    blackout = actions.create_blackout(
        actor=common.actor(request),
        name=payload.name,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        services=common.services(request, payload.services),
        reason=payload.reason,
    )
    return Status(201, _blackouts(request).get(pk=blackout.pk))


@router.get("/changes/blackouts/{blackout_id}", response=ChgBlackoutOut, summary="One blackout window")
def get_blackout(request: HttpRequest, blackout_id: IdPath) -> Any:
    return get_object_or_404(_blackouts(request), pk=blackout_id)


@router.patch("/changes/blackouts/{blackout_id}", response=ChgBlackoutOut, summary="Change a blackout window")
def update_blackout(request: HttpRequest, blackout_id: IdPath, payload: ChgBlackoutPatchIn) -> Any:
    blackout = get_object_or_404(_blackouts(request), pk=blackout_id)
    _may_manage(request)
    fields = payload.dict(exclude_unset=True)
    for name in ("name", "starts_at", "ends_at"):
        if name in fields and fields[name] is None:
            raise ActionError(f"{name} cannot be null", field=name)
    if "reason" in fields and fields["reason"] is None:
        fields["reason"] = ""
    if "services" in fields:
        fields["services"] = common.services(request, fields["services"] or [])
    if not fields:
        raise ActionError("Nothing to change", field="body")
    actions.update_blackout(actor=common.actor(request), blackout=blackout, **fields)
    return _blackouts(request).get(pk=blackout.pk)


@router.delete("/changes/blackouts/{blackout_id}", response={204: None}, summary="Delete a blackout window")
def delete_blackout(request: HttpRequest, blackout_id: IdPath) -> Status:
    blackout = get_object_or_404(_blackouts(request), pk=blackout_id)
    actions.delete_blackout(actor=common.actor(request), blackout=blackout)
    return Status(204, None)


# Availability targets ---------------------------------------------------------------------------------------


class ChgAvailabilityTargetOut(Schema):
    service: ChgServiceRef
    configured: bool = Field(..., description="False: no target set (the defaults shown)")
    target_percent: Decimal
    planned_counts: bool = Field(
        ..., description="Planned maintenance counts as downtime (else it is taken out of the agreed time)"
    )
    agreement: str


class ChgAvailabilityTargetIn(InputSchema):
    target_percent: Percent
    planned_counts: bool = False
    agreement: Annotated[str, Field(max_length=100)] = ""


def _target(service: Any) -> dict[str, Any]:
    row = AvailabilityTarget.objects.filter(service=service).first()
    default = AvailabilityTarget(service=service)
    shown = row or default
    return {
        "service": service,
        "configured": row is not None,
        "target_percent": shown.target_percent,
        "planned_counts": shown.planned_counts,
        "agreement": shown.agreement,
    }


def _service_by_slug(request: HttpRequest, slug: str) -> Any:
    return get_object_or_404(services_visible_to(request.user), slug=slug)


@router.get(
    "/changes/availability-targets/{service_slug}",
    response=ChgAvailabilityTargetOut,
    summary="A service's availability target",
)
def get_availability_target(request: HttpRequest, service_slug: ServiceSlugPath) -> Any:
    return _target(_service_by_slug(request, service_slug))


@router.put(
    "/changes/availability-targets/{service_slug}",
    response=ChgAvailabilityTargetOut,
    summary="Set a service's availability target",
)
def set_availability_target(
    request: HttpRequest, service_slug: ServiceSlugPath, payload: ChgAvailabilityTargetIn
) -> Any:
    service = _service_by_slug(request, service_slug)
    actions.set_availability_target(
        actor=common.actor(request),
        service=service,
        target_percent=payload.target_percent,
        planned_counts=payload.planned_counts,
        agreement=payload.agreement,
    )
    return _target(service)
