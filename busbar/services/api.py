"""API: the service catalogue, support calendars, severity schemes and SLA policies.

Everyone signed in reads the catalogue (participants see active services only); platform administrators
and operations managers change it. Every change goes through busbar.services.actions.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Body, Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor
from busbar.lib.pagination import Page
from busbar.lib.schema import Day, Id, IdPath, InputSchema, Ratio, Ref, SearchText, Text, WeeklyHours
from busbar.parties.queries import organisations_visible_to
from busbar.services import actions, status
from busbar.services.models import Calendar, Service, Severity, SeverityScheme, SlaPolicy, SlaTarget
from busbar.services.queries import (
    calendars_visible_to,
    policies_visible_to,
    schemes_visible_to,
    services_visible_to,
)
from busbar.services.views import opening_preview

router = Router(tags=["Services"])


# Schemas ----------------------------------------------------------------------------------------------------


class OrganisationRef(Schema):
    id: int
    name: str
    slug: str


class ServiceRef(Schema):
    id: int
    name: str
    slug: str
    status: Service.Status


class ServiceOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    status: Service.Status
    is_active: bool
    provider: OrganisationRef
    parent: ServiceRef | None
    calendar: Ref
    sla_policy: Ref
    depends_on: list[ServiceRef]
    status_note: str = Field(..., description="Why the status was last set (shown on the status board)")
    status_changed_at: dt.datetime | None

    @staticmethod
    def resolve_depends_on(obj: Service) -> list[Service]:
        return list(obj.depends_on.all())


class StatusIncidentOut(Schema):
    reference: str
    title: str = Field(..., description="Empty when the caller may not open it")
    status: Service.Status = Field(..., description="What it gives the service (severity 1: outage)")
    url: str = Field(..., description="The incident's page, or empty when the caller may not open it")
    counts: bool = Field(..., description="Published: it drives the status everyone sees")


class StatusReasonOut(Schema):
    service: ServiceRef = Field(..., description="The service whose status reaches this one")
    source_status: Service.Status
    status: Service.Status = Field(..., description="What it gives this service")
    via: str = Field(
        ..., description="component (part of it), dependency (depends on it), part (its component)"
    )
    text: str
    incidents: list[StatusIncidentOut]

    @staticmethod
    def resolve_service(obj: Any) -> dict:
        s = obj.source
        return {"id": s.pk, "name": s.name, "slug": s.slug, "status": s.status}


class StatusEntryOut(Schema):
    service: ServiceRef
    parent: int | None = Field(..., description="Id of the service it is a component of")
    provider: OrganisationRef
    status: Service.Status = Field(..., description="As shown on the board (the worst of the three below)")
    manual_status: Service.Status = Field(..., description="As set by hand")
    note: str = Field(..., description="Why it was set by hand")
    status_changed_at: dt.datetime | None
    incidents: list[StatusIncidentOut] = Field(..., description="Live major incidents on this service")
    reasons: list[StatusReasonOut] = Field(..., description="Related services whose status reaches it")

    @staticmethod
    def resolve_service(obj: Any) -> dict:
        s = obj.service
        return {"id": s.pk, "name": s.name, "slug": s.slug, "status": s.status}

    @staticmethod
    def resolve_parent(obj: Any) -> int | None:
        return obj.service.parent_id

    @staticmethod
    def resolve_provider(obj: Any) -> Any:
        return obj.service.provider

    @staticmethod
    def resolve_status_changed_at(obj: Any) -> dt.datetime | None:
        return obj.service.status_changed_at


class StatusBoardOut(Schema):
    checked_at: dt.datetime
    affected: int = Field(..., description="How many services are not fully operational")
    services: list[StatusEntryOut]


class ServiceDetailOut(ServiceOut):
    components: list[ServiceRef]
    dependants: list[ServiceRef] = Field(..., description="Services that depend on this one")

    @staticmethod
    def resolve_components(obj: Service) -> list[Service]:
        return list(obj.components.all())

    @staticmethod
    def resolve_dependants(obj: Service) -> list[Service]:
        return list(obj.dependants.all())


class ServiceIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=150)
    slug: str = Field("", max_length=60, description="Short name for addresses; made from the name if blank")
    description: Text = ""
    provider: Id = Field(..., description="Provider organisation id (must hold a provider role)")
    calendar: Id = Field(..., description="Support calendar id")
    sla_policy: Id | None = Field(None, description="SLA policy id; the default policy if left out")
    parent: Id | None = Field(None, description="The service this is a component of")
    depends_on: list[Id] = Field([], max_length=100, description="Ids of services this one depends on")


class ServicePatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=150)
    slug: str | None = Field(None, max_length=60)
    description: Text | None = None
    provider: Id | None = None
    calendar: Id | None = None
    sla_policy: Id | None = None
    parent: Id | None = Field(None, description="null makes the service top-level")
    depends_on: list[Id] | None = Field(None, max_length=100)
    is_active: bool | None = None


class StatusIn(InputSchema):
    status: Service.Status
    note: str = Field(
        "", max_length=2000, description="Why: shown beside the status on the board until the next change"
    )


class ServiceFilter(FilterSchema):
    q: SearchText | None = Field(None, description="Name, short name or description contains")
    provider: Id | None = Field(None, description="Provider organisation id")
    status: Service.Status | None = None
    parent: Id | None = Field(None, description="Components of this service id")
    top_level: bool | None = Field(
        None, description="Only services that are not components (true), or only components"
    )
    is_active: bool | None = None

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(name__icontains=value) | Q(slug__icontains=value) | Q(description__icontains=value)

    def filter_provider(self, value: int | None) -> Q:
        return Q(provider_id=value) if value else Q()

    def filter_parent(self, value: int | None) -> Q:
        return Q(parent_id=value) if value else Q()

    def filter_top_level(self, value: bool | None) -> Q:
        return Q() if value is None else Q(parent__isnull=value)


class ClosureOut(Schema):
    id: int
    date: dt.date
    reason: str


class WindowOut(Schema):
    start: str = Field(..., description="Local (UK) time HH:MM")
    end: str = Field(..., description="Local (UK) time HH:MM; 24:00 is midnight at the end of the day")


class DayOut(Schema):
    date: dt.date
    weekday: str
    is_open: bool
    hours: list[WindowOut]
    note: str


class CalendarOut(Schema):
    id: int
    name: str
    kind: Calendar.Kind
    weekly_hours: dict[str, list[list[str]]] = Field(
        ...,
        description='Weekday ("0" Monday … "6" Sunday) → [[start, end], …] in UK time; end 00:00 is midnight',
    )
    bank_holidays: bool
    closures: list[ClosureOut]
    updated_at: dt.datetime

    @staticmethod
    def resolve_closures(obj: Calendar) -> list[Any]:
        return list(obj.closures.all())


class CalendarDetailOut(CalendarOut):
    preview: list[DayOut] = Field(..., description="Opening hours for the next 14 days (UK dates)")

    @staticmethod
    def resolve_preview(obj: Calendar) -> list[dict]:
        return [
            {
                "date": day.date,
                "weekday": day.weekday,
                "is_open": day.is_open,
                "hours": [{"start": a, "end": b} for a, b in day.hours],
                "note": day.note,
            }
            for day in opening_preview(obj)
        ]


class CalendarIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: Calendar.Kind = Calendar.Kind.WORKING_HOURS
    weekly_hours: WeeklyHours = Field(
        {}, description='e.g. {"0": [["08:00", "18:00"]], …}; leave empty for 24x7'
    )
    bank_holidays: bool = Field(True, description="Closed on England & Wales bank holidays")


class CalendarPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: Calendar.Kind | None = None
    weekly_hours: WeeklyHours | None = None
    bank_holidays: bool | None = None


class ClosureIn(InputSchema):
    date: Day
    reason: str = Field("", max_length=200)


class SeverityOut(Schema):
    id: int
    code: str
    label: str
    description: str
    rank: int
    is_major: bool


class SchemeOut(Schema):
    id: int
    name: str
    description: str
    severities: list[SeverityOut]

    @staticmethod
    def resolve_severities(obj: SeverityScheme) -> list[Severity]:
        return list(obj.severities.all())


class SeverityIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=10)
    label: str = Field(..., min_length=1, max_length=100)
    description: Text = ""
    is_major: bool = Field(False, description="Raising an incident at this severity opens a major incident")
    rank: int = Field(0, ge=0, le=100, description="1 is the most severe; 0 means in the order given")


class SchemeIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    description: Text = ""
    severities: list[SeverityIn] = Field(..., min_length=1, max_length=20)


class TargetOut(Schema):
    severity: str
    severity_label: str
    severity_rank: int
    clock: SlaTarget.Clock
    amount: int
    unit: SlaTarget.Unit
    calendar: Ref

    @staticmethod
    def resolve_severity(obj: SlaTarget) -> str:
        return obj.severity.code

    @staticmethod
    def resolve_severity_label(obj: SlaTarget) -> str:
        return obj.severity.label

    @staticmethod
    def resolve_severity_rank(obj: SlaTarget) -> int:
        return obj.severity.rank


class PolicyOut(Schema):
    id: int
    name: str
    scheme: Ref
    warning_ratio: float = Field(..., description="Warn when this share of a target has elapsed")
    is_default: bool
    updated_at: dt.datetime


class PolicyDetailOut(PolicyOut):
    targets: list[TargetOut]

    @staticmethod
    def resolve_targets(obj: SlaPolicy) -> list[SlaTarget]:
        return list(obj.targets.all())


class TargetIn(InputSchema):
    severity: str = Field(..., max_length=10, description="Severity code in the policy's scheme")
    clock: SlaTarget.Clock
    amount: int = Field(
        ..., ge=1, le=max(SlaTarget.MAX_AMOUNT.values()), description="At most a year in the unit chosen"
    )
    unit: SlaTarget.Unit
    calendar: Id = Field(..., description="Calendar id the target is measured on")


class PolicyIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    scheme: Id = Field(..., description="Severity scheme id")
    warning_ratio: Ratio = Decimal("0.75")
    is_default: bool = Field(False, description="Given to new services; only one policy is the default")
    targets: list[TargetIn] = Field([], max_length=80)


class PolicyPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    warning_ratio: Ratio | None = None
    is_default: bool | None = None


# Helpers ----------------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _ref(qs: QuerySet, pk: int, *, field: str, what: str) -> Any:
    """A record named in the input: an unknown (or invisible) one is the caller's input error."""
    found = qs.filter(pk=pk).first()
    if found is None:
        raise ActionError(f"No {what} with id {pk}", field=field)
    return found


