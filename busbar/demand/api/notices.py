"""API of demand notices (``/demand-notices``).

Every read starts from :mod:`busbar.demand.queries` (a notice outside it is a 404, whatever the caller
does); every change goes through :mod:`busbar.demand.actions`. Bad input is a 422 naming the field
(``ends_on`` before ``starts_on``, ``lines[1].service`` unknown or repeated, a volume out of bounds); a
change the caller may not make on a notice it sees is a 403; a status change the table forbids is a 409
naming the current status and the allowed ones.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.demand import actions, charts, permissions, queries, steps
from busbar.demand.models import (
    DEMAND_TRANSITIONS,
    Compliance,
    DemandLine,
    DemandNotice,
    DemandReason,
    DemandStatus,
)
from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.lib.limits import SHORT_TEXT
from busbar.lib.pagination import Page
from busbar.lib.problems import transition_refused
from busbar.lib.schema import Day, Id, IdOrSlug, InputSchema, RefPath, Text
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.records import queries as record_queries
from busbar.records.api import EntryOut

router = Router(tags=["Demand management"])

Volume = Annotated[
    int, Field(ge=0, le=steps.MAX_DAILY, description=f"Transactions a day, 0 to {steps.MAX_DAILY:,}")
]
Title = Annotated[str, Field(min_length=1, max_length=SHORT_TEXT)]
Reason = Literal[tuple(DemandReason.values)]  # type: ignore[valid-type]
StatusFilter = Literal[("open", *DemandStatus.values)]  # type: ignore[valid-type]
ComplianceValue = Literal[tuple(v for v in Compliance.values if v)]  # type: ignore[valid-type]


class DemandServiceOut(Schema):
    id: int
    name: str
    slug: str
    provider: str


class DemandOrganisationOut(Schema):
    id: int
    name: str


class DemandLineOut(Schema):
    service: DemandServiceOut
    normal_per_day: int
    expected_per_day: int
    above_tolerance: bool
    tolerance_percent: int | None = Field(None, description="Of the tolerance in force on the first day")
    tolerance_cap_per_day: int | None = Field(None, description="Its absolute cap (none: no cap)")
    limit_per_day: int | None = Field(None, description="The largest expected volume within tolerance")


def _service(service: Any) -> dict:
    return {"id": service.pk, "name": service.name, "slug": service.slug, "provider": service.provider.name}


class DemandNoticeSummary(Schema):
    reference: str
    title: str
    organisation: DemandOrganisationOut
    status: DemandStatus
    reason: DemandReason
    starts_on: dt.date
    ends_on: dt.date
    above_tolerance: bool
    services: list[str] = Field(..., description="The services on the lines you may read")
    providers_notified_at: dt.datetime | None
    compliance: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_organisation(obj: Any) -> dict:
        return {"id": obj.organisation_id, "name": obj.organisation.name}

    @staticmethod
    def resolve_services(obj: Any) -> list[str]:
        return [ln.service.slug for ln in obj.lines.all()]


class DemandNoticeDetail(DemandNoticeSummary):
    description: str
    filed_by: str | None
    analysis: str
    mitigation_requested: str
    mitigation_requested_at: dt.datetime | None
    filer_response: str
    closed_at: dt.datetime | None
    lines: list[DemandLineOut]
    updates: list[EntryOut] = Field(..., description="Internal notes for the service desk only")
    allowed_actions: list[str] = Field(..., description="What the caller may do now")

    @staticmethod
    def resolve_filed_by(obj: Any) -> str | None:
        return obj.filed_by.display_name if obj.filed_by_id else None

    @staticmethod
    def resolve_lines(obj: Any) -> list[dict]:
        out = []
        for v in charts.verdicts(obj, list(obj.lines.all())):
            tol = v.tolerance
            out.append(
                {
                    "service": _service(v.line.service),
                    "normal_per_day": v.line.normal_per_day,
                    "expected_per_day": v.line.expected_per_day,
                    "above_tolerance": v.line.above_tolerance,
                    "tolerance_percent": tol.tolerance_percent if tol else None,
                    "tolerance_cap_per_day": (tol.max_daily_volume or None) if tol else None,
                    "limit_per_day": v.limit,
                }
            )
        return out

    @staticmethod
    def resolve_updates(obj: Any, context: dict[str, Any]) -> list:
        return list(
            record_queries.entries_visible_to(context["request"].user, obj).order_by("created_at", "id")
        )

    @staticmethod
    def resolve_allowed_actions(obj: Any, context: dict[str, Any]) -> list[str]:
        return permissions.available(scope_for(context["request"].user), obj)


class DemandNoticeFilters(Schema):
    status: StatusFilter | None = Field(None, description="A status, or open (not closed nor withdrawn)")  # type: ignore[valid-type]
    service: IdOrSlug | None = Field(None, description="Notices with a line on this service")
    above_tolerance: bool | None = None


class DemandLineIn(InputSchema):
    service: IdOrSlug
    normal_per_day: Volume
    expected_per_day: Volume


class DemandNoticeIn(InputSchema):
    title: Title
    starts_on: Day
    ends_on: Day
    reason: Reason = DemandReason.MARKETING  # type: ignore[valid-type]
    description: Text = ""
    organisation: Id | None = Field(None, description="The filing organisation (default: yours)")
    lines: list[DemandLineIn] = Field(..., min_length=1, max_length=steps.MAX_LINES)


class DemandNoticePatch(InputSchema):
    title: Title | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    reason: Reason | None = None  # type: ignore[valid-type]
    description: Text | None = None
    lines: list[DemandLineIn] | None = Field(None, min_length=1, max_length=steps.MAX_LINES)


class DemandAnalyseIn(InputSchema):
    analysis: Annotated[Text, Field(min_length=1)]


class DemandNoteIn(InputSchema):
    note: Text = ""


class DemandReopenIn(InputSchema):
    note: Annotated[Text, Field(min_length=1)]


class DemandMitigationIn(InputSchema):
    text: Annotated[Text, Field(min_length=1, description="What the filer is asked to do")]


class DemandRespondIn(InputSchema):
    response: Annotated[Text, Field(min_length=1)]


class DemandComplianceIn(InputSchema):
    compliance: ComplianceValue  # type: ignore[valid-type]
    note: Text = ""


class DemandUpdateIn(InputSchema):
    body: Annotated[Text, Field(min_length=1)]
    internal: bool = Field(False, description="An internal note (the service desk only)")


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _rows(user: Any) -> Any:
    lines = queries.lines_visible_to(user).order_by("id")
    return (
        queries.visible_to(user)
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-created_at", "-id")
    )


def _notice(request: HttpRequest, reference: str) -> DemandNotice:
    return get_object_or_404(_rows(request.user), reference=reference.upper())


def _service_of(user: Any, key: str) -> Any:
    return steps.find_service(user, key, field="service")


def _run(request: HttpRequest, reference: str, func: Any, **kwargs: Any) -> Any:
    notice = _notice(request, reference)
    try:
        func(actor=_actor(request), notice=notice, **kwargs)
    except IllegalTransition as exc:
        current = DemandNotice.objects.filter(pk=notice.pk).values_list("status", flat=True).get()
        return transition_refused(request, exc, current=current, allowed=DEMAND_TRANSITIONS.get(current, ()))
    return _notice(request, reference)


def _lines(lines: list[DemandLineIn]) -> list[dict]:
    return [ln.dict() for ln in lines]


@router.get(
    "/demand-notices",
    response=list[DemandNoticeSummary],
    summary="The demand notices you may see, newest first",
    operation_id="demand_list_notices",
)
@paginate(Page)
def list_notices(request: HttpRequest, filters: Query[DemandNoticeFilters]) -> Any:
    qs = _rows(request.user)
    if filters.status == "open":
        qs = qs.exclude(status__in=[DemandStatus.CLOSED, DemandStatus.WITHDRAWN])
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.service:
        service = _service_of(request.user, filters.service)
        qs = qs.filter(Exists(DemandLine.objects.filter(notice_id=OuterRef("pk"), service=service)))
    if filters.above_tolerance is not None:
        qs = qs.filter(above_tolerance=filters.above_tolerance)
    return qs


@router.post(
    "/demand-notices",
    response={201: DemandNoticeDetail},
    summary="File a demand notice (lines above their service's tolerance flag it and alert the service desk)",
    operation_id="demand_file_notice",
)
def file_notice(request: HttpRequest, payload: DemandNoticeIn) -> Status:
    organisation = None
    if payload.organisation is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation, is_active=True).first()
        if organisation is None:
            raise ActionError(f"No organisation {payload.organisation}", field="organisation")
    done = actions.file_notice(
        actor=_actor(request),
        organisation=organisation,
        title=payload.title,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        reason=payload.reason,
        description=payload.description,
        lines=_lines(payload.lines),
    )
    return Status(201, _notice(request, done.reference))


@router.get(
    "/demand-notices/{reference}",
    response=DemandNoticeDetail,
    summary="One demand notice",
    operation_id="demand_get_notice",
)
def get_notice(request: HttpRequest, reference: RefPath) -> Any:
    return _notice(request, reference)


@router.patch(
    "/demand-notices/{reference}",
    response=DemandNoticeDetail,
    summary="Change the notice (its filer, while it is filed or under analysis)",
    operation_id="demand_update_notice",
)
def patch_notice(request: HttpRequest, reference: RefPath, payload: DemandNoticePatch) -> Any:
    data = payload.dict(exclude_unset=True)
    for name in ("title", "starts_on", "ends_on", "reason", "lines"):
        if name in data and data[name] is None:
            raise ActionError(f"{name} cannot be empty", field=name)
    if "lines" in data:
        data["lines"] = _lines(payload.lines or [])
    return _run(request, reference, actions.update_notice, fields=data)


@router.post(
    "/demand-notices/{reference}/analyse",
    response=DemandNoticeDetail,
    summary="Record the service desk's analysis (a filed notice goes under analysis)",
    operation_id="demand_analyse_notice",
)
def analyse(request: HttpRequest, reference: RefPath, payload: DemandAnalyseIn) -> Any:
    return _run(request, reference, actions.start_analysis, analysis=payload.analysis)


@router.post(
    "/demand-notices/{reference}/notify-providers",
    response=DemandNoticeDetail,
    summary="Send the bulletin to the providers of the notice's services (again: an updated bulletin)",
    operation_id="demand_notify_providers",
)
def notify(request: HttpRequest, reference: RefPath, payload: DemandNoteIn) -> Any:
    return _run(request, reference, actions.notify_providers, note=payload.note)


@router.post(
    "/demand-notices/{reference}/request-mitigation",
    response=DemandNoticeDetail,
    summary="Ask the filer to mitigate the demand",
    operation_id="demand_request_mitigation",
)
def request_mitigation(request: HttpRequest, reference: RefPath, payload: DemandMitigationIn) -> Any:
    return _run(request, reference, actions.request_mitigation, text=payload.text)


@router.post(
    "/demand-notices/{reference}/respond",
    response=DemandNoticeDetail,
    summary="The filer's response to the mitigation request",
    operation_id="demand_respond",
)
def respond(request: HttpRequest, reference: RefPath, payload: DemandRespondIn) -> Any:
    return _run(request, reference, actions.respond, response=payload.response)


@router.post(
    "/demand-notices/{reference}/compliance",
    response=DemandNoticeDetail,
    summary="Record whether the filer complied with the mitigation requested",
    operation_id="demand_record_compliance",
)
def compliance(request: HttpRequest, reference: RefPath, payload: DemandComplianceIn) -> Any:
    return _run(
        request, reference, actions.record_compliance, compliance=payload.compliance, note=payload.note
    )


@router.post(
    "/demand-notices/{reference}/close",
    response=DemandNoticeDetail,
    summary="Close the notice",
    operation_id="demand_close_notice",
)
def close(request: HttpRequest, reference: RefPath, payload: DemandNoteIn) -> Any:
    return _run(request, reference, actions.close_notice, note=payload.note)


@router.post(
    "/demand-notices/{reference}/reopen",
    response=DemandNoticeDetail,
    summary="Reopen a closed notice (it goes back under analysis)",
    operation_id="demand_reopen_notice",
)
def reopen(request: HttpRequest, reference: RefPath, payload: DemandReopenIn) -> Any:
    return _run(request, reference, actions.reopen_notice, note=payload.note)


@router.post(
    "/demand-notices/{reference}/withdraw",
    response=DemandNoticeDetail,
    summary="Withdraw the notice (its filer, while it is filed or under analysis)",
    operation_id="demand_withdraw_notice",
)
def withdraw(request: HttpRequest, reference: RefPath, payload: DemandNoteIn) -> Any:
    return _run(request, reference, actions.withdraw_notice, note=payload.note)


@router.post(
    "/demand-notices/{reference}/updates",
    response={201: EntryOut},
    summary="Add a public update (the desk or the filer) or an internal note (the desk)",
    operation_id="demand_add_update",
)
def add_update(request: HttpRequest, reference: RefPath, payload: DemandUpdateIn) -> Status:
    notice = _notice(request, reference)
    func = actions.add_note if payload.internal else actions.add_update
    entry = func(actor=_actor(request), notice=notice, body=payload.body)
    return Status(201, record_queries.entries_visible_to(request.user, notice).get(pk=entry.pk))
