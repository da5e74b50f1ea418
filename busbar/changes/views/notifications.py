"""Pages: Change Notifications — the list (filters, sortable columns, pages, CSV/XLSX export), raising one
(a provider for itself, the desk for any provider) and editing a draft, and the change's page: its window
in UK time, its notice against the rule, its conflicts and consultations (for those who review it), the
CCG's decisions, the implementation and the post-implementation review, the kernel's conversation,
attachments, links, watching and history, and the action forms ``permissions.available`` offers, each
posting to ``change_act``.

Every read goes through :mod:`busbar.changes.queries` (a change outside them is a 404); every change
through :mod:`busbar.changes.actions`.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from busbar.accounts.queries import saved_filters
from busbar.changes import actions, lists, pages, permissions, queries
from busbar.changes.forms.notifications import (
    ACTION_VERBS,
    PAGE_FORMS,
    ChangeForm,
    FilterForm,
    PageForm,
    RespondForm,
    field_of,
    form_field_of,
)
from busbar.changes.models import ENDED, ChangeNotification, ChangeStatus
from busbar.lib import export
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, form_errors, parse_id, run_action_form
from busbar.lib.postback import post_form
from busbar.parties.models import PROVIDER_ROLES, Organisation
from busbar.parties.queries import Scope, scope_for
from busbar.records import queries as record_queries
from busbar.records.models import Link
from busbar.services.models import Service
from busbar.services.queries import services_visible_to

PAGE_SIZE = 50
#: The list's filters carried by its links (sort headers, pages, export, saved filters).
FILTER_KEYS = ("q", "status", "type", "provider", "service", "late", "conflicts")

#: How a journal entry of a change reads: ``change.<what>`` -> words.
HISTORY = {
    "raise": "raised the notification",
    "edit": "edited it",
    "submit": "submitted it to the CCG",
    "take_review": "took it into review",
    "review_start": "took it into review",
    "accept": "accepted it",
    "accept_conditions": "accepted it with conditions",
    "reschedule": "rescheduled it",
    "reject": "rejected it",
    "more_info": "asked for more information",
    "retrospective": "recorded the retrospective review",
    "consult": "asked for impact assessments",
    "consultation": "sent an impact assessment",
    "start": "started the work",
    "complete": "completed it",
    "fail": "recorded it as failed",
    "back_out": "recorded it as backed out",
    "overrun": "noted it overran its window",
    "pir": "recorded the post-implementation review",
    "review": "closed it as reviewed",
    "cancel": "cancelled it",
    "update": "posted an update",
    "note": "added an internal note",
    "link": "changed its links",
    "watch": "started watching",
}


def _sentence(action: str) -> str:
    what = action.partition(".")[2] or action
    return HISTORY.get(what, what.replace("_", " "))


# The list ------------------------------------------------------------------------------------------------


def _providers() -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(is_active=True, roles__role__in=PROVIDER_ROLES)
        .distinct()
        .order_by("name")
    )


def _listed(request: HttpRequest) -> tuple[FilterForm, QuerySet[ChangeNotification], str, dict[str, str]]:
    """The list as the request asks: (filter form, rows filtered and sorted, the sort, the filters)."""
    user = request.user
    form = FilterForm(
        request.GET,
        providers=_providers(),
        services=services_visible_to(user).order_by("name"),
        conflicts=lists.filters_conflicts(user),
    )
    qs, sort = lists.listed(user, form.filters(), request.GET.get("sort"))
    filters = {k: request.GET[k][:200] for k in FILTER_KEYS if request.GET.get(k) and k in form.fields}
    return form, qs, sort, filters


@login_required
def change_list(request: HttpRequest) -> HttpResponse:
    user, scope = request.user, scope_for(request.user)
    form, qs, sort, filters = _listed(request)
    page = Paginator(lists.page_rows(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    for change in page:
        change.shows_conflicts = queries.reviews(user, change)
    with_sort = urlencode({**filters, "sort": sort})
    context = {
        **pages.base_context(request, "notifications"),
        "page": page,
        "form": form,
        "sort": sort,
        "headers": lists.sorting_for(user).headers(filters, current=sort),
        "extra_qs": with_sort,
        "export_qs": with_sort,
        "can_raise": permissions.can_raise(scope) is None,
        "saved_filters": saved_filters(user, "change_list"),
        "list_key": "change_list",
        "filter_query": with_sort,
    }
    if request.htmx and request.htmx.target == "rows":
        context["oob_tools"] = True  # the saved filters' and exports' links follow the new filter
        return render(request, "changes/notifications/_rows.html", context)
    return render(request, "changes/notifications/list.html", context)


@login_required
def change_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered and sorted, as CSV or XLSX (``?format=``), with the columns the viewer may
    read, streamed in constant memory."""
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    _, qs, _, _ = _listed(request)
    columns = lists.export_columns(request.user)
    return export.response(lists.export_rows(qs), columns, fmt=fmt, stem="change-notifications")


