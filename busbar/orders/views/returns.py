"""The hub return pages: the list (filters, serial search), raising a return (a CSV file or pasted lines,
every bad line shown and nothing imported), a return's page (status, counts, its hubs page by page, the
stage forms its viewer may use, conversation, history) and the export of its hubs."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from busbar.lib import export
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.postback import post_form
from busbar.lib.worktime import LONDON
from busbar.orders import permissions, queries, serials
from busbar.orders.actions import returns as actions
from busbar.orders.api.returns import allowed
from busbar.orders.forms import returns as forms
from busbar.orders.models import HubReturn
from busbar.parties.models import IndustryRole, Organisation
from busbar.parties.queries import scope_for
from busbar.records import queries as record_queries

PAGE_SIZE = 50
HUBS_PAGE = 100
HUB_COLUMNS = [
    export.Column("Serial", lambda h: h.serial),
    export.Column("Variant", lambda h: h.variant.code),
    export.Column("Fault", lambda h: h.fault.code),
    export.Column("Note", lambda h: h.fault_note),
    export.Column("Outcome", lambda h: h.outcome),
    export.Column("Reason", lambda h: h.outcome_reason),
    export.Column("Line", lambda h: h.line),
]


def _detail_url(reference: str) -> str:
    return reverse("hub_return_detail", kwargs={"reference": reference})


def _suppliers_of(scope: Any) -> list:
    """The supplier organisations the viewer may return hubs for."""
    return list(
        Organisation.objects.filter(
            pk__in=scope.organisation_ids, is_active=True, roles__role=IndustryRole.ENERGY_SUPPLIER
        )
        .distinct()
        .order_by("name")
    )


def _all_suppliers() -> list:
    return list(
        Organisation.objects.filter(roles__role=IndustryRole.ENERGY_SUPPLIER).distinct().order_by("name")
    )


@login_required
def return_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not queries.shows_oms(scope):
        raise Http404("No such page")
    sees_all = queries.sees_all(scope)
    form = forms.ReturnFilterForm(request.GET or None, suppliers=_all_suppliers() if sees_all else None)
    qs = queries.returns_visible_to(request.user)
    status = 200
    if request.GET and not form.is_valid():
        qs, status = qs.none(), 400
    elif request.GET:
        f = form.cleaned_data
        if f.get("serial"):
            hub = (
                queries.hubs_visible_to(request.user)
                .filter(serial=f["serial"])
                .select_related("hub_return")
                .order_by("-id")
                .first()
            )
            if hub is not None:
                return redirect(_detail_url(hub.hub_return.reference))
            messages.info(request, f"No return you can see holds {f['serial']}.")
            qs = qs.none()
        if f.get("status"):
            qs = qs.filter(status=f["status"])
        if f.get("supplier"):
            qs = qs.filter(supplier_id=f["supplier"])
        if f.get("created_from"):
            qs = qs.filter(created_at__gte=dt.datetime.combine(f["created_from"], dt.time(0), tzinfo=LONDON))
        if f.get("created_to"):
            end = f["created_to"] + dt.timedelta(days=1)
            qs = qs.filter(created_at__lt=dt.datetime.combine(end, dt.time(0), tzinfo=LONDON))
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "sees_all": sees_all,
        "can_raise": bool(_suppliers_of(scope)) if not sees_all else False,
        "extra_qs": urlencode({k: v[:200] for k, v in request.GET.items() if k != "page" and v}),
    }
    return render(request, "orders/return_list.html", context, status=status)


def _errors_context(exc: ActionError) -> list[str]:
    if isinstance(exc, serials.LineErrors):
        return exc.lines()
    return [exc.message]


@login_required
def return_new(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    suppliers = _suppliers_of(scope)
    if not suppliers:
        reason = "Only an energy supplier's people return hubs"
        return render(request, "core/forbidden.html", {"reason": reason}, status=403)
    form = forms.ReturnForm(request.POST or None, request.FILES or None, suppliers=suppliers)
    line_errors: list[str] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            supplier = next((o for o in suppliers if o.pk == data["supplier"]), None)
            try:
                lines = serials.parse_hub_lines(data["source"])
                done = actions.raise_return(
                    actor=Actor.from_request(request),
                    supplier=supplier,
                    collection_address=data["collection_address"],
                    postcode=data["postcode"],
                    collection_date=data["collection_date"],
                    contact=data["contact"],
                    hubs=lines,
                )
            except serials.LineErrors as exc:
                line_errors = exc.lines()
            except ActionError as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    form.add_error(None, exc.message)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(request, f"{done.reference} raised: {done.hub_count:,} hubs to collect.")
                return redirect(_detail_url(done.reference))
    return render(
        request,
        "orders/return_form.html",
        {"form": form, "line_errors": line_errors, "columns": serials.COLUMNS},
        status=status,
    )


def _return_or_404(request: HttpRequest, reference: str) -> HubReturn:
    qs = queries.returns_visible_to(request.user).select_related("raised_by")
    return get_object_or_404(qs, reference=reference.upper()[:20])


#: The forms of a return's page, by verb: (form class, what it is called, button).
VERBS = {
    "collected": (forms.NoteForm, "Hubs collected", "Mark collected"),
    "received": (forms.NoteForm, "Hubs received by DCC", "Mark received"),
    "test_results": (forms.ResultsForm, "Record test results", "Record results"),
    "credit": (forms.NoteForm, "Close: credit or reject", "Close the return"),
    "cancel": (forms.CancelForm, "Cancel the return", "Cancel return"),
    "add_hubs": (forms.AddHubsForm, "Add hubs", "Add hubs"),
    "remove_hub": (forms.RemoveHubForm, "Take a hub out", "Remove hub"),
}


def _detail_context(
    request: HttpRequest,
    hub_return: HubReturn,
    *,
    bound: dict | None = None,
    line_errors: list[str] | None = None,
) -> dict:
    user = request.user
    scope = scope_for(user)
    verbs = allowed(scope, hub_return)
    panels = []
    for verb in verbs:
        form_class, title, button = VERBS[verb]
        form = (bound or {}).get(verb) or form_class(prefix=verb)
        panels.append({"verb": verb, "form": form, "title": title, "button": button})
    hub_filter = forms.HubFilterForm(request.GET or None)
    hubs = queries.hubs_visible_to(user).filter(hub_return_id=hub_return.pk).order_by("id")
    outcome = ""
    if hub_filter.is_valid() and hub_filter.cleaned_data.get("outcome"):
        outcome = hub_filter.cleaned_data["outcome"]
        hubs = hubs.filter(outcome=outcome)
    page = Paginator(hubs, HUBS_PAGE).get_page(request.GET.get("page"))
    works = queries.works_on(user, hub_return)
    entries, _attachments = record_queries.conversation_visible_to(user, hub_return)
    can_talk = (
        permissions.can_process_return(scope, hub_return) is None
        or permissions.can_return(scope, hub_return.supplier) is None
    )
    return {
        "item": hub_return,
        "panels": panels,
        "page": page,
        "hub_filter": hub_filter,
        "extra_qs": urlencode({"outcome": outcome}) if outcome else "",
        "export_qs": urlencode({"outcome": outcome}) if outcome else "",
        "pending": max(hub_return.hub_count - hub_return.credited_count - hub_return.rejected_count, 0),
        "entries": entries,
        "update_form": (bound or {}).get("update")
        or (forms.UpdateForm(prefix="update") if can_talk else None),
        "works": works,
        "line_errors": line_errors or [],
        "watch": {
            "reference": hub_return.reference,
            "watching": record_queries.is_watching(user, hub_return),
        },
        "timeline": record_queries.timeline(user, hub_return, works=works),
    }


@login_required
def return_detail(request: HttpRequest, reference: str) -> HttpResponse:
    hub_return = _return_or_404(request, reference)
    return render(request, "orders/return_detail.html", _detail_context(request, hub_return))


def _run_verb(request: HttpRequest, hub_return: HubReturn, verb: str, form: Any) -> str:
    """Call the verb's action with the form's data; what to tell the person. Raises ActionError."""
    actor = Actor.from_request(request)
    data = form.cleaned_data
    if verb == "collected":
        actions.mark_collected(actor=actor, hub_return=hub_return, note=data["note"])
        return "Marked collected."
    if verb == "received":
        actions.mark_received(actor=actor, hub_return=hub_return, note=data["note"])
        return "Marked received."
    if verb == "credit":
        done = actions.credit_return(actor=actor, hub_return=hub_return, note=data["note"])
        return f"{done.reference} {done.get_status_display().lower()}: {done.credited_count:,} hubs credited."
    if verb == "cancel":
        actions.cancel_return(actor=actor, hub_return=hub_return, reason=data["reason"])
        return "Return cancelled."
    if verb == "add_hubs":
        added = actions.add_hubs(
            actor=actor, hub_return=hub_return, hubs=serials.parse_hub_lines(data["source"])
        )
        return f"{added:,} hubs added."
    if verb == "remove_hub":
        actions.remove_hub(actor=actor, hub_return=hub_return, serial=data["serial"])
        return "Hub removed."
    if verb == "test_results":
        results = serials.parse_results_csv(data["source"])
        done = actions.record_test_results(actor=actor, hub_return=hub_return, results=results)
        return f"{len(results):,} results recorded; {done.get_status_display().lower()}."
    if verb == "update":
        actions.add_return_update(
            actor=actor, hub_return=hub_return, body=data["body"], internal=data["internal"]
        )
        return "Added."
    raise Http404("No such action")


@login_required
@post_form(lambda reference, verb: _detail_url(reference) + f"#do-{verb}")
def return_action(request: HttpRequest, reference: str, verb: str) -> HttpResponse:
    if verb not in VERBS and verb != "update":
        raise Http404("No such action")
    hub_return = _return_or_404(request, reference)
    form_class = forms.UpdateForm if verb == "update" else VERBS[verb][0]
    form = form_class(request.POST, request.FILES, prefix=verb)
    status, line_errors = 422, []
    if form.is_valid():
        try:
            message = _run_verb(request, hub_return, verb, form)
        except serials.LineErrors as exc:
            line_errors = exc.lines()
        except ActionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = 403 if isinstance(exc, NotPermitted) else exc.status
        else:
            messages.success(request, message)
            return redirect(_detail_url(hub_return.reference))
    hub_return = _return_or_404(request, reference)
    context = _detail_context(request, hub_return, bound={verb: form}, line_errors=line_errors)
    return render(request, "orders/return_detail.html", context, status=status)


@login_required
def return_export(request: HttpRequest, reference: str) -> HttpResponse:
    hub_return = _return_or_404(request, reference)
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    hub_filter = forms.HubFilterForm(request.GET)
    if not hub_filter.is_valid():
        return HttpResponse(
            "outcome: not one of the outcomes", status=400, content_type="text/plain; charset=utf-8"
        )
    qs = queries.hubs_visible_to(request.user).filter(hub_return_id=hub_return.pk).order_by("id")
    if hub_filter.cleaned_data.get("outcome"):
        qs = qs.filter(outcome=hub_filter.cleaned_data["outcome"])
    return export.response(qs, HUB_COLUMNS, fmt=fmt, stem=f"{hub_return.reference}-hubs")


urlpatterns = [
    path("hubs/returns/", return_list, name="hub_return_list"),
    path("hubs/returns/new/", return_new, name="hub_return_new"),
    path("hubs/returns/<str:reference>/", return_detail, name="hub_return_detail"),
    path("hubs/returns/<str:reference>/export/", return_export, name="hub_return_export"),
    path("hubs/returns/<str:reference>/<slug:verb>/", return_action, name="hub_return_action"),
]
