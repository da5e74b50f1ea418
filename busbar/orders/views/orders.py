"""The hub ordering pages (RQ-24…RQ-29): the OMS home (forecast against orders per month, region and
variant), the order list, placing an order (with the rule in force and what is left of the allowance), an
order's page (deliveries, short shipment, SLA clocks, conversation, history, DCC's forms) and the rules.

Each supplier sees only its own; DCC and the desk see every supplier's (``queries``); anyone else 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, F, Sum, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, form_errors, run_action_form
from busbar.lib.postback import post_form
from busbar.orders import permissions, queries, rules
from busbar.orders.forms.orders import PAGE_FORMS, OrderFilterForm, OrderForm, RuleForm, SettingsForm
from busbar.orders.models import (
    HubOrder,
    HubVariant,
    OrderRule,
    OrderStatus,
    Region,
    ShortResolution,
)
from busbar.parties.queries import scope_for

PAGE_SIZE = 50
OPEN = (OrderStatus.SUBMITTED, OrderStatus.CONFIRMED, OrderStatus.DISPATCHED, OrderStatus.PART_DELIVERED)


def oms_scope(request: HttpRequest) -> Any:
    """The viewer's scope, or 404 when hub ordering is not for them (neither a supplier, DCC nor the desk)."""
    scope = scope_for(request.user)
    if not queries.shows_oms(scope):
        raise Http404("No such page")
    return scope


def supplier_of(scope: Any) -> Any:
    """The organisation the viewer forecasts and orders for: the first of theirs that may."""
    for membership in scope.memberships:
        if permissions.can_order(scope, membership.organisation) is None:
            return membership.organisation
    return None


def suppliers() -> list:
    from busbar.parties.models import IndustryRole, Organisation

    return list(
        Organisation.objects.filter(roles__role=IndustryRole.ENERGY_SUPPLIER, is_active=True)
        .distinct()
        .order_by("name")
    )


def chosen_supplier(request: HttpRequest, scope: Any) -> tuple[list | None, int | None]:
    """(the supplier choices for DCC and the desk, or None; the supplier chosen with ``?supplier=``)."""
    if not queries.sees_all(scope):
        return None, None
    from busbar.lib.forms import parse_id

    return suppliers(), parse_id(request.GET.get("supplier", ""))


def grid(user: Any, months: list[dt.date], supplier_id: int | None) -> dict:
    """Forecast and ordered totals per (month, region, variant) over ``months``: two queries."""
    forecasts = queries.forecasts_visible_to(user).filter(month__in=months)
    orders = queries.orders_visible_to(user).filter(month__in=months).exclude(status=OrderStatus.CANCELLED)
    if supplier_id is not None:
        forecasts, orders = forecasts.filter(supplier_id=supplier_id), orders.filter(supplier_id=supplier_id)
    counted = Case(
        When(short_resolution=ShortResolution.CANCEL_BALANCE, then=F("delivered_quantity")),
        default=F("quantity"),
    )
    fc = {
        (r["month"], r["region"], r["variant_id"]): r["total"]
        for r in forecasts.order_by().values("month", "region", "variant_id").annotate(total=Sum("quantity"))
    }
    od = {
        (r["month"], r["region"], r["variant_id"]): r["total"]
        for r in orders.order_by().values("month", "region", "variant_id").annotate(total=Sum(counted))
    }
    return {"forecast": fc, "ordered": od}


def grid_rows(totals: dict, months: list[dt.date], variants: list, tolerance: dict[int, int]) -> list[dict]:
    rows = []
    for month in months:
        for region, label in Region.choices:
            cells = []
            for v in variants:
                key = (month, region, v.pk)
                f, o = totals["forecast"].get(key), totals["ordered"].get(key, 0)
                most = rules.ceiling(f, tolerance.get(v.pk, 0)) if f is not None else None
                cells.append(
                    {
                        "forecast": f,
                        "ordered": o,
                        "remaining": max(most - o, 0) if most is not None else None,
                        "over": most is not None and o > most,
                    }
                )
            rows.append({"month": month, "region": label, "cells": cells})
    return rows


def _variants() -> list:
    return list(HubVariant.objects.filter(orderable=True, is_active=True).order_by("code"))


def _tolerances(variants: list, today: dt.date) -> dict[int, int]:
    found = {}
    for v in variants:
        rule = rules.rule_for(v, today)
        found[v.pk] = rule.tolerance_percent if rule else 0
    return found


