"""API of the monthly service reports: list and read the reports the caller may read
(:func:`busbar.reports.queries.reports_visible_to`; others are a 404), generate or regenerate a draft
(the desk; a published month is a 409), write the commentary (409 once published), publish (the
operations manager), the PDF, and the caller's own subscriptions to publication emails."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.incidents.api.schemas import Problem
from busbar.lib.actions import ActionError, Actor
from busbar.lib.pagination import Page
from busbar.lib.pdf import PdfError
from busbar.lib.problems import problem_response
from busbar.lib.schema import Id, IdPath, InputSchema
from busbar.parties.models import Organisation
from busbar.reports import monthly
from busbar.reports import pdf as report_pdf
from busbar.reports.actions import service_reports as actions
from busbar.reports.models import ReportSubscription, ServiceReport, ServiceReportStatus
from busbar.reports.queries import audience, reports_visible_to

router = Router(tags=["Monthly service reports"])

ServiceReportMonth = Annotated[
    str,
    Field(
        pattern=r"^(19[7-9][0-9]|2[01][0-9][0-9])-(0[1-9]|1[0-2])$",
        max_length=7,
        description="YYYY-MM (1970 to 2199)",
    ),
]
ServiceReportText = Annotated[str, Field(max_length=actions.MAX_COMMENTARY)]


class ServiceReportProviderRef(Schema):
    id: int
    name: str


class ServiceReportOut(Schema):
    id: int
    month: str = Field(..., description="YYYY-MM")
    provider: ServiceReportProviderRef | None = Field(..., description="Empty: the end-to-end report")
    status: Literal[tuple(ServiceReportStatus.values)]  # type: ignore[valid-type]
    generated_at: dt.datetime
    published_at: dt.datetime | None
    targets_missed: int

    @staticmethod
    def resolve_month(obj: ServiceReport) -> str:
        return f"{obj.month:%Y-%m}"

    @staticmethod
    def resolve_provider(obj: ServiceReport) -> dict | None:
        return {"id": obj.provider_id, "name": obj.provider.name} if obj.provider_id else None

    @staticmethod
    def resolve_targets_missed(obj: ServiceReport) -> int:
        return len((obj.content or {}).get("missed", []))


class ServiceReportDetail(Schema):
    id: int
    month: str = Field(..., description="YYYY-MM")
    provider: ServiceReportProviderRef | None = Field(..., description="Empty: the end-to-end report")
    status: Literal[tuple(ServiceReportStatus.values)]  # type: ignore[valid-type]
    generated_at: dt.datetime
    published_at: dt.datetime | None
    targets_missed: int
    published_by: str | None
    summary: str
    highlights: str
    concerns: str
    improvements: str
    content: dict[str, Any] = Field(..., description="The report's snapshot (KPIs, trend, attribution, …)")


class ServiceReportFilters(Schema):
    month: ServiceReportMonth | None = None
    provider: Id | None = Field(None, description="One provider's reports")
    end_to_end: bool = Field(False, description="Only the end-to-end reports")
    status: Literal[tuple(ServiceReportStatus.values)] | None = None  # type: ignore[valid-type]


class ServiceReportGenerateIn(InputSchema):
    month: ServiceReportMonth
    provider: Id | None = Field(None, description="Empty: the end-to-end report")


class ServiceReportCommentaryIn(InputSchema):
    summary: ServiceReportText | None = None
    highlights: ServiceReportText | None = None
    concerns: ServiceReportText | None = None
    improvements: ServiceReportText | None = None


class ServiceReportSubscriptionIn(InputSchema):
    provider: Id | None = Field(None, description="Empty: the end-to-end reports")


class ServiceReportSubscriptionOut(Schema):
    id: int
    provider: ServiceReportProviderRef | None
    created_at: dt.datetime

    @staticmethod
    def resolve_provider(obj: ReportSubscription) -> dict | None:
        return {"id": obj.provider_id, "name": obj.provider.name} if obj.provider_id else None


class ServiceReportUnsubscribe(Schema):
    provider: Id | None = Field(None, description="Empty: the end-to-end reports")


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _month(value: str, field: str = "month") -> dt.date:
    try:
        return dt.date(int(value[:4]), int(value[5:7]), 1)
    except ValueError:
        raise ActionError("Give the month as YYYY-MM", field=field) from None


def _provider(request: HttpRequest, pk: int | None, field: str = "provider") -> Organisation | None:
    if pk is None:
        return None
    who = audience(request.user)
    found = Organisation.objects.filter(pk=pk, is_active=True).first()
    if found is None or not who.may_see_provider(pk):
        raise ActionError(f"No provider {pk}", field=field)
    return found


def _detail(request: HttpRequest, report: ServiceReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "month": f"{report.month:%Y-%m}",
        "provider": {"id": report.provider_id, "name": report.provider.name} if report.provider_id else None,
        "status": report.status,
        "generated_at": report.generated_at,
        "published_at": report.published_at,
        "published_by": report.published_by.display_name if report.published_by_id else None,
        "targets_missed": len((report.content or {}).get("missed", [])),
        "summary": report.summary,
        "highlights": report.highlights,
        "concerns": report.concerns,
        "improvements": report.improvements,
        "content": monthly.for_viewer(report.content or {}, audience(request.user)),
    }


def _visible(request: HttpRequest):
    return reports_visible_to(request.user)


# Subscriptions (before /{report_id}) ---------------------------------------------------------------------


@router.get(
    "/service-reports/subscriptions",
    response=list[ServiceReportSubscriptionOut],
    summary="The reports you are emailed about on publication",
)
@paginate(Page)
def list_service_report_subscriptions(request: HttpRequest) -> Any:
    return ReportSubscription.objects.filter(user=request.user).select_related("provider").order_by("pk")


@router.post(
    "/service-reports/subscriptions",
    response={200: ServiceReportSubscriptionOut, 201: ServiceReportSubscriptionOut},
    summary="Be emailed when a report you may read is published (201 new, 200 already)",
)
def subscribe_to_service_reports(request: HttpRequest, payload: ServiceReportSubscriptionIn) -> Status:
    provider = _provider(request, payload.provider)
    existed = ReportSubscription.objects.filter(user=request.user, provider=provider).exists()
    sub = actions.subscribe(actor=_actor(request), provider=provider)
    return Status(200 if existed else 201, sub)


@router.delete(
    "/service-reports/subscriptions",
    response={204: None, 404: Problem},
    summary="Stop the publication emails",
)
def unsubscribe_from_service_reports(
    request: HttpRequest, filters: Query[ServiceReportUnsubscribe]
) -> Status:
    provider = _provider(request, filters.provider)
    actions.unsubscribe(actor=_actor(request), provider=provider)
    return Status(204, None)


# Reports -----------------------------------------------------------------------------------------------


@router.get(
    "/service-reports", response=list[ServiceReportOut], summary="Monthly service reports (newest first)"
)
@paginate(Page)
def list_service_reports(request: HttpRequest, filters: Query[ServiceReportFilters]) -> Any:
    qs = _visible(request).only(
        "id", "month", "provider__id", "provider__name", "status", "generated_at", "published_at", "content"
    )
    if filters.month:
        qs = qs.filter(month=_month(filters.month))
    if filters.provider is not None:
        qs = qs.filter(provider_id=filters.provider)
    if filters.end_to_end:
        qs = qs.filter(provider__isnull=True)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("-month", "provider__name", "pk")


@router.post(
    "/service-reports",
    response={200: ServiceReportDetail, 201: ServiceReportDetail},
    summary="Generate a month's draft report, or regenerate it (201 new, 200 regenerated; 409 published)",
)
def generate_service_report(request: HttpRequest, payload: ServiceReportGenerateIn) -> Status:
    month = _month(payload.month)
    provider = _provider(request, payload.provider)
    existed = ServiceReport.objects.filter(month=month, provider=provider).exists()
    report = actions.generate_report(actor=_actor(request), month=month, provider=provider)
    report = ServiceReport.objects.select_related("provider", "published_by").get(pk=report.pk)
    return Status(200 if existed else 201, _detail(request, report))


@router.get("/service-reports/{report_id}", response=ServiceReportDetail, summary="One service report")
def get_service_report(request: HttpRequest, report_id: IdPath) -> Any:
    report = get_object_or_404(_visible(request).select_related("published_by"), pk=report_id)
    return _detail(request, report)


@router.patch(
    "/service-reports/{report_id}",
    response=ServiceReportDetail,
    summary="Write a draft report's commentary (409 once published)",
)
def update_service_report(request: HttpRequest, report_id: IdPath, payload: ServiceReportCommentaryIn) -> Any:
    report = get_object_or_404(_visible(request), pk=report_id)
    report = actions.update_commentary(
        actor=_actor(request), report=report, **payload.dict(exclude_unset=True)
    )
    return _detail(
        request, ServiceReport.objects.select_related("provider", "published_by").get(pk=report.pk)
    )


@router.post(
    "/service-reports/{report_id}/publish",
    response=ServiceReportDetail,
    summary="Publish a draft report (operations managers; subscribers are emailed)",
)
def publish_service_report(request: HttpRequest, report_id: IdPath) -> Any:
    report = get_object_or_404(_visible(request), pk=report_id)
    report = actions.publish_report(actor=_actor(request), report=report)
    return _detail(
        request, ServiceReport.objects.select_related("provider", "published_by").get(pk=report.pk)
    )


@router.get(
    "/service-reports/{report_id}/pdf",
    response={200: None},
    summary="The report as a PDF",
    openapi_extra={
        "responses": {200: {"description": "The report as PDF", "content": {"application/pdf": {}}}}
    },
)
def service_report_pdf(request: HttpRequest, report_id: IdPath) -> HttpResponse:
    report = get_object_or_404(_visible(request).select_related("published_by"), pk=report_id)
    content = monthly.for_viewer(report.content or {}, audience(request.user))
    try:
        body = report_pdf.render(report, content)
    except PdfError as exc:
        return problem_response(request, status=500, title="The PDF could not be made", detail=exc.message)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_pdf.filename(report)}"'
    return response
