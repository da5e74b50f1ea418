"""Pages of the monthly service reports: the list by month (with the desk's generate-on-demand form and
the subscribe buttons), a report's page (its snapshot with server-rendered SVG charts, commentary, the
publish button for whoever may publish), the commentary form, publish, the PDF and subscriptions.

Who reads which report is :func:`busbar.reports.queries.reports_visible_to` (others: 404); what a reader
sees of a report is :func:`busbar.reports.monthly.for_viewer`; every change goes through
:mod:`busbar.reports.actions.service_reports`, which refuses with :mod:`busbar.reports.permissions`."""

from __future__ import annotations

import datetime as dt
import re
from itertools import groupby

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, parse_id
from busbar.lib.pdf import PdfError
from busbar.lib.postback import post_form
from busbar.lib.worktime import LONDON
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.reports import monthly, permissions
from busbar.reports import pdf as pdf_document
from busbar.reports.actions import service_reports as actions
from busbar.reports.models import ReportSubscription, ServiceReport, ServiceReportStatus
from busbar.reports.queries import audience, reports_visible_to
from busbar.reports.views.report_svg import trend_svg

MONTH_RE = re.compile(r"^(?P<y>[0-9]{4})-(?P<m>0[1-9]|1[0-2])$")
#: Months listed on one page of the list.
MONTHS_LISTED = 36


# Forms ---------------------------------------------------------------------------------------------------


def parse_month(value: str) -> dt.date | None:
    found = MONTH_RE.match((value or "").strip())
    return dt.date(int(found["y"]), int(found["m"]), 1) if found else None


