"""The events list for the desk and providers, and promoting an event to an incident."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from busbar.events import actions, permissions, queries
from busbar.events.models import EventSeverity
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import parse_id
from busbar.parties.queries import scope_for
from busbar.services.queries import services_visible_to

PAGE_SIZE = 50


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    reason = permissions.can_read(scope)
    if reason:
        return render(request, "core/forbidden.html", {"reason": reason}, status=403)
    qs = queries.visible_to(request.user)
    service = parse_id(request.GET.get("service"))
    severity = request.GET.get("severity", "")
    state = request.GET.get("state", "")
    if service is not None:
        qs = qs.filter(service_id=service)
    if severity in EventSeverity.values:
        qs = qs.filter(severity=severity)
    if state == "open":
        qs = qs.filter(cleared_at__isnull=True)
    elif state == "cleared":
        qs = qs.filter(cleared_at__isnull=False)
    page = Paginator(qs.order_by("-last_seen", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "page": page,
        "extra_qs": urlencode(filters),
        "services": services_visible_to(request.user).order_by("name"),
        "severities": EventSeverity.choices,
        "chosen": {"service": service, "severity": severity, "state": state},
        "can_promote": scope.is_desk,
    }
    return render(request, "events/event_list.html", context)


@login_required
@require_POST
def event_promote(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(queries.visible_to(request.user), pk=pk)
    try:
        incident = actions.promote(actor=Actor.from_request(request), event=event)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("event_list")
    messages.success(request, f"The event is on {incident.reference}.")
    return redirect("incident_detail", reference=incident.reference)
