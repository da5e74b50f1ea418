"""Pages: the change settings (CH-06, CH-16) — notice rules, weekly maintenance windows per service,
blackout windows and availability targets per service.

The rules and windows are published: every signed-in person reads them (providers plan their changes by
them). Only those who manage them (:func:`busbar.changes.permissions.can_manage_rules`: operations managers
and platform administrators) are offered forms; anyone else opening a form or posting gets the 403 page.
Every change goes through :mod:`busbar.changes.actions`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from busbar.changes import actions, pages, permissions
from busbar.changes.forms.config import (
    WEEKDAYS,
    AvailabilityTargetForm,
    BlackoutEditForm,
    BlackoutForm,
    MaintenanceWindowForm,
    NoticeRuleEditForm,
    NoticeRuleForm,
    catalogue,
)
from busbar.changes.models import AvailabilityTarget, BlackoutWindow, MaintenanceWindow, NoticeRule
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import run_action_form
from busbar.lib.postback import post_form
from busbar.parties.queries import scope_for
from busbar.services.queries import services_visible_to

#: Past blackouts shown (the most recent first); current and future ones are all shown.
PAST_BLACKOUTS = 10
DAY_NAMES = dict(WEEKDAYS)


def _may_manage(request: HttpRequest) -> str | None:
    return permissions.can_manage_rules(scope_for(request.user))


def _context(request: HttpRequest, **extra) -> dict:
    return {**pages.base_context(request, "settings"), **extra}


@login_required
def change_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    services = services_visible_to(user)
    rules = list(
        NoticeRule.objects.filter(Q(service__isnull=True) | Q(service__in=services.values("pk")))
        .select_related("service", "provider", "calendar")
        .order_by("-is_active", "name", "pk")
    )
    windows = list(
        MaintenanceWindow.objects.filter(service__in=services.values("pk"))
        .select_related("service")
        .order_by("service__name", "weekday", "start_time", "pk")
    )
    for w in windows:
        w.day = DAY_NAMES.get(w.weekday, "")
    blackouts = BlackoutWindow.objects.prefetch_related("services")
    current = list(blackouts.filter(ends_at__gte=now).order_by("starts_at", "pk"))
    past = list(blackouts.filter(ends_at__lt=now).order_by("-ends_at", "-pk")[:PAST_BLACKOUTS])
    listed = list(catalogue(user).select_related("provider"))
    targets = {t.service_id: t for t in AvailabilityTarget.objects.filter(service__in=[s.pk for s in listed])}
    for s in listed:
        s.target = targets.get(s.pk)
    context = _context(
        request,
        rules=rules,
        windows=windows,
        blackouts=current,
        past_blackouts=past,
        services=listed,
        may_manage=_may_manage(request) is None,
        now=now,
    )
    return render(request, "changes/config/settings.html", context)


def _form_page(
    request: HttpRequest,
    make: Callable[..., object],
    *,
    heading: str,
    anchor: str,
) -> HttpResponse:
    """A settings form: GET shows it, POST runs its action (back to the settings on success, the form
    with its errors otherwise). Only managers; anyone else gets the 403 page."""
    reason = _may_manage(request)
    if reason:
        return pages.forbidden(request, reason)
    form = make(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        said, status = run_action_form(form, Actor.from_request(request))
        if said is not None:
            messages.success(request, said)
            return redirect(reverse("change_settings") + anchor)
    back = reverse("change_settings") + anchor
    context = _context(request, form=form, heading=heading, back=back, url=request.path)
    return render(request, "changes/config/form.html", context, status=status)


def _delete(request: HttpRequest, run: Callable[[Actor], str], anchor: str) -> HttpResponse:
    reason = _may_manage(request)
    if reason:
        return pages.forbidden(request, reason)
    try:
        said = run(Actor.from_request(request))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, said)
    return redirect(reverse("change_settings") + anchor)


def _settings(*args: object, **kwargs: object) -> str:
    return reverse("change_settings")


# -- notice rules --------------------------------------------------------------------------------------


@login_required
def notice_rule_new(request: HttpRequest) -> HttpResponse:
    return _form_page(
        request,
        lambda data: NoticeRuleForm(data, user=request.user),
        heading="New notice rule",
        anchor="#notice-rules",
    )


@login_required
def notice_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(NoticeRule, pk=pk)
    return _form_page(
        request,
        lambda data: NoticeRuleEditForm(data, user=request.user, rule=rule),
        heading=f"Notice rule: {rule.name}",
        anchor="#notice-rules",
    )


@login_required
@post_form(_settings)
def notice_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(NoticeRule, pk=pk)

    def run(actor: Actor) -> str:
        actions.delete_notice_rule(actor=actor, rule=rule)
        return f"Notice rule “{rule.name}” deleted."

    return _delete(request, run, "#notice-rules")


# -- maintenance windows -------------------------------------------------------------------------------


@login_required
def maintenance_window_new(request: HttpRequest) -> HttpResponse:
    initial = {}
    wanted = (request.GET.get("service") or "")[:60]
    if wanted:
        found = catalogue(request.user).filter(slug=wanted).values_list("pk", flat=True).first()
        initial = {"service": found} if found else {}
    return _form_page(
        request,
        lambda data: MaintenanceWindowForm(data, user=request.user, initial=initial),
        heading="New maintenance window",
        anchor="#maintenance-windows",
    )


@login_required
@post_form(_settings)
def maintenance_window_delete(request: HttpRequest, pk: int) -> HttpResponse:
    window = get_object_or_404(MaintenanceWindow.objects.select_related("service"), pk=pk)

    def run(actor: Actor) -> str:
        actions.delete_maintenance_window(actor=actor, window=window)
        day = DAY_NAMES.get(window.weekday, "")
        return f"{window.service.name}: {day} {window.start_time:%H:%M}–{window.end_time:%H:%M} deleted."

    return _delete(request, run, "#maintenance-windows")


# -- blackout windows ----------------------------------------------------------------------------------


@login_required
def blackout_new(request: HttpRequest) -> HttpResponse:
    return _form_page(
        request,
        lambda data: BlackoutForm(data, user=request.user),
        heading="New blackout window",
        anchor="#blackouts",
    )


@login_required
def blackout_edit(request: HttpRequest, pk: int) -> HttpResponse:
    blackout = get_object_or_404(BlackoutWindow, pk=pk)
    return _form_page(
        request,
        lambda data: BlackoutEditForm(data, user=request.user, blackout=blackout),
        heading=f"Blackout window: {blackout.name}",
        anchor="#blackouts",
    )


@login_required
@post_form(_settings)
def blackout_delete(request: HttpRequest, pk: int) -> HttpResponse:
    blackout = get_object_or_404(BlackoutWindow, pk=pk)

    def run(actor: Actor) -> str:
        actions.delete_blackout(actor=actor, blackout=blackout)
        return f"Blackout “{blackout.name}” deleted."

    return _delete(request, run, "#blackouts")


# -- availability targets ------------------------------------------------------------------------------


@login_required
def availability_target_edit(request: HttpRequest, service: str) -> HttpResponse:
    found = get_object_or_404(services_visible_to(request.user), slug=service[:60])
    target = AvailabilityTarget.objects.filter(service=found).first()
    return _form_page(
        request,
        lambda data: AvailabilityTargetForm(data, service=found, target=target),
        heading=f"Availability target: {found.name}",
        anchor="#availability-targets",
    )


urlpatterns = [
    path("changes/settings/", change_settings, name="change_settings"),
    path("changes/settings/notice-rules/new/", notice_rule_new, name="notice_rule_new"),
    path("changes/settings/notice-rules/<int:pk>/edit/", notice_rule_edit, name="notice_rule_edit"),
    path("changes/settings/notice-rules/<int:pk>/delete/", notice_rule_delete, name="notice_rule_delete"),
    path("changes/settings/maintenance-windows/new/", maintenance_window_new, name="maintenance_window_new"),
    path(
        "changes/settings/maintenance-windows/<int:pk>/delete/",
        maintenance_window_delete,
        name="maintenance_window_delete",
    ),
    path("changes/settings/blackouts/new/", blackout_new, name="blackout_new"),
    path("changes/settings/blackouts/<int:pk>/edit/", blackout_edit, name="blackout_edit"),
    path("changes/settings/blackouts/<int:pk>/delete/", blackout_delete, name="blackout_delete"),
    path(
        "changes/settings/availability-targets/<slug:service>/",
        availability_target_edit,
        name="availability_target_edit",
    ),
]