class GenerateForm(forms.Form):
    month = forms.CharField(max_length=7, help_text="YYYY-MM, e.g. 2027-05")
    provider = forms.ChoiceField(required=False, help_text="Empty: the end-to-end report")

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "End to end (every provider)")] + [
            (str(p.pk), p.name) for p in providers
        ]
        self._providers = {p.pk: p for p in providers}

    def clean_month(self):
        month = parse_month(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError("Give the month as YYYY-MM")
        return month

    def clean_provider(self):
        value = self.cleaned_data.get("provider") or ""
        if not value:
            return None
        pk = parse_id(value)
        if pk not in self._providers:
            raise forms.ValidationError("Choose a provider from the list")
        return self._providers[pk]


class CommentaryForm(forms.Form):
    summary = forms.CharField(
        required=False, max_length=actions.MAX_COMMENTARY, widget=forms.Textarea(attrs={"rows": 4})
    )
    highlights = forms.CharField(
        required=False, max_length=actions.MAX_COMMENTARY, widget=forms.Textarea(attrs={"rows": 4})
    )
    concerns = forms.CharField(
        required=False, max_length=actions.MAX_COMMENTARY, widget=forms.Textarea(attrs={"rows": 4})
    )
    improvements = forms.CharField(
        required=False, max_length=actions.MAX_COMMENTARY, widget=forms.Textarea(attrs={"rows": 4})
    )


# Helpers --------------------------------------------------------------------------------------------------


def _providers():
    from busbar.reports.tasks.monthly import providers_with_services

    return list(providers_with_services())


def _visible(request: HttpRequest):
    return reports_visible_to(request.user)


def _report(request: HttpRequest, pk: int) -> ServiceReport:
    return get_object_or_404(_visible(request).select_related("published_by"), pk=pk)


def _subscriptions(request: HttpRequest, providers) -> list[dict]:
    """The report scopes the reader may subscribe to, and whether they do."""
    who = audience(request.user)
    mine = set(ReportSubscription.objects.filter(user=request.user).values_list("provider_id", flat=True))
    scopes = [(None, "End-to-end reports")] + [
        (p.pk, f"{p.name} reports") for p in providers if who.is_desk or who.may_see_provider(p.pk)
    ]
    return [{"provider_id": pid, "label": label, "subscribed": pid in mine} for pid, label in scopes]


def _chart(series: dict):
    """The pages' own trend chart (:func:`busbar.reports.charts.trend_chart`), or a plain bar chart."""
    from decimal import Decimal

    def number(value):
        return None if value in (None, "") else Decimal(str(value))

    try:
        from busbar.reports import charts

        points = [
            charts.Point(label=p["label"], value=number(p["value"]), target=number(p["target"]), met=p["met"])
            for p in series["points"]
        ]
        return charts.trend_chart(
            points, unit=series["unit"], title=series["name"], key=f"report-{series['code']}"
        )
    except (ImportError, AttributeError, ValueError, TypeError, KeyError):
        return trend_svg(series)


# Pages -----------------------------------------------------------------------------------------------------


def _list_page(request: HttpRequest, *, form: GenerateForm | None = None, status: int = 200) -> HttpResponse:
    scope = scope_for(request.user)
    providers = _providers()
    reports = list(
        _visible(request).order_by("-month", "provider__name", "pk")[: MONTHS_LISTED * (len(providers) + 1)]
    )
    months = [
        {"month": month, "label": monthly.month_label(month), "reports": list(rows)}
        for month, rows in groupby(reports, key=lambda r: r.month)
    ]
    can_generate = permissions.can_generate_report(scope) is None
    context = {
        "months": months,
        "can_generate": can_generate,
        "form": form
        or (GenerateForm(providers=providers, initial={"month": _last_month()}) if can_generate else None),
        "subscriptions": _subscriptions(request, providers),
    }
    return render(request, "reports/service_reports/list.html", context, status=status)


def _last_month() -> str:
    today = timezone.localtime(timezone.now(), LONDON).date().replace(day=1)
    return (today - dt.timedelta(days=1)).strftime("%Y-%m")


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _detail_page(
    request: HttpRequest, report: ServiceReport, *, form=None, status: int = 200
) -> HttpResponse:
    scope = scope_for(request.user)
    who = audience(request.user)
    content = monthly.for_viewer(report.content or {}, who)
    draft = report.status == ServiceReportStatus.DRAFT
    charts = [
        {"series": s, "svg": _chart(s)}
        for s in content.get("trend", {}).get("series", [])
        if s.get("charted")
    ]
    for m in content.get("major_incidents", []):
        m["opened_local"] = monthly.local(m.get("opened_at"))
        m["resolved_local"] = monthly.local(m.get("resolved_at")) if m.get("resolved_at") else "not yet"
    subscribed = ReportSubscription.objects.filter(user=request.user, provider_id=report.provider_id).exists()
    context = {
        "report": report,
        "c": content,
        "charts": charts,
        "trend_table": content.get("trend", {}),
        "draft": draft,
        "can_edit": draft and permissions.can_edit_report(scope, report) is None,
        "can_publish": draft and permissions.can_publish_report(scope, report) is None,
        "can_generate": draft and permissions.can_generate_report(scope) is None,
        "form": form,
        "subscribed": subscribed,
        "commentary": [
            ("Summary", report.summary),
            ("Highlights", report.highlights),
            ("Concerns", report.concerns),
            ("Improvements", report.improvements),
        ],
    }
    return render(request, "reports/service_reports/detail.html", context, status=status)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _report(request, pk))


def _refused(request: HttpRequest, report: ServiceReport, exc: ActionError, form=None) -> HttpResponse:
    status = 403 if isinstance(exc, NotPermitted) else exc.status
    if form is not None:
        add_action_error(form, exc)
    else:
        messages.error(request, exc.message)
    return _detail_page(request, report, form=form, status=status)


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    reason = permissions.can_edit_report(scope_for(request.user), report)
    if reason is not None:
        raise Http404("No such report")  # readers who may not edit are not told of the form
    if report.status != ServiceReportStatus.DRAFT:
        messages.error(request, "A published report never changes")
        return _detail_page(request, report, status=409)
    if request.method == "POST":
        form = CommentaryForm(request.POST)
        if not form.is_valid():
            return _detail_page(request, report, form=form, status=422)
        try:
            actions.update_commentary(actor=Actor.from_request(request), report=report, **form.cleaned_data)
        except ActionError as exc:
            return _refused(request, report, exc, form)
        messages.success(request, "Commentary saved")
        return redirect("service_report_detail", pk=report.pk)
    form = CommentaryForm(initial={name: getattr(report, name) for name in actions.COMMENTARY})
    return _detail_page(request, report, form=form)


