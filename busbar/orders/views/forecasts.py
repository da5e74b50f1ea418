"""The forecast page (RQ-25): a supplier's current forecast (DCC and the desk: every supplier's), the
history of submissions, and — for a supplier — the grid to submit and a CSV upload (all or nothing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error
from busbar.orders import actions, queries, rules
from busbar.orders.forms.forecasts import ForecastGridForm, ForecastUploadForm
from busbar.orders.views.orders import _variants, chosen_supplier, oms_scope, supplier_of

HISTORY_PAGE = 20


def _forms(request: HttpRequest, supplier, *, grid_data=None, upload_data=None, upload_files=None):
    today = timezone.localdate()
    oms = rules.settings()
    months = rules.horizon(today, oms)
    current = {
        (f.month, f.region, f.variant_id): f.quantity
        for f in queries.forecasts_visible_to(request.user).filter(supplier=supplier, month__in=months)
    }
    grid = ForecastGridForm(
        grid_data,
        prefix="grid",
        months=months,
        variants=_variants(),
        current=current,
        frozen=set(months[: oms.freeze_months]),
    )
    upload = ForecastUploadForm(upload_data, upload_files, prefix="upload")
    return grid, upload, oms


def _page(
    request: HttpRequest, *, grid=None, upload=None, status: int = 200, line_errors=None
) -> HttpResponse:
    scope = oms_scope(request)
    supplier = supplier_of(scope)
    choices, supplier_id = chosen_supplier(request, scope)
    oms = rules.settings()
    if supplier is not None and grid is None:
        grid, upload, oms = _forms(request, supplier)
    cells = queries.forecasts_visible_to(request.user).filter(
        month__gte=rules.add_months(rules.month_start(timezone.localdate()), 1)
    )
    history = queries.submissions_visible_to(request.user)
    if supplier_id is not None:
        cells, history = cells.filter(supplier_id=supplier_id), history.filter(supplier_id=supplier_id)
    page = Paginator(history.order_by("-submitted_at", "-id"), HISTORY_PAGE).get_page(request.GET.get("page"))
    context = {
        "grid": grid,
        "upload": upload,
        "oms": oms,
        "supplier": supplier,
        "cells": list(cells.order_by("supplier__name", "month", "region", "variant__code")[:500]),
        "page": page,
        "suppliers": choices,
        "supplier_id": supplier_id,
        "extra_qs": f"supplier={supplier_id}" if supplier_id else "",
        "line_errors": line_errors or [],
    }
    return render(request, "orders/forecasts.html", context, status=status)


@login_required
def forecasts(request: HttpRequest) -> HttpResponse:
    scope = oms_scope(request)
    if request.method != "POST":
        return _page(request)
    supplier = supplier_of(scope)
    if supplier is None:
        return render(
            request, "core/forbidden.html", {"reason": "Only energy suppliers submit forecasts"}, status=403
        )
    which = request.POST.get("form")
    if which == "upload":
        grid, upload, _ = _forms(request, supplier, upload_data=request.POST, upload_files=request.FILES)
        form = upload
    else:
        grid, upload, _ = _forms(request, supplier, grid_data=request.POST)
        form = grid
    if not form.is_valid():
        return _page(request, grid=grid, upload=upload, status=422)
    actor = Actor.from_request(request)
    try:
        if form is upload:
            f = form.cleaned_data["file"]
            if f.size > rules.MAX_CSV_BYTES:
                raise ActionError(f"The file is over {rules.MAX_CSV_BYTES // 1024} KB", field="file")
            done = actions.upload_forecast(
                actor=actor, supplier=supplier, content=f.read(), note=form.cleaned_data["note"]
            )
        else:
            lines = grid.lines()
            done = actions.submit_forecast(
                actor=actor, supplier=supplier, lines=lines, note=form.cleaned_data["note"]
            )
    except ActionError as exc:
        errors = getattr(exc, "errors", None)
        if errors:
            form.add_error(None, exc.message.split(":", 1)[0])
        else:
            exc.field = exc.field if exc.field in form.fields else None
            add_action_error(form, exc)
        status = 403 if isinstance(exc, NotPermitted) else exc.status
        return _page(request, grid=grid, upload=upload, status=status, line_errors=errors)
    messages.success(request, f"Forecast submitted: {len(done.lines)} lines.")
    return redirect("hub_forecasts")


urlpatterns = [
    path("hubs/forecasts/", forecasts, name="hub_forecasts"),
]