@login_required
def oms_home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not queries.shows_oms(scope):
        # The navigation offers the page to everyone in an organisation (deciding costs no query); those it
        # is not for are told whom it is for, and see nothing else.
        return render(request, "orders/not_for_you.html", status=200)
    today = timezone.localdate()
    months = rules.horizon(today)
    choices, supplier_id = chosen_supplier(request, scope)
    variants = _variants()
    rows = grid_rows(grid(request.user, months, supplier_id), months, variants, _tolerances(variants, today))
    open_orders = queries.orders_visible_to(request.user).filter(status__in=OPEN)
    if supplier_id is not None:
        open_orders = open_orders.filter(supplier_id=supplier_id)
    supplier = supplier_of(scope)
    context = {
        "months": months,
        "variants": variants,
        "rows": rows,
        "open_orders": list(open_orders.order_by("delivery_date", "id")[:20]),
        "suppliers": choices,
        "supplier_id": supplier_id,
        "sees_all": choices is not None,
        "can_order": supplier is not None,
        "can_manage_rules": permissions.can_manage_rules(scope) is None,
    }
    return render(request, "orders/home.html", context)


# The list -------------------------------------------------------------------------------------------------


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    scope = oms_scope(request)
    choices, _ = chosen_supplier(request, scope)
    form = OrderFilterForm(request.GET or None, suppliers=choices)
    qs = queries.orders_visible_to(request.user)
    status = 200
    if request.GET and not form.is_valid():
        qs, status = qs.none(), 400
    elif request.GET:
        f = form.cleaned_data
        if f.get("status") == "open":
            qs = qs.filter(status__in=OPEN)
        elif f.get("status"):
            qs = qs.filter(status=f["status"])
        if f.get("region"):
            qs = qs.filter(region=f["region"])
        if f.get("variant"):
            qs = qs.filter(variant=f["variant"])
        if f.get("month"):
            qs = qs.filter(month=f["month"])
        if f.get("supplier"):
            qs = qs.filter(supplier_id=int(f["supplier"]))
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    extra = urlencode({k: v[:40] for k, v in request.GET.items() if k != "page" and v})
    context = {
        "page": page,
        "form": form,
        "extra_qs": extra,
        "sees_all": choices is not None,
        "can_order": supplier_of(scope) is not None,
    }
    return render(request, "orders/order_list.html", context, status=status)


# Placing an order -----------------------------------------------------------------------------------------


@login_required
def order_new(request: HttpRequest) -> HttpResponse:
    scope = oms_scope(request)
    supplier = supplier_of(scope)
    if supplier is None:
        reason = (
            permissions.can_order(scope, scope.primary_organisation) if scope.primary_organisation else None
        )
        return render(
            request,
            "core/forbidden.html",
            {"reason": reason or "Only energy suppliers order hubs"},
            status=403,
        )
    form = OrderForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                order = form.submit(Actor.from_request(request), supplier)
            except ActionError as exc:
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(request, f"{order.reference} placed.")
                return redirect("hub_order_detail", order.reference)
    today = timezone.localdate()
    now = timezone.now()
    variants = _variants()
    in_force = []
    for v in variants:
        rule = rules.rule_for(v, today)
        if rule is not None:
            in_force.append({"variant": v, "rule": rule, "earliest": rules.earliest_delivery(rule, now)})
    months = rules.horizon(today)
    tolerances = {r["variant"].pk: r["rule"].tolerance_percent for r in in_force}
    user_grid = grid(request.user, months, supplier.pk)
    context = {
        "form": form,
        "supplier": supplier,
        "in_force": in_force,
        "variants": variants,
        "rows": grid_rows(user_grid, months, variants, tolerances),
    }
    return render(request, "orders/order_form.html", context, status=status)


# An order -------------------------------------------------------------------------------------------------


def order_or_404(request: HttpRequest, reference: str) -> HubOrder:
    qs = queries.orders_visible_to(request.user).select_related("placed_by")
    return get_object_or_404(qs, reference=reference.upper()[:20])


def verbs(scope: Any, order: HubOrder) -> list[str]:
    """The forms the viewer is offered on the order, by the permissions and the order's state."""
    found = []
    fulfils = permissions.can_fulfil_order(scope, order) is None
    s = order.status
    if fulfils:
        if s == OrderStatus.SUBMITTED:
            found.append("confirm")
        if s == OrderStatus.CONFIRMED or (
            s == OrderStatus.PART_DELIVERED and order.short_resolution == ShortResolution.REDELIVER
        ):
            found.append("dispatch")
        if s == OrderStatus.DISPATCHED:
            found.append("deliver")
        if s == OrderStatus.PART_DELIVERED and not order.short_resolution:
            found.append("resolve-short")
        if s == OrderStatus.DELIVERED:
            found.append("close")
    if permissions.can_cancel_order(scope, order) is None:
        found.append("cancel")
    if fulfils or permissions.can_order(scope, order.supplier) is None:
        found.append("update")
    return found


