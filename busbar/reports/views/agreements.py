"""Pages: SLAs and OLAs (SL-01, SL-19). Every signed-in person sees the SLAs; an OLA only the desk and its
provider (:func:`busbar.reports.queries.agreements_visible_to`; others a 404). An agreement's page lists
its targets with the month's measured value and met / missed. The desk
(:func:`busbar.reports.permissions.can_manage_agreements`) is offered the forms (no JavaScript); anyone
else opening a form or posting gets the 403 page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import run_action_form
from busbar.lib.postback import post_form
from busbar.parties.queries import scope_for
from busbar.reports import kpis, permissions, targets
from busbar.reports.actions import agreements as actions
from busbar.reports.forms.agreements import AgreementForm, TargetForm, TargetValueForm, field_of
from busbar.reports.models import Agreement, AgreementTarget
from busbar.reports.queries import agreements_visible_to


def _may_manage(request: HttpRequest) -> str | None:
    return permissions.can_manage_agreements(scope_for(request.user))


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "core/forbidden.html", {"reason": reason}, status=403)


def _visible(request: HttpRequest):
    return agreements_visible_to(request.user).prefetch_related(
        Prefetch("targets", queryset=AgreementTarget.objects.order_by("kpi", "severity_code", "id"))
    )


def _month(request: HttpRequest) -> tuple[dt.date, str | None]:
    this = timezone.localdate().replace(day=1)
    text = (request.GET.get("month") or "")[:7]
    if not text:
        return this, None
    if not re.fullmatch(r"(19[7-9][0-9]|2[01][0-9]{2})-(0[1-9]|1[0-2])", text):
        return this, "Give the month as YYYY-MM"
    return dt.date(int(text[:4]), int(text[5:]), 1), None


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = list(_visible(request).order_by("kind", "name", "id"))
    for a in rows:
        a.in_force = a.starts_on <= today and (a.ends_on is None or a.ends_on >= today)
    context = {
        "slas": [a for a in rows if a.kind == Agreement.Kind.SLA],
        "olas": [a for a in rows if a.kind == Agreement.Kind.OLA],
        "may_manage": _may_manage(request) is None,
    }
    return render(request, "reports/agreements/list.html", context)


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(_visible(request), pk=pk)
    month, error = _month(request)
    measured = targets.measure(agreement, month)
    context = {
        "agreement": agreement,
        "month": month,
        "month_error": error,
        "measured": measured,
        "in_force": targets.in_force(agreement, month),
        "may_manage": _may_manage(request) is None,
    }
    return render(request, "reports/agreements/detail.html", context, status=422 if error else 200)


def _form_page(
    request: HttpRequest,
    make: Callable[..., object],
    *,
    heading: str,
    back: str,
    done: Callable[[object], str],
) -> HttpResponse:
    reason = _may_manage(request)
    if reason:
        return _forbidden(request, reason)
    form = make(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        said, status = run_action_form(form, Actor.from_request(request), field_of=field_of)
        if said is not None:
            messages.success(request, said)
            return redirect(done(form))
    context = {"form": form, "heading": heading, "back": back, "url": request.path}
    return render(request, "reports/agreements/form.html", context, status=status)


@login_required
def agreement_new(request: HttpRequest) -> HttpResponse:
    return _form_page(
        request,
        lambda data: AgreementForm(data),
        heading="New SLA or OLA",
        back=reverse("agreement_list"),
        done=lambda form: reverse("agreement_detail", args=[form.created.pk]),
    )


@login_required
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(_visible(request), pk=pk)
    back = reverse("agreement_detail", args=[agreement.pk])
    return _form_page(
        request,
        lambda data: AgreementForm(data, agreement=agreement),
        heading=agreement.name,
        back=back,
        done=lambda form: back,
    )


@login_required
def agreement_target_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(_visible(request), pk=pk)
    back = reverse("agreement_detail", args=[agreement.pk])
    return _form_page(
        request,
        lambda data: TargetForm(data, agreement=agreement),
        heading=f"{agreement.name}: new target",
        back=back,
        done=lambda form: back,
    )


def _target(request: HttpRequest, pk: int, tid: int) -> AgreementTarget:
    agreement = get_object_or_404(_visible(request), pk=pk)
    return get_object_or_404(AgreementTarget.objects.filter(agreement=agreement), pk=tid)


@login_required
def agreement_target_edit(request: HttpRequest, pk: int, tid: int) -> HttpResponse:
    target = _target(request, pk, tid)
    back = reverse("agreement_detail", args=[pk])
    return _form_page(
        request,
        lambda data: TargetValueForm(data, target=target),
        heading=f"Target {kpis.get(target.kpi).name} {target.severity_code or ''}".strip(),
        back=back,
        done=lambda form: back,
    )


def _detail_url(pk: int, tid: int | None = None) -> str:
    return reverse("agreement_detail", args=[pk])


@login_required
@post_form(_detail_url)
def agreement_target_remove(request: HttpRequest, pk: int, tid: int) -> HttpResponse:
    target = _target(request, pk, tid)
    reason = _may_manage(request)
    if reason:
        return _forbidden(request, reason)
    try:
        actions.remove_target(actor=Actor.from_request(request), target=target)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Target {kpis.get(target.kpi).name} removed.")
    return redirect(_detail_url(pk))


urlpatterns = [
    path("service-levels/", agreement_list, name="agreement_list"),
    path("service-levels/new/", agreement_new, name="agreement_new"),
    path("service-levels/<int:pk>/", agreement_detail, name="agreement_detail"),
    path("service-levels/<int:pk>/edit/", agreement_edit, name="agreement_edit"),
    path("service-levels/<int:pk>/targets/new/", agreement_target_add, name="agreement_target_add"),
    path(
        "service-levels/<int:pk>/targets/<int:tid>/edit/", agreement_target_edit, name="agreement_target_edit"
    ),
    path(
        "service-levels/<int:pk>/targets/<int:tid>/remove/",
        agreement_target_remove,
        name="agreement_target_remove",
    ),
]