def _services(request: HttpRequest) -> QuerySet[Service]:
    related = services_visible_to(request.user).select_related(None).only("id", "name", "slug", "status")
    return services_visible_to(request.user).prefetch_related(Prefetch("depends_on", queryset=related))


def _service_detail(request: HttpRequest, service_id: int) -> Service:
    related = services_visible_to(request.user).select_related(None).only("id", "name", "slug", "status")
    qs = _services(request).prefetch_related(
        Prefetch("components", queryset=related), Prefetch("dependants", queryset=related)
    )
    return get_object_or_404(qs, pk=service_id)


def _service_refs(request: HttpRequest, data: dict) -> dict:
    """Turn the ids in a create/patch payload into records the caller can see."""
    user = request.user
    out: dict[str, Any] = {}
    if data.get("provider") is not None:
        out["provider"] = _ref(
            organisations_visible_to(user), data["provider"], field="provider", what="organisation"
        )
    if data.get("calendar") is not None:
        out["calendar"] = _ref(
            calendars_visible_to(user), data["calendar"], field="calendar", what="calendar"
        )
    if data.get("sla_policy") is not None:
        out["sla_policy"] = _ref(
            policies_visible_to(user), data["sla_policy"], field="sla_policy", what="SLA policy"
        )
    if "parent" in data:
        out["parent"] = (
            None
            if data["parent"] is None
            else _ref(services_visible_to(user), data["parent"], field="parent", what="service")
        )
    if data.get("depends_on") is not None:
        out["depends_on"] = [
            _ref(services_visible_to(user), pk, field=f"depends_on.{i}", what="service")
            for i, pk in enumerate(data["depends_on"])
        ]
    return out


