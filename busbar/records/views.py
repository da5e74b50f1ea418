"""Pages shared by every record type: following a record (watch / stop watching), linking it to another
record of any type, the suggestions offered while raising one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from busbar.lib.actions import ActionError, Actor
from busbar.records import actions, registry
from busbar.records.models import Link
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
    """The records to offer while someone raises a ``for`` record on ``service`` with the ``summary`` typed
    so far (an HTMX fragment of the raise form; empty when there is nothing to offer)."""
    from busbar.lib.forms import parse_id
    from busbar.services.queries import services_visible_to

    kind = request.GET.get("for", "")[:30]
    service_id = parse_id(request.GET.get("service"))
    service = services_visible_to(request.user).filter(pk=service_id).first() if service_id else None
    text = request.GET.get("summary", "")[:200]
    found = []
    if (service is not None or text.strip()) and kind in {t.kind for t in registry.types()}:
        found = registry.suggestions(kind, request.user, service=service, text=text)
    return render(request, "records/_suggestions.html", {"suggestions": found, "obj": None})


def _back(request: HttpRequest, fallback: str) -> str:
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        return back
    return fallback


@login_required
@require_POST
def link(request: HttpRequest, reference: str) -> HttpResponse:
    """Link this record to ``target`` (any type, ``kind``: e.g. documented_in), or with ``remove=1`` take
    the link away; then back to ``next`` or the record's page. A target the person may not see is "not
    found", as is one that does not exist."""
    obj = find_visible(request.user, reference)
    if obj is None:
        raise Http404("No such record")
    back = _back(request, registry.get(obj.record.kind).url(obj.reference))
    wanted = request.POST.get("target", "")[:30].strip()
    target = find_visible(request.user, wanted) if wanted else None
    kind = request.POST.get("kind", Link.Kind.RELATED_TO)[:30]
    if target is None:
        messages.error(
            request, f"No record {wanted}" if wanted else "Give the reference of the record to link"
        )
        return redirect(back)
    if kind not in Link.Kind.values:
        messages.error(request, f"Unknown link type {kind}")
        return redirect(back)
    label = Link.Kind(kind).label.lower()
    try:
        if request.POST.get("remove") == "1":
            actions.unlink_records(actor=Actor.from_request(request), source=obj, target=target, kind=kind)
            messages.success(request, f"{obj.reference} is no longer {label} {target.reference}.")
        else:
            actions.link_records(actor=Actor.from_request(request), source=obj, target=target, kind=kind)
            messages.success(request, f"{obj.reference} is {label} {target.reference}.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect(back)