@login_required
@post_form(lambda pk: reverse("service_report_detail", args=[pk]))
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    try:
        actions.publish_report(actor=Actor.from_request(request), report=report)
    except ActionError as exc:
        return _refused(request, report, exc)
    messages.success(request, f"Published: {report}")
    return redirect("service_report_detail", pk=report.pk)


@login_required
@post_form(lambda: reverse("service_report_list"))
def report_generate(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    reason = permissions.can_generate_report(scope)
    if reason is not None:
        messages.error(request, reason)
        return _list_page(request, status=403)
    form = GenerateForm(request.POST, providers=_providers())
    if not form.is_valid():
        return _list_page(request, form=form, status=422)
    try:
        report = actions.generate_report(
            actor=Actor.from_request(request),
            month=form.cleaned_data["month"],
            provider=form.cleaned_data["provider"],
        )
    except ActionError as exc:
        add_action_error(form, exc)
        return _list_page(request, form=form, status=403 if isinstance(exc, NotPermitted) else exc.status)
    messages.success(request, f"Generated: {report}")
    return redirect("service_report_detail", pk=report.pk)


@login_required
@post_form(lambda: reverse("service_report_list"))
def report_subscribe(request: HttpRequest) -> HttpResponse:
    """POST provider (empty: end to end) and verb (subscribe | unsubscribe); back to ``next`` if local."""
    raw = (request.POST.get("provider") or "").strip()
    provider = None
    if raw:
        pk = parse_id(raw)
        provider = Organisation.objects.filter(pk=pk).first() if pk else None
        if provider is None:
            raise Http404("No such provider")
    verb = request.POST.get("verb", "subscribe")
    if verb not in ("subscribe", "unsubscribe"):
        messages.error(request, "Choose subscribe or unsubscribe")
        return _list_page(request, status=422)
    actor = Actor.from_request(request)
    try:
        if verb == "subscribe":
            actions.subscribe(actor=actor, provider=provider)
            messages.success(request, "You will be emailed when these reports are published")
        else:
            actions.unsubscribe(actor=actor, provider=provider)
            messages.success(request, "You will no longer be emailed about these reports")
    except ActionError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
        return _list_page(request, status=exc.status)
    target = request.POST.get("next") or ""
    if target.startswith("/service-reports/") and "//" not in target:
        return redirect(target)
    return redirect("service_report_list")


@login_required
@require_GET
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    content = monthly.for_viewer(report.content or {}, audience(request.user))
    try:
        body = pdf_document.render(report, content)
    except PdfError as exc:
        return HttpResponse(
            f"The PDF could not be made: {exc.message}", status=500, content_type="text/plain"
        )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_document.filename(report)}"'
    return response


urlpatterns = [
    path("service-reports/", report_list, name="service_report_list"),
    path("service-reports/generate/", report_generate, name="service_report_generate"),
    path("service-reports/subscribe/", report_subscribe, name="service_report_subscribe"),
    path("service-reports/<int:pk>/", report_detail, name="service_report_detail"),
    path("service-reports/<int:pk>/edit/", report_edit, name="service_report_edit"),
    path("service-reports/<int:pk>/publish/", report_publish, name="service_report_publish"),
    path("service-reports/<int:pk>/pdf/", report_pdf, name="service_report_pdf"),
]
