"""API: providers' KPI returns (SL-05).

``GET /kpi-returns`` (the desk every return, a provider its own; others none), ``GET /kpi-returns/{id}``
(the lines beside the measured figures, differences flagged), ``POST /kpi-returns/{id}/submit`` (JSON
lines), ``POST /kpi-returns/{id}/csv`` (multipart ``file``), ``POST /kpi-returns/{id}/accept`` (the desk;
409 unless submitted), ``GET/PUT /kpi-returns/schedules/{provider}`` (the desk).

A return the caller may not see is a 404. Bad lines are one 422 problem listing every error, each naming
its field (``lines.3.value``, ``line 4.value`` for a CSV file, ``month``); nothing is saved.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from busbar.lib.actions import Actor, IllegalTransition
from busbar.lib.pagination import Page
from busbar.lib.problems import invalid_problem, transition_refused
from busbar.lib.schema import Code, Id, IdOrSlug, IdPath, InputSchema
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.reports import permissions, queries
from busbar.reports import returns as rules
from busbar.reports.actions import returns as actions
from busbar.reports.models import RETURN_TRANSITIONS, KpiReturn, ReturnSchedule, ReturnStatus
from busbar.services.models import Calendar

router = Router(tags=["KPI returns"])

KpiReturnStatusValue = Literal[tuple(ReturnStatus.values)]  # type: ignore[valid-type]
KpiReturnMonth = Annotated[
    str,
    Field(
        pattern=r"^(19[7-9][0-9]|2[01][0-9][0-9])-(0[1-9]|1[0-2])$",
        max_length=7,
        description="YYYY-MM (1970 to 2199)",
    ),
]


# Output ----------------------------------------------------------------------------------------------------


class KpiReturnProviderRef(Schema):
    id: int
    name: str


class KpiReturnOut(Schema):
    id: int
    provider: KpiReturnProviderRef
    period_start: dt.date
    period_end: dt.date
    status: str
    due_at: dt.datetime
    submitted_at: dt.datetime | None
    channel: str
    is_late: bool = Field(..., description="Submitted after it was due, or chased")
    chase_count: int
    accepted_at: dt.datetime | None


class KpiReturnLineOut(Schema):
    kpi: str
    name: str
    unit: str
    service: str | None = Field(None, description="The service's slug; empty: the provider as a whole")
    severity: str
    returned: Decimal
    measured: Decimal | None = Field(None, description="What Busbar measured (empty: not measured)")
    difference: Decimal | None = Field(None, description="Returned − measured")
    flagged: bool = Field(..., description="Outside the tolerance (1 point for percentages, else 5%)")
    note: str


class KpiReturnDetailOut(KpiReturnOut):
    note: str
    kpis: list[str]
    lines: list[KpiReturnLineOut]


def _detail(kpi_return: KpiReturn) -> dict[str, Any]:
    rows = rules.compare(kpi_return)
    return {
        **{f: getattr(kpi_return, f) for f in KpiReturnOut.model_fields if f != "provider"},
        "provider": {"id": kpi_return.provider_id, "name": kpi_return.provider.name},
        "note": kpi_return.note,
        "kpis": list(kpi_return.schedule.kpis or []),
        "lines": [
            {
                "kpi": c.line.kpi,
                "name": c.name,
                "unit": c.unit,
                "service": c.line.service.slug if c.line.service_id else None,
                "severity": c.line.severity_code,
                "returned": c.returned,
                "measured": c.measured,
                "difference": c.difference,
                "flagged": c.flagged,
                "note": c.line.note,
            }
            for c in rows
        ],
    }


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _visible(request: HttpRequest, return_id: int) -> KpiReturn:
    return get_object_or_404(queries.returns_visible_to(request.user), pk=return_id)


def _refused_lines(request: HttpRequest, exc: rules.LinesRefused) -> HttpResponse:
    def name(e: rules.LineError) -> str:
        return e.field if e.where == e.field else f"{e.where}.{e.field}"

    return invalid_problem(request, [{"field": name(e), "message": str(e)} for e in exc.errors])


def _conflict(request: HttpRequest, kpi_return: KpiReturn, exc: IllegalTransition) -> HttpResponse:
    current = KpiReturn.objects.filter(pk=kpi_return.pk).values_list("status", flat=True).get()
    return transition_refused(request, exc, current=current, allowed=RETURN_TRANSITIONS.get(current, ()))


# Returns ---------------------------------------------------------------------------------------------------


class KpiReturnFilters(Schema):
    status: KpiReturnStatusValue | None = None
    provider: Id | None = None


@router.get("/kpi-returns", response=list[KpiReturnOut], summary="KPI returns you may see, newest first")
@paginate(Page)
def list_kpi_returns(request: HttpRequest, filters: Query[KpiReturnFilters]) -> Any:
    qs = queries.returns_visible_to(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.provider:
        qs = qs.filter(provider_id=filters.provider)
    return qs.order_by("-period_start", "provider__name", "id")


@router.get("/kpi-returns/{return_id}", response=KpiReturnDetailOut, summary="A KPI return beside measured")
def get_kpi_return(request: HttpRequest, return_id: IdPath) -> Any:
    return _detail(_visible(request, return_id))


class KpiReturnLineIn(InputSchema):
    kpi: Code
    service: IdOrSlug | None = Field(None, description="A service of the provider, by id, slug or name")
    severity: Annotated[str, Field(max_length=10)] = ""
    value: Annotated[
        Decimal,
        Field(ge=0, le=rules.VALUE_MAX, max_digits=14, decimal_places=3),
        WithJsonSchema(
            {"type": "number", "minimum": 0, "maximum": float(rules.VALUE_MAX), "multipleOf": 0.001}
        ),
    ]
    note: Annotated[str, Field(max_length=rules.NOTE_MAX)] = ""


class KpiReturnSubmitIn(InputSchema):
    month: KpiReturnMonth | None = Field(None, description="The return's period (checked when given)")
    lines: Annotated[list[KpiReturnLineIn], Field(min_length=1, max_length=rules.MAX_LINES)]
    note: Annotated[str, Field(max_length=2000)] = ""


def _submit(request: HttpRequest, kpi_return: KpiReturn, rows: list, channel: str, note: str = "") -> Any:
    try:
        actions.submit_return(
            actor=_actor(request), kpi_return=kpi_return, lines=rows, channel=channel, note=note
        )
    except rules.LinesRefused as exc:
        return _refused_lines(request, exc)
    except IllegalTransition as exc:
        return _conflict(request, kpi_return, exc)
    return _detail(_visible(request, kpi_return.pk))


@router.post(
    "/kpi-returns/{return_id}/submit",
    response=KpiReturnDetailOut,
    summary="Submit (or, before acceptance, replace) a KPI return's lines",
)
def submit_kpi_return(request: HttpRequest, return_id: IdPath, payload: KpiReturnSubmitIn) -> Any:
    kpi_return = _visible(request, return_id)
    rows: list[tuple[str, dict[str, Any]]] = []
    for index, line in enumerate(payload.lines):
        row = {
            "kpi": line.kpi,
            "service": line.service or "",
            "severity": line.severity,
            "value": line.value,
            "note": line.note,
        }
        if payload.month:
            row["month"] = payload.month
        rows.append((f"lines.{index}", row))
    if payload.month:
        checker = rules.Checker(kpi_return, now=rules.current_time())
        wrong = checker.check_month("month", payload.month)
        if wrong is not None:
            return _refused_lines(request, rules.LinesRefused([wrong]))
    return _submit(request, kpi_return, rows, "api", payload.note)


@router.post(
    "/kpi-returns/{return_id}/csv",
    response=KpiReturnDetailOut,
    summary="Submit a KPI return as a CSV file (kpi,service,severity,value,note)",
)
def submit_kpi_return_csv(request: HttpRequest, return_id: IdPath, file: File[UploadedFile]) -> Any:
    kpi_return = _visible(request, return_id)
    if file.size is not None and file.size > rules.MAX_BYTES:
        return _refused_lines(
            request, rules.LinesRefused([rules.LineError("file", "file", "the file is larger than 256 KB")])
        )
    try:
        rows = rules.read_csv(file.read(rules.MAX_BYTES + 1))
    except rules.LinesRefused as exc:
        return _refused_lines(request, exc)
    return _submit(request, kpi_return, rows, "csv")


@router.post("/kpi-returns/{return_id}/accept", response=KpiReturnDetailOut, summary="Accept a KPI return")
def accept_kpi_return(request: HttpRequest, return_id: IdPath) -> Any:
    kpi_return = _visible(request, return_id)
    try:
        actions.accept_return(actor=_actor(request), kpi_return=kpi_return)
    except IllegalTransition as exc:
        return _conflict(request, kpi_return, exc)
    return _detail(_visible(request, return_id))


# Schedules -------------------------------------------------------------------------------------------------


class KpiReturnScheduleOut(Schema):
    provider: KpiReturnProviderRef
    kpis: list[str]
    frequency: str
    due_working_days: int
    calendar: str
    chase_every_days: int
    is_active: bool


class KpiReturnScheduleIn(InputSchema):
    kpis: Annotated[list[Annotated[str, Field(max_length=40)]], Field(min_length=1, max_length=30)]
    frequency: Literal["monthly", "quarterly"] = "monthly"
    due_working_days: Annotated[int, Field(ge=0, le=actions.MAX_DUE_DAYS)] = 5
    calendar: Annotated[str, Field(min_length=1, max_length=100, description="A calendar's name")]
    chase_every_days: Annotated[int, Field(ge=1, le=actions.MAX_CHASE_DAYS)] = 2
    is_active: bool = True


def _schedule_out(schedule: ReturnSchedule) -> dict[str, Any]:
    return {
        "provider": {"id": schedule.provider_id, "name": schedule.provider.name},
        "kpis": list(schedule.kpis or []),
        "frequency": schedule.frequency,
        "due_working_days": schedule.due_working_days,
        "calendar": schedule.calendar.name,
        "chase_every_days": schedule.chase_every_days,
        "is_active": schedule.is_active,
    }


def _schedule_provider(request: HttpRequest, provider: int) -> Organisation:
    if permissions.can_manage_schedules(scope_for(request.user)) is not None:
        raise_404()
    return get_object_or_404(Organisation.objects.filter(is_active=True), pk=provider)


def raise_404() -> None:
    from django.http import Http404

    raise Http404("No such schedule")


@router.get(
    "/kpi-returns/schedules/{provider}",
    response=KpiReturnScheduleOut,
    summary="A provider's KPI return schedule (the desk)",
)
def get_kpi_return_schedule(request: HttpRequest, provider: IdPath) -> Any:
    org = _schedule_provider(request, provider)
    schedule = get_object_or_404(ReturnSchedule.objects.select_related("provider", "calendar"), provider=org)
    return _schedule_out(schedule)


@router.put(
    "/kpi-returns/schedules/{provider}",
    response={200: KpiReturnScheduleOut},
    summary="Set a provider's KPI return schedule (the desk)",
)
def put_kpi_return_schedule(request: HttpRequest, provider: IdPath, payload: KpiReturnScheduleIn) -> Any:
    from busbar.lib.actions import ActionError

    org = _schedule_provider(request, provider)
    calendar = Calendar.objects.filter(name=payload.calendar).first()
    if calendar is None:
        raise ActionError(f"No calendar {payload.calendar!r}", field="calendar")
    schedule = actions.set_schedule(
        actor=_actor(request),
        provider=org,
        kpis=payload.kpis,
        calendar=calendar,
        frequency=payload.frequency,
        due_working_days=payload.due_working_days,
        chase_every_days=payload.chase_every_days,
        is_active=payload.is_active,
    )
    schedule = ReturnSchedule.objects.select_related("provider", "calendar").get(pk=schedule.pk)
    return Status(200, _schedule_out(schedule))
