"""Pages shared by every record type: following a record (watch / stop watching)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from busbar.lib.actions import ActionError, Actor
from busbar.records import actions, registry
from busbar.records.queries import find_visible, is_watching


@login_required
@require_POST
def watch(request: HttpRequest, reference: str) -> HttpResponse:
    """Follow the record (``watch=1``, the default) or stop following it (``watch=0``); back to its page."""
    obj = find_visible(request.user, reference)
    if obj is None:
        raise Http404("No such record")
    record_type = registry.get(obj.record.kind)
    wanted = request.POST.get("watch", "1") != "0"
    actor = Actor.from_request(request)
    try:
        if wanted and not is_watching(request.user, obj):
            actions.watch(actor=actor, obj=obj)
            messages.success(request, f"You are watching {obj.reference}: you will be told of its changes.")
        elif not wanted and is_watching(request.user, obj):
            actions.unwatch(actor=actor, obj=obj)
            messages.success(request, f"You no longer watch {obj.reference}.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect(record_type.url(obj.reference))


@login_required
def suggestions(request: HttpRequest) -> HttpResponse:
    """The records to offer while someone raises a ``for`` record on ``service`` (an HTMX fragment of the
    raise form; empty when there is nothing to offer)."""
    from busbar.lib.forms import parse_id
    from busbar.services.queries import services_visible_to

    kind = request.GET.get("for", "")[:30]
    service_id = parse_id(request.GET.get("service"))
    service = services_visible_to(request.user).filter(pk=service_id).first() if service_id else None
    found = []
    if service is not None and kind in {t.kind for t in registry.types()}:
        found = registry.suggestions(kind, request.user, service=service)
    return render(request, "records/_suggestions.html", {"suggestions": found, "obj": None})
