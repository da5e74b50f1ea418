"""Pages: providers' KPI returns (SL-05).

* ``/kpi-returns/``: the desk every return (status and late badges), a provider its own; anyone else 404.
* ``/kpi-returns/<pk>/``: the returned figures beside Busbar's measured ones, differences over the
  tolerance highlighted; for the provider the submit form (a row per scheduled KPI, for the provider as a
  whole and per service) and the CSV upload with a template to download; for the desk the accept button.
* ``/kpi-returns/schedules/``: the desk sets each provider's schedule.

Every change goes through :mod:`busbar.reports.actions.returns`; a return the viewer may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error
from busbar.lib.postback import post_form
from busbar.parties.models import PROVIDER_ROLES, Organisation
from busbar.parties.queries import scope_for
from busbar.reports import permissions, queries
from busbar.reports import returns as rules
from busbar.reports.actions import returns as actions
from busbar.reports.forms.returns import ScheduleForm, UploadForm
from busbar.reports.models import KpiReturn, ReturnSchedule, ReturnStatus
from busbar.services.models import Service

PAGE_SIZE = 50


def _who(request: HttpRequest) -> queries.Audience:
    who = queries.audience(request.user)
    if who.kind not in ("desk", "provider"):
        raise Http404("No KPI returns")
    return who


def _return_or_404(request: HttpRequest, pk: int) -> KpiReturn:
    _who(request)
    return get_object_or_404(
        queries.returns_visible_to(request.user).select_related("schedule__calendar"), pk=pk
    )


# List -------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def return_list(request: HttpRequest) -> HttpResponse:
    who = _who(request)
    qs = queries.returns_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in ReturnStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = Paginator(qs.order_by("-period_start", "provider__name", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = rules.current_time()
    rows = [
        {
            "r": r,
            "period": rules.period_label(r.period_start, r.period_end),
            "overdue": r.status == ReturnStatus.DUE and now > r.due_at,
        }
        for r in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "status": status,
        "statuses": ReturnStatus.choices,
        "is_desk": who.is_desk,
        "extra_qs": f"status={status}" if status else "",
    }
    return render(request, "reports/returns/list.html", context)


# Detail and submission --------------------------------------------------------------------------------


def _grid(kpi_return: KpiReturn, data: Any = None) -> list[dict[str, Any]]:
    """The submit form's rows: each scheduled KPI for the provider as a whole, then per service; each
    prefilled from the current lines (or the posted ``data``)."""
    services = list(Service.objects.filter(provider_id=kpi_return.provider_id).order_by("name"))
    current = {(ln.kpi, ln.service_id, ln.severity_code): ln for ln in kpi_return.lines.all()}
    rows = []
    for code in kpi_return.schedule.kpis or []:
        for service in [None, *services]:
            sid = service.pk if service else 0
            key = f"{code}-{sid}"
            line = current.get((code, service.pk if service else None, ""))
            if data is not None:
                value, note = data.get(f"value-{key}", ""), data.get(f"note-{key}", "")
            else:
                value = "" if line is None else f"{line.value.normalize():f}"
                note = "" if line is None else line.note
            rows.append(
                {
                    "key": key,
                    "kpi": code,
                    "name": rules.kpi_name(code),
                    "unit": rules.unit_of(code),
                    "service": service,
                    "where": f"{rules.kpi_name(code)}, {service.name if service else 'all services'}",
                    "value": str(value)[:40],
                    "note": str(note)[: rules.NOTE_MAX],
                }
            )
    return rows


def _detail(
    request: HttpRequest,
    kpi_return: KpiReturn,
    *,
    grid: list | None = None,
    upload: UploadForm | None = None,
    errors: list | None = None,
    status: int = 200,
) -> HttpResponse:
    scope = scope_for(request.user)
    open_ = kpi_return.status in (ReturnStatus.DUE, ReturnStatus.SUBMITTED)
    may_submit = open_ and permissions.can_submit_return(scope, kpi_return) is None
    may_accept = (
        kpi_return.status == ReturnStatus.SUBMITTED
        and permissions.can_accept_return(scope, kpi_return) is None
    )
    comparison = rules.compare(kpi_return, list(kpi_return.lines.select_related("service")))
    bad = {e.where for e in errors or []}
    grid_rows = grid if grid is not None else (_grid(kpi_return) if may_submit else [])
    for row in grid_rows:
        row["error"] = row["where"] in bad
    context = {
        "r": kpi_return,
        "period": rules.period_label(kpi_return.period_start, kpi_return.period_end),
        "overdue": kpi_return.status == ReturnStatus.DUE and rules.current_time() > kpi_return.due_at,
        "comparison": comparison,
        "flagged": sum(1 for c in comparison if c.flagged),
        "may_submit": may_submit,
        "may_accept": may_accept,
        "grid": grid_rows,
        "upload": upload or UploadForm(),
        "errors": errors or [],
        "header": ",".join(rules.HEADER),
        "percent_tolerance": rules.PERCENT_TOLERANCE,
        "relative_tolerance": int(rules.RELATIVE_TOLERANCE * 100),
    }
    return render(request, "reports/returns/detail.html", context, status=status)


@login_required
@require_GET
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _return_or_404(request, pk))


@login_required
@require_GET
def return_template(request: HttpRequest, pk: int) -> HttpResponse:
    kpi_return = _return_or_404(request, pk)
    response = HttpResponse(rules.template_csv(kpi_return), content_type="text/csv; charset=utf-8")
    name = f"kpi-return-{kpi_return.provider.slug}-{kpi_return.period_start:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _refused(request: HttpRequest, kpi_return: KpiReturn, exc: ActionError, **kwargs: Any) -> HttpResponse:
    if isinstance(exc, rules.LinesRefused):
        return _detail(request, kpi_return, errors=exc.errors, status=422, **kwargs)
    status = 403 if isinstance(exc, NotPermitted) else exc.status
    messages.error(request, exc.message)
    return _detail(request, _return_or_404(request, kpi_return.pk), status=status)


def _back(pk: int) -> str:
    return reverse("kpi_return_detail", args=[pk])


@login_required
@post_form(lambda pk: _back(pk))
def return_submit(request: HttpRequest, pk: int) -> HttpResponse:
    kpi_return = _return_or_404(request, pk)
    grid = _grid(kpi_return, request.POST)
    rows = [
        (
            row["where"],
            {
                "kpi": row["kpi"],
                "service": row["service"].slug if row["service"] else "",
                "severity": "",
                "value": row["value"],
                "note": row["note"],
            },
        )
        for row in grid
        if row["value"].strip() or row["note"].strip()
    ]
    try:
        actions.submit_return(
            actor=Actor.from_request(request),
            kpi_return=kpi_return,
            lines=rows,
            channel="form",
            note=request.POST.get("note", "")[:2001],
        )
    except ActionError as exc:
        return _refused(request, kpi_return, exc, grid=grid)
    messages.success(request, f"Your KPI return ({len(rows)} figures) is submitted.")
    return redirect(_back(pk))


@login_required
@post_form(lambda pk: _back(pk))
def return_upload(request: HttpRequest, pk: int) -> HttpResponse:
    kpi_return = _return_or_404(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, kpi_return, upload=form, status=422)
    try:
        rows = rules.read_csv(form.cleaned_data["file"].read(rules.MAX_BYTES + 1))
        actions.submit_return(
            actor=Actor.from_request(request), kpi_return=kpi_return, lines=rows, channel="csv"
        )
    except ActionError as exc:
        if not isinstance(exc, rules.LinesRefused):
            add_action_error(form, exc)
        return _refused(request, kpi_return, exc, upload=form)
    messages.success(request, f"Your KPI return ({len(rows)} lines from the file) is submitted.")
    return redirect(_back(pk))


@login_required
@post_form(lambda pk: _back(pk))
def return_accept(request: HttpRequest, pk: int) -> HttpResponse:
    kpi_return = _return_or_404(request, pk)
    try:
        actions.accept_return(actor=Actor.from_request(request), kpi_return=kpi_return)
    except ActionError as exc:
        return _refused(request, kpi_return, exc)
    messages.success(request, "The KPI return is accepted.")
    return redirect(_back(pk))


# Schedules ------------------------------------------------------------------------------------------


def _providers():
    return (
        Organisation.objects.filter(is_active=True, roles__role__in=PROVIDER_ROLES)
        .distinct()
        .order_by("name")
    )


def _schedules_page(
    request: HttpRequest, form: ScheduleForm | None = None, status: int = 200
) -> HttpResponse:
    schedules = list(ReturnSchedule.objects.select_related("provider", "calendar").order_by("provider__name"))
    context = {
        "schedules": [{"s": s, "names": [rules.kpi_name(c) for c in s.kpis or []]} for s in schedules],
        "form": form or ScheduleForm(providers=_providers()),
        "known": [(code, rules.kpi_name(code)) for code in rules.kpi_book.CODES],
    }
    return render(request, "reports/returns/schedules.html", context, status=status)


@login_required
def schedules(request: HttpRequest) -> HttpResponse:
    if permissions.can_manage_schedules(scope_for(request.user)) is not None:
        raise Http404("No such page")
    if request.method != "POST":
        return _schedules_page(request)
    form = ScheduleForm(request.POST, providers=_providers())
    if not form.is_valid():
        return _schedules_page(request, form, status=422)
    data = form.cleaned_data
    try:
        actions.set_schedule(
            actor=Actor.from_request(request),
            provider=data["provider"],
            kpis=data["kpis"],
            calendar=data["calendar"],
            frequency=data["frequency"],
            due_working_days=data["due_working_days"],
            chase_every_days=data["chase_every_days"],
            is_active=data["is_active"],
        )
    except ActionError as exc:
        add_action_error(form, exc)
        return _schedules_page(request, form, status=exc.status)
    messages.success(request, f"The KPI return schedule of {data['provider'].name} is set.")
    return redirect(reverse("kpi_return_schedules"))


urlpatterns = [
    path("kpi-returns/", return_list, name="kpi_return_list"),
    path("kpi-returns/schedules/", schedules, name="kpi_return_schedules"),
    path("kpi-returns/<int:pk>/", return_detail, name="kpi_return_detail"),
    path("kpi-returns/<int:pk>/template.csv", return_template, name="kpi_return_template"),
    path("kpi-returns/<int:pk>/submit/", return_submit, name="kpi_return_submit"),
    path("kpi-returns/<int:pk>/upload/", return_upload, name="kpi_return_upload"),
    path("kpi-returns/<int:pk>/accept/", return_accept, name="kpi_return_accept"),
]