def _clocks(order: HubOrder) -> list:
    from busbar.orders.registrations import order_sla_basis
    from busbar.records import sla

    policy, priority = order_sla_basis(order)
    if policy is None:
        return []
    return sla.compute(order.record, policy, priority)


def _detail_context(request: HttpRequest, order: HubOrder, bound: dict | None = None) -> dict:
    from busbar.records import queries as record_queries

    user, scope = request.user, scope_for(request.user)
    works = queries.works_on(user, order.record)
    offered = verbs(scope, order)
    forms = {}
    for v in offered:
        kwargs = {"prefix": v, "order": order}
        if v == "update":
            kwargs["works"] = works
        forms[v] = PAGE_FORMS[v](**kwargs)
    forms.update(bound or {})
    entries, _attachments = record_queries.conversation_visible_to(user, order)

    def panel(v: str) -> dict:
        return {"verb": v, "form": forms[v], "url": reverse("hub_order_action", args=[order.reference, v])}

    return {
        "order": order,
        "deliveries": list(order.deliveries.select_related("confirmed_by")),
        "clocks": _clocks(order),
        "entries": entries,
        "works": works,
        "panels": [panel(v) for v in offered if v != "update"],
        "update_form": panel("update") if "update" in forms else None,
        "watch": {"reference": order.reference, "watching": record_queries.is_watching(user, order)},
        "timeline": record_queries.timeline(user, order, works=works),
        "short": order.status == OrderStatus.PART_DELIVERED,
    }


@login_required
def order_detail(request: HttpRequest, reference: str) -> HttpResponse:
    order = order_or_404(request, reference)
    return render(request, "orders/order_detail.html", _detail_context(request, order))


@login_required
@post_form(lambda reference, verb: reverse("hub_order_detail", args=[reference]) + f"#do-{verb}")
def order_action(request: HttpRequest, reference: str, verb: str) -> HttpResponse:
    if verb not in PAGE_FORMS:
        raise Http404("No such action")
    order = order_or_404(request, reference)
    scope = scope_for(request.user)
    kwargs: dict = {"prefix": verb, "order": order}
    if verb == "update":
        kwargs["works"] = queries.works_on(request.user, order.record)
    form = PAGE_FORMS[verb](request.POST, **kwargs)
    message, status = run_action_form(form, Actor.from_request(request))
    if message is not None:
        messages.success(request, message)
        return redirect("hub_order_detail", order.reference)
    order = order_or_404(request, reference)
    if verb in verbs(scope, order):
        context = _detail_context(request, order, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _detail_context(request, order)
    return render(request, "orders/order_detail.html", context, status=status)


# Rules --------------------------------------------------------------------------------------------------


@login_required
def rules_page(request: HttpRequest) -> HttpResponse:
    scope = oms_scope(request)
    reason = permissions.can_manage_rules(scope)
    if reason:
        return render(request, "core/forbidden.html", {"reason": reason}, status=403)
    oms = rules.settings()
    rule_form = RuleForm(request.POST if request.POST.get("form") == "rule" else None, prefix="rule")
    settings_form = SettingsForm(
        request.POST if request.POST.get("form") == "settings" else None,
        prefix="settings",
        initial={"forecast_horizon_months": oms.forecast_horizon_months, "freeze_months": oms.freeze_months},
    )
    status = 200
    if request.method == "POST":
        form = rule_form if request.POST.get("form") == "rule" else settings_form
        status = 422
        if form.is_bound and form.is_valid():
            try:
                form.submit(Actor.from_request(request))
            except ActionError as exc:
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(request, "Saved.")
                return redirect("hub_rules")
    today = timezone.localdate()
    context = {
        "rules": list(
            OrderRule.objects.select_related("variant", "calendar").order_by("-effective_from", "id")[:200]
        ),
        "in_force": {r.pk for v in [None, *_variants()] if (r := rules.rule_for(v, today)) is not None},
        "oms": oms,
        "rule_form": rule_form,
        "settings_form": settings_form,
        "today": today,
    }
    return render(request, "orders/rules.html", context, status=status)


urlpatterns = [
    path("hubs/", oms_home, name="oms_home"),
    path("hubs/orders/", order_list, name="hub_order_list"),
    path("hubs/orders/new/", order_new, name="hub_order_new"),
    path("hubs/orders/<str:reference>/", order_detail, name="hub_order_detail"),
    path("hubs/orders/<str:reference>/<slug:verb>/", order_action, name="hub_order_action"),
    path("hubs/rules/", rules_page, name="hub_rules"),
]