def _calendars(request: HttpRequest) -> QuerySet[Calendar]:
    return calendars_visible_to(request.user).prefetch_related("closures")


def _policy_detail(request: HttpRequest, policy_id: int) -> SlaPolicy:
    targets = SlaTarget.objects.select_related("severity", "calendar").order_by("severity__rank", "clock")
    qs = policies_visible_to(request.user).prefetch_related(Prefetch("targets", queryset=targets))
    return get_object_or_404(qs, pk=policy_id)


def _target_specs(request: HttpRequest, scheme_id: int, targets: list[TargetIn]) -> list[actions.TargetSpec]:
    severities = {s.code: s for s in Severity.objects.filter(scheme_id=scheme_id).select_related("scheme")}
    calendars = calendars_visible_to(request.user)
    specs = []
    for i, t in enumerate(targets):
        severity = severities.get(t.severity)
        if severity is None:
            raise ActionError(
                f"The scheme has no severity {t.severity!r} (it has {', '.join(severities) or 'none'})",
                field=f"targets.{i}.severity",
            )
        calendar = _ref(calendars, t.calendar, field=f"targets.{i}.calendar", what="calendar")
        specs.append(
            actions.TargetSpec(
                severity=severity, clock=t.clock, amount=t.amount, unit=t.unit, calendar=calendar
            )
        )
    return specs