# Raising and editing -------------------------------------------------------------------------------------


def _own_providers(scope: Scope) -> QuerySet[Organisation]:
    """The providers the person raises for: any (the desk) or their own."""
    if scope.is_desk:
        return _providers()
    return Organisation.objects.filter(pk__in=scope.resolver_for | scope.admin_of, is_active=True).order_by(
        "name"
    )


def _services_run_by(provider_ids) -> Q:
    return Q(provider_id__in=provider_ids) | Q(parent__provider_id__in=provider_ids)


def _form_services(scope: Scope) -> QuerySet[Service]:
    """The services a raise or edit form accepts: every active one for the desk (the action checks the
    provider runs them), a provider's own (and their components) otherwise."""
    qs = Service.objects.filter(is_active=True).select_related("provider")
    if not scope.is_desk:
        qs = qs.filter(_services_run_by(scope.resolver_for | scope.admin_of))
    return qs.order_by("name")


def _tree(services: list[Service]) -> list[dict]:
    """``services`` as the catalogue's tree: each service with its components beneath it."""
    ids = {s.pk for s in services}
    children: dict[int, list[Service]] = defaultdict(list)
    for s in services:
        if s.parent_id in ids:
            children[s.parent_id].append(s)

    def node(s: Service) -> dict:
        return {"service": s, "children": [node(c) for c in children[s.pk]]}

    return [node(s) for s in services if s.parent_id not in ids]


def _service_groups(services: QuerySet[Service], provider_id: int | None, selected: set[str]) -> list[dict]:
    """The tree shown on the form, by provider: only ``provider_id``'s services when one is chosen (and
    whatever is already ticked, so nothing typed is lost)."""
    rows = list(services)
    if provider_id is not None:
        runs = {s.pk for s in rows if s.provider_id == provider_id}
        rows = [s for s in rows if s.pk in runs or s.parent_id in runs or str(s.pk) in selected]
    by_pk = {s.pk: s for s in rows}
    by_provider: dict[int, list[Service]] = defaultdict(list)
    names = {}
    for s in rows:
        # A component is listed under its parent's provider (it is part of that service).
        owner = by_pk[s.parent_id].provider if s.parent_id in by_pk else s.provider
        names.setdefault(owner.pk, owner.name)
        by_provider[owner.pk].append(s)
    groups = [{"provider": names[pk], "nodes": _tree(items)} for pk, items in by_provider.items()]
    return sorted(groups, key=lambda g: g["provider"].lower())


def _chosen_provider(request: HttpRequest, providers: list[Organisation]) -> Organisation | None:
    if len(providers) == 1:
        return providers[0]
    wanted = parse_id((request.POST if request.method == "POST" else request.GET).get("provider"))
    return next((p for p in providers if p.pk == wanted), None)


