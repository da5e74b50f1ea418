"""The portal shell: home per role, health, audit journal."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from busbar.accounts.mfa import mfa_missing
from busbar.audit.permissions import can_read_journal
from busbar.audit.queries import entries_visible_to
from busbar.core.health import database_status
from busbar.lib import registry
from busbar.parties.models import MembershipRole
from busbar.parties.queries import memberships_visible_to, scope_for

PAGE_SIZE = 50


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    db = database_status()
    ok = db["status"] == "ok"
    return JsonResponse({"status": "ok" if ok else "degraded", "database": db}, status=200 if ok else 503)


def home_kind(scope) -> str:
    """Which home page a person lands on: the most central of their roles wins."""
    if scope.is_desk:
        return "desk"
    if scope.is_platform_admin or scope.admin_of:
        return "admin"
    if scope.is_resolver:
        return "provider"
    return "participant"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    kind = home_kind(scope)
    context = {
        "kind": kind,
        "memberships": scope.memberships,
        # The apps' panels for this kind of home page (busbar.lib.registry), each with its own context.
        "home_panels": [
            {"template": panel.template, "context": panel.context(request, kind)}
            for panel in registry.home_panels(kind)
        ],
    }
    if kind == "admin":
        context["recent"] = entries_visible_to(request.user).select_related("actor")[:10]
        context["member_count"] = memberships_visible_to(request.user).filter(is_active=True).count()
    if kind == "desk":
        context["recent"] = entries_visible_to(request.user).select_related("actor")[:10]
    return render(request, f"core/home_{kind}.html", context)


@login_required
def mfa_required(request: HttpRequest) -> HttpResponse:
    if not mfa_missing(request.user):
        return redirect("home")
    scope = scope_for(request.user)
    roles = sorted({MembershipRole(r).label for r in scope.roles})
    return render(request, "core/mfa_required.html", {"roles": roles})


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    reason = can_read_journal(scope_for(request.user))
    if reason:
        return render(request, "core/forbidden.html", {"reason": reason}, status=403)
    qs = entries_visible_to(request.user).select_related("actor", "record_type")
    action = request.GET.get("action", "").strip()
    if action:
        qs = qs.filter(action__startswith=action)
    page = Paginator(qs.order_by("-at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "core/_audit_rows.html" if request.htmx else "core/audit_list.html"
    return render(request, template, {"page": page, "action": action})