# Services ---------------------------------------------------------------------------------------------------


@router.get("/services", response=list[ServiceOut], summary="List services")
@paginate(Page)
def list_services(request: HttpRequest, filters: Query[ServiceFilter]) -> QuerySet[Service]:
    return filters.filter(_services(request)).order_by("name", "id")


@router.get(
    "/status",
    response=StatusBoardOut,
    summary="The service status board",
    description="Every active service with the status it is shown: the worst of its status set by hand, "
    "its live published major incidents (severity 1: outage; other severities: degraded) and what reaches "
    "it from the service it is part of (the same status) or the services it depends on (at least "
    "degraded). Incidents are linked only for callers who may open them. The whole catalogue, by name.",
)
def status_board(request: HttpRequest) -> dict:
    services = services_visible_to(request.user).filter(is_active=True).order_by("name")
    board = status.board(request.user, services)
    return {
        "checked_at": timezone.now(),
        "affected": len(board.affected),
        "services": list(board.entries.values()),
    }


@router.get("/services/{service_id}", response=ServiceDetailOut, summary="One service, with its dependencies")
def get_service(request: HttpRequest, service_id: IdPath) -> Service:
    return _service_detail(request, service_id)


@router.post("/services", response={201: ServiceDetailOut}, summary="Add a service (catalogue managers)")
def create_service(request: HttpRequest, payload: ServiceIn) -> Status:
    data = payload.dict()
    refs = _service_refs(request, data)
    service = actions.create_service(
        actor=_actor(request),
        name=payload.name,
        slug=payload.slug,
        description=payload.description,
        provider=refs["provider"],
        calendar=refs["calendar"],
        sla_policy=refs.get("sla_policy"),
        parent=refs.get("parent"),
        depends_on=refs.get("depends_on", []),
    )
    return Status(201, _service_detail(request, service.pk))