def _form_page(request: HttpRequest, template_context: dict, *, status: int) -> HttpResponse:
    if request.htmx and request.htmx.target == "services-field":
        return render(request, "changes/notifications/_services_field.html", template_context)
    return render(request, "changes/notifications/form.html", template_context, status=status)


def _save(request: HttpRequest, form: ChangeForm, do) -> tuple[ChangeNotification | None, int]:
    """Run ``do(actor)`` (raise or edit), then submit when "Submit" was pressed: all or nothing. Returns
    (the change, 200) or (None, the refusal's status) with the refusal on the form."""
    actor = Actor.from_request(request)
    try:
        with transaction.atomic():
            change = do(actor)
            if request.POST.get("intent") == "submit":
                change = actions.submit_change(actor=actor, change=change)
    except ActionError as exc:
        if exc.field:
            exc.field = form_field_of(exc.field)
        add_action_error(form, exc)
        return None, 403 if isinstance(exc, NotPermitted) else exc.status
    return change, 200


def _saved_message(change: ChangeNotification, *, created: bool) -> str:
    if change.status == ChangeStatus.DRAFT:
        return f"{change.reference} is saved as a draft." if created else f"{change.reference} is saved."
    if change.status == ChangeStatus.ACCEPTED:
        return f"{change.reference} is submitted and accepted at once: a standard change, pre-approved."
    late = (
        " It is late against the notice rule: the CCG must accept it as an exception."
        if change.is_late
        else ""
    )
    return f"{change.reference} is submitted to the Change Co-ordination Group.{late}"