@router.patch(
    "/services/{service_id}", response=ServiceDetailOut, summary="Change a service (catalogue managers)"
)
def update_service(request: HttpRequest, service_id: IdPath, payload: ServicePatch) -> Service:
    service = get_object_or_404(services_visible_to(request.user), pk=service_id)
    data = payload.dict(exclude_unset=True)
    refs = _service_refs(request, data)
    kwargs = {k: data[k] for k in ("name", "slug", "description", "is_active") if data.get(k) is not None}
    actions.update_service(actor=_actor(request), service=service, **kwargs, **refs)
    return _service_detail(request, service_id)


@router.post(
    "/services/{service_id}/status",
    response=ServiceDetailOut,
    summary="Set a service's status (catalogue managers)",
)
def set_service_status(request: HttpRequest, service_id: IdPath, payload: StatusIn) -> Service:
    service = get_object_or_404(services_visible_to(request.user), pk=service_id)
    actions.set_service_status(
        actor=_actor(request), service=service, status=payload.status, note=payload.note
    )
    return _service_detail(request, service_id)


# Calendars --------------------------------------------------------------------------------------------------


@router.get("/calendars", response=list[CalendarOut], summary="List support calendars", tags=["Calendars"])
@paginate(Page)
def list_calendars(request: HttpRequest) -> QuerySet[Calendar]:
    return _calendars(request).order_by("name", "id")


@router.get(
    "/calendars/{calendar_id}",
    response=CalendarDetailOut,
    summary="One calendar, with the next 14 days of opening hours",
    tags=["Calendars"],
)
def get_calendar(request: HttpRequest, calendar_id: IdPath) -> Calendar:
    return get_object_or_404(_calendars(request), pk=calendar_id)


@router.post(
    "/calendars",
    response={201: CalendarDetailOut},
    summary="Add a calendar (catalogue managers)",
    tags=["Calendars"],
)
def create_calendar(request: HttpRequest, payload: CalendarIn) -> Status:
    calendar = actions.create_calendar(
        actor=_actor(request),
        name=payload.name,
        kind=payload.kind,
        weekly_hours=payload.weekly_hours,
        bank_holidays=payload.bank_holidays,
    )
    return Status(201, get_object_or_404(_calendars(request), pk=calendar.pk))


@router.patch(
    "/calendars/{calendar_id}",
    response=CalendarDetailOut,
    summary="Change a calendar (catalogue managers)",
    tags=["Calendars"],
)
def update_calendar(request: HttpRequest, calendar_id: IdPath, payload: CalendarPatch) -> Calendar:
    calendar = get_object_or_404(calendars_visible_to(request.user), pk=calendar_id)
    actions.update_calendar(actor=_actor(request), calendar=calendar, **payload.dict(exclude_none=True))
    return get_object_or_404(_calendars(request), pk=calendar_id)


@router.post(
    "/calendars/{calendar_id}/closures",
    response={201: CalendarDetailOut},
    summary="Close the calendar for a day (catalogue managers)",
    tags=["Calendars"],
)
def add_closure(request: HttpRequest, calendar_id: IdPath, payload: ClosureIn) -> Status:
    calendar = get_object_or_404(calendars_visible_to(request.user), pk=calendar_id)
    actions.add_closure(actor=_actor(request), calendar=calendar, date=payload.date, reason=payload.reason)
    return Status(201, get_object_or_404(_calendars(request), pk=calendar_id))


@router.delete(
    "/calendars/{calendar_id}/closures/{closure_id}",
    response={204: None},
    summary="Remove a closure (catalogue managers)",
    tags=["Calendars"],
)
def remove_closure(request: HttpRequest, calendar_id: IdPath, closure_id: IdPath) -> Status:
    calendar = get_object_or_404(calendars_visible_to(request.user), pk=calendar_id)
    closure = get_object_or_404(calendar.closures.all(), pk=closure_id)
    actions.remove_closure(actor=_actor(request), closure=closure)
    return Status(204, None)