@login_required
def change_new(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    reason = permissions.can_raise(scope)
    if reason:
        return pages.forbidden(request, reason)
    providers = list(_own_providers(scope))
    if not providers:
        return pages.forbidden(request, "You are not a member of a provider")
    chosen = _chosen_provider(request, providers)
    services = _form_services(scope)
    single = providers[0] if len(providers) == 1 else None
    form = ChangeForm(
        request.POST if request.method == "POST" else None,
        # A provider's person raises for its own provider; the desk (or someone in several) chooses.
        providers=None if single else Organisation.objects.filter(pk__in=[p.pk for p in providers]),
        services=services,
        initial={"provider": chosen.pk if chosen else None},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            change, status = _save(
                request, form, lambda actor: form.raise_change(actor, single or form.cleaned_data["provider"])
            )
            if change is not None:
                messages.success(request, _saved_message(change, created=True))
                return redirect("change_detail", reference=change.reference)
    context = {
        **pages.base_context(request, "notifications"),
        "form": form,
        "change": None,
        "single_provider": single,
        "groups": _service_groups(services, chosen.pk if chosen else None, form.selected_services()),
    }
    return _form_page(request, context, status=status)


def _change_or_404(request: HttpRequest, reference: str) -> ChangeNotification:
    qs = record_queries.with_watching(queries.visible_to(request.user), request.user)
    return get_object_or_404(
        qs.select_related("notice_rule", "raised_by", "pir_by"), reference=reference.upper()[:20]
    )


@login_required
def change_edit(request: HttpRequest, reference: str) -> HttpResponse:
    change = _change_or_404(request, reference)
    scope = scope_for(request.user)
    reason = permissions.can_edit(scope, change)
    if reason:
        return pages.forbidden(request, reason, status=409 if permissions.is_worker(scope, change) else 403)
    services = _form_services(scope)
    form = ChangeForm(request.POST if request.method == "POST" else None, services=services, change=change)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            saved, status = _save(request, form, form.edit_change)
            if saved is not None:
                messages.success(request, _saved_message(saved, created=False))
                return redirect("change_detail", reference=change.reference)
    context = {
        **pages.base_context(request, "notifications"),
        "form": form,
        "change": change,
        "single_provider": change.provider,
        "groups": _service_groups(services, change.provider_id, form.selected_services()),
    }
    return _form_page(request, context, status=status)


# The change's page ---------------------------------------------------------------------------------------


def _page_form(verb: str, change: ChangeNotification, user, *, data=None, files=None) -> PageForm:
    kwargs: dict = {"prefix": verb, "change": change}
    if verb == "update":
        kwargs["worker"] = queries.works_on(user, change)
    return PAGE_FORMS[verb](data, files, **kwargs)


def _panel(verb: str, form: PageForm, change: ChangeNotification) -> dict:
    return {"verb": verb, "form": form, "url": reverse("change_act", args=[change.reference, verb])}


def _history(user, change: ChangeNotification, works: bool) -> list:
    entries = record_queries.timeline(user, change, works=works)[-200:]
    for e in entries:
        e.sentence = _sentence(e.action)
    return entries


def _conflicts(user, change: ChangeNotification) -> list:
    rows = list(change.conflicts.select_related("service", "other_change", "blackout"))
    others = {c.other_change_id for c in rows if c.other_change_id}
    seen = (
        set(queries.visible_to(user).filter(pk__in=others).values_list("pk", flat=True)) if others else set()
    )
    for c in rows:
        c.other_visible = c.other_change_id in seen
    return rows


def _respond_panels(request: HttpRequest, change, consultations, bound: dict | None) -> dict[int, dict]:
    """A respond form for each consultation addressed to one of the person's organisations."""
    if change.status in ENDED:
        return {}
    scope = scope_for(request.user)
    panels = {}
    for c in consultations:
        if permissions.can_respond(scope, c) is not None:
            continue
        form = (bound or {}).get(c.pk) or RespondForm(consultation=c)
        url = reverse("change_consultation", args=[change.reference, c.pk])
        panels[c.pk] = {"verb": f"respond-{c.pk}", "form": form, "url": url}
    return panels


def _detail_context(
    request: HttpRequest,
    change: ChangeNotification,
    bound: dict | None = None,
    respond_bound: dict | None = None,
) -> dict:
    user, scope = request.user, scope_for(request.user)
    verbs = permissions.available(scope, change)
    works = queries.works_on(user, change)
    reviews = queries.reviews(user, change)
    forms = {v: _page_form(v, change, user) for v in verbs if v in PAGE_FORMS}
    forms.update(bound or {})
    consultations = list(queries.consultations_visible_to(user, change))
    entries, attachments = record_queries.conversation_visible_to(user, change)
    respond = _respond_panels(request, change, consultations, respond_bound)
    for c in consultations:
        c.panel = respond.get(c.pk)
    now = timezone.now()
    return {
        **pages.base_context(request, "notifications"),
        "change": change,
        "works": works,
        "reviews": reviews,
        "internal": {f: queries.field_visible(user, change, f) for f in queries.INTERNAL_FIELDS},
        "services": list(change.services.select_related("parent").order_by("name")),
        "conflicts": _conflicts(user, change) if reviews else None,
        "consultations": consultations,
        "decisions": list(
            change.decisions.select_related("decided_by", "meeting").order_by("decided_at", "id")
        ),
        "may_edit": "edit" in verbs,
        "panels": [_panel(v, forms[v], change) for v in ACTION_VERBS if v in forms],
        "update_form": forms.get("update") and _panel("update", forms["update"], change),
        "entries": entries,
        "attachments": [a for a in attachments if a.entry_id is None],
        "links": record_queries.links_visible_to(user, change),
        "may_link": "link" in verbs,
        "link_kinds": Link.Kind.choices,
        "watch": {"reference": change.reference, "watching": record_queries.is_watching(user, change)},
        "timeline": _history(user, change, works),
        "overrunning": change.status == ChangeStatus.IN_PROGRESS and change.planned_end < now,
        "allowed": verbs,
    }


@login_required
def change_detail(request: HttpRequest, reference: str) -> HttpResponse:
    change = _change_or_404(request, reference)
    return render(request, "changes/notifications/detail.html", _detail_context(request, change))


#: Who may use each verb at all (the reason it is refused with 403); a verb they may use but that the
#: change's status does not offer now is a 409.
_WHO = {
    "submit": permissions.can_submit,
    "take-review": permissions.can_decide,
    "decide": permissions.can_decide,
    "reschedule": permissions.can_decide,
    "retrospective": permissions.can_decide,
    "consult": permissions.can_consult,
    "start": permissions.can_implement,
    "complete": permissions.can_implement,
    "fail": permissions.can_implement,
    "back-out": permissions.can_implement,
    "pir": permissions.can_review,
    "review": permissions.can_review,
    "cancel": permissions.can_cancel,
    "update": lambda scope, change: (
        None if permissions.is_worker(scope, change) else "Only the provider or the service desk can do that"
    ),
}


@login_required
@post_form(lambda reference, verb: reverse("change_detail", args=[reference]) + f"#do-{verb}")
def change_act(request: HttpRequest, reference: str, verb: str) -> HttpResponse:
    if verb not in PAGE_FORMS:
        raise Http404("No such action")
    change = _change_or_404(request, reference)
    scope = scope_for(request.user)
    if verb not in permissions.available(scope, change):
        reason = _WHO[verb](scope, change)
        if reason:
            return pages.forbidden(request, reason)
        messages.error(
            request, f"That cannot be done while {change.reference} is {change.get_status_display().lower()}."
        )
        return render(
            request, "changes/notifications/detail.html", _detail_context(request, change), status=409
        )
    form = _page_form(verb, change, request.user, data=request.POST, files=request.FILES)
    message, status = run_action_form(form, Actor.from_request(request), field_of=field_of)
    if message is not None:
        messages.success(request, message)
        return redirect("change_detail", reference=change.reference)
    # Nothing was written: the page as it stands, with the form as typed if it is still offered.
    change = _change_or_404(request, reference)
    if verb in permissions.available(scope, change):
        context = _detail_context(request, change, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _detail_context(request, change)
    return render(request, "changes/notifications/detail.html", context, status=status)


@login_required
@post_form(lambda reference, pk: reverse("change_detail", args=[reference]) + "#consultations")
def change_consultation(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """The consulted organisation's answer (impact, assessment, concerns)."""
    change = _change_or_404(request, reference)
    consultation = get_object_or_404(queries.consultations_visible_to(request.user, change), pk=pk)
    reason = permissions.can_respond(scope_for(request.user), consultation)
    if reason:
        return pages.forbidden(request, reason)
    form = RespondForm(request.POST, consultation=consultation)
    message, status = run_action_form(form, Actor.from_request(request), field_of=field_of)
    if message is not None:
        messages.success(request, message)
        return redirect(reverse("change_detail", args=[change.reference]) + "#consultations")
    change = _change_or_404(request, reference)
    if change.status in ENDED:
        for error in form_errors(form):
            messages.error(request, error)
        context = _detail_context(request, change)
    else:
        context = _detail_context(request, change, respond_bound={consultation.pk: form})
    return render(request, "changes/notifications/detail.html", context, status=status)


@login_required
def change_attachment(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """A file of the change, through its visibility (internal ones to those who work it)."""
    change = get_object_or_404(queries.visible_to(request.user), reference=reference.upper()[:20])
    attachment = get_object_or_404(record_queries.attachments_visible_to(request.user, change), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("changes/", change_list, name="change_list"),
    path("changes/export/", change_export, name="change_export"),
    path("changes/new/", change_new, name="change_new"),
    path("changes/<str:reference>/", change_detail, name="change_detail"),
    path("changes/<str:reference>/edit/", change_edit, name="change_edit"),
    path(
        "changes/<str:reference>/consultations/<int:pk>/respond/",
        change_consultation,
        name="change_consultation",
    ),
    path("changes/<str:reference>/attachments/<int:pk>/", change_attachment, name="change_attachment"),
    path("changes/<str:reference>/<slug:verb>/", change_act, name="change_act"),
]