# Severity schemes -------------------------------------------------------------------------------------------


def _schemes(request: HttpRequest) -> QuerySet[SeverityScheme]:
    return schemes_visible_to(request.user).prefetch_related(
        Prefetch("severities", queryset=Severity.objects.order_by("rank"))
    )


@router.get(
    "/severity-schemes", response=list[SchemeOut], summary="List severity schemes", tags=["SLA policies"]
)
@paginate(Page)
def list_schemes(request: HttpRequest) -> QuerySet[SeverityScheme]:
    return _schemes(request).order_by("name", "id")


@router.get(
    "/severity-schemes/{scheme_id}", response=SchemeOut, summary="One severity scheme", tags=["SLA policies"]
)
def get_scheme(request: HttpRequest, scheme_id: IdPath) -> SeverityScheme:
    return get_object_or_404(_schemes(request), pk=scheme_id)


@router.post(
    "/severity-schemes",
    response={201: SchemeOut},
    summary="Add a severity scheme (catalogue managers)",
    tags=["SLA policies"],
)
def create_scheme(request: HttpRequest, payload: SchemeIn) -> Status:
    scheme = actions.create_severity_scheme(
        actor=_actor(request),
        name=payload.name,
        description=payload.description,
        severities=[s.dict() for s in payload.severities],
    )
    return Status(201, get_object_or_404(_schemes(request), pk=scheme.pk))


# SLA policies -----------------------------------------------------------------------------------------------


@router.get("/sla-policies", response=list[PolicyOut], summary="List SLA policies", tags=["SLA policies"])
@paginate(Page)
def list_policies(request: HttpRequest) -> QuerySet[SlaPolicy]:
    return policies_visible_to(request.user).order_by("name", "id")


@router.get(
    "/sla-policies/{policy_id}",
    response=PolicyDetailOut,
    summary="One SLA policy, with its targets",
    tags=["SLA policies"],
)
def get_policy(request: HttpRequest, policy_id: IdPath) -> SlaPolicy:
    return _policy_detail(request, policy_id)


@router.post(
    "/sla-policies",
    response={201: PolicyDetailOut},
    summary="Add an SLA policy (catalogue managers)",
    tags=["SLA policies"],
)
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status:
    scheme = _ref(schemes_visible_to(request.user), payload.scheme, field="scheme", what="severity scheme")
    policy = actions.create_sla_policy(
        actor=_actor(request),
        name=payload.name,
        scheme=scheme,
        warning_ratio=payload.warning_ratio,
        is_default=payload.is_default,
        targets=_target_specs(request, scheme.pk, payload.targets),
    )
    return Status(201, _policy_detail(request, policy.pk))


@router.patch(
    "/sla-policies/{policy_id}",
    response=PolicyDetailOut,
    summary="Rename, change the warning threshold or make default (catalogue managers)",
    tags=["SLA policies"],
)
def update_policy(request: HttpRequest, policy_id: IdPath, payload: PolicyPatch) -> SlaPolicy:
    policy = get_object_or_404(policies_visible_to(request.user), pk=policy_id)
    actions.update_sla_policy(actor=_actor(request), policy=policy, **payload.dict(exclude_none=True))
    return _policy_detail(request, policy_id)


@router.put(
    "/sla-policies/{policy_id}/targets",
    response=PolicyDetailOut,
    summary="Replace the policy's targets (catalogue managers)",
    tags=["SLA policies"],
)
def put_targets(
    request: HttpRequest, policy_id: IdPath, payload: Body[Annotated[list[TargetIn], Field(max_length=80)]]
) -> SlaPolicy:
    policy = get_object_or_404(policies_visible_to(request.user), pk=policy_id)
    actions.set_targets(
        actor=_actor(request), policy=policy, targets=_target_specs(request, policy.scheme_id, payload)
    )
    return _policy_detail(request, policy_id)
