"""The request pages: the lists (my organisation's requests, waiting for my approval, my organisation's
tasks, the desk's queue) with filters, sorting and CSV export; a request's page (answers, approvals,
tasks, SLA clocks, conversation, attachments, links, watch, history, and the forms its viewer may use)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from busbar.lib import export
from busbar.lib.actions import Actor
from busbar.lib.forms import form_errors, parse_id, run_action_form
from busbar.lib.keyset import count_or_estimate
from busbar.lib.postback import post_form
from busbar.parties.queries import scope_for
from busbar.records import queries as record_queries
from busbar.requests import lists, queries, sla
from busbar.requests.forms.requests import (
    APPROVAL_FORMS,
    PAGE_FORMS,
    REQUEST_FORMS,
    TASK_FORMS,
    RequestFilterForm,
)
from busbar.requests.models import FieldKind, Request

PAGE_SIZE = 50


def _tab(request: HttpRequest, scope: Any) -> tuple[str, list[str]]:
    tabs = lists.tabs_for(scope)
    wanted = request.GET.get("tab", "")
    if wanted in tabs:
        return wanted, tabs
    if not tabs:
        return "", tabs
    return ("queue" if "queue" in tabs else tabs[0]), tabs


def _filtered(request: HttpRequest) -> tuple[Any, RequestFilterForm, Any, str, list[str], bool]:
    scope = scope_for(request.user)
    tab, tabs = _tab(request, scope)
    form = RequestFilterForm(request.GET or None, desk=scope.is_desk)
    valid = not request.GET or form.is_valid()
    qs = lists.tab_queryset(request.user, tab) if tab else queries.visible_to(request.user)
    if not valid:
        return scope, form, qs.none(), tab, tabs, False
    return scope, form, lists.apply(qs, form.filters() if request.GET else lists.Filters()), tab, tabs, True


def _query(request: HttpRequest, drop: tuple[str, ...] = ("page", "format")) -> dict[str, str]:
    return {k: v[:200] for k, v in request.GET.items() if k not in drop and v}


def _page(qs: Any, number: str | None) -> Any:
    """One page of ``qs`` (filtered and ordered), keys first: the page's primary keys in the list's order
    from the indexes, then just those rows with their relations; the count exact up to 10,000 rows and
    beyond that an estimate said as such (:func:`busbar.lib.keyset.count_or_estimate`)."""
    paginator = Paginator(qs.values_list("pk", flat=True), PAGE_SIZE)
    paginator.count, estimate = count_or_estimate(qs)
    page = paginator.get_page(number)
    keys = list(page.object_list)
    by_pk = {r.pk: r for r in lists.rows(Request.objects.filter(pk__in=keys))}
    page.object_list = [by_pk[pk] for pk in keys if pk in by_pk]
    page.count_is_estimate = estimate
    return page


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    scope, form, qs, tab, tabs, valid = _filtered(request)
    page = _page(qs, request.GET.get("page"))
    base = _query(request, drop=("page", "format", "tab"))
    context = {
        "page": page,
        "form": form,
        "tab": tab,
        "tabs": [(t, lists.TABS[t], "?" + urlencode({"tab": t})) for t in tabs],
        "tab_label": lists.TABS.get(tab, "Requests"),
        "extra_qs": urlencode(_query(request)),
        "export_qs": urlencode({**base, **({"tab": tab} if tab else {})}),
        "desk": scope.is_desk,
    }
    return render(request, "requests/request_list.html", context, status=200 if valid else 400)


@login_required
def request_export(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    _scope, form, qs, _tab_name, _tabs, valid = _filtered(request)
    if not valid:
        text = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    return export.response(lists.rows(qs), lists.COLUMNS, fmt=fmt, stem="requests")


def _request_or_404(request: HttpRequest, reference: str) -> Request:
    qs = record_queries.with_watching(queries.visible_to(request.user), request.user)
    return get_object_or_404(qs.select_related("item__sla_policy"), reference=reference.upper()[:20])


def _answers(req: Request, attachments: dict[int, Any]) -> list[dict]:
    """The answers as the page shows them: the item's labels, in its order; ids named."""
    from busbar.accounts.models import User
    from busbar.parties.models import MembershipRole, Organisation
    from busbar.services.models import Service

    shown = []
    answers = req.answers or {}
    fields = list(req.item.fields.all())
    ids: dict[str, set] = {"organisation": set(), "service": set(), "person": set()}
    for f in fields:
        if f.kind in ids and parse_id(answers.get(f.key)) is not None:
            ids[f.kind].add(int(answers[f.key]))
    names = {
        "organisation": dict(
            Organisation.objects.filter(pk__in=ids["organisation"]).values_list("pk", "name")
        ),
        "service": dict(Service.objects.filter(pk__in=ids["service"]).values_list("pk", "name")),
        "person": {u.pk: u.display_name for u in User.objects.filter(pk__in=ids["person"])},
    }
    for f in fields:
        if f.key not in answers:
            continue
        value = answers[f.key]
        row = {"label": f.label, "value": value, "attachment": None}
        if f.kind == FieldKind.FILE:
            row["attachment"] = attachments.get(parse_id(value) or 0)
            row["value"] = "" if row["attachment"] else "(file not available)"
        elif f.kind in names:
            row["value"] = names[f.kind].get(parse_id(value) or 0, value)
        elif f.kind == FieldKind.ROLE:
            row["value"] = dict(MembershipRole.choices).get(value, value)
        shown.append(row)
    return shown


def _detail_context(request: HttpRequest, req: Request, bound: dict | None = None) -> dict:
    user = request.user
    works = queries.works_on(user, req)
    approvals = list(req.approvals.select_related("organisation", "decided_by"))
    tasks = list(req.tasks.select_related("organisation", "assigned_to", "completed_by"))
    offered = lists.offered(user, req, approvals, tasks, works=works)
    entries, attachments = record_queries.conversation_visible_to(user, req)
    by_id = {a.pk: a for a in attachments}
    bound = bound or {}
    describe = ""
    if req.item.fulfilment and offered.approvals:
        from busbar.requests import fulfilment

        describe = fulfilment.describe(req)
    for a in approvals:
        a.forms = [
            {
                "verb": v,
                "form": bound.get((v, a.pk))
                or APPROVAL_FORMS[v](prefix=v, request=req, initial={"approval": a.pk}),
                "url": reverse("request_action", args=[req.reference, v]),
            }
            for v in offered.approvals.get(a.pk, [])
        ]
    for t in tasks:
        t.forms = []
        for v in offered.tasks.get(t.pk, []):
            kwargs = {"task": t} if v == "assign" else {}
            form = bound.get((v, t.pk)) or TASK_FORMS[v](
                prefix=v, request=req, initial={"task": t.pk}, **kwargs
            )
            t.forms.append(
                {"verb": v, "form": form, "url": reverse("request_action", args=[req.reference, v])}
            )
    panels = [
        {
            "verb": v,
            "form": bound.get((v, None)) or REQUEST_FORMS[v](prefix=v, request=req),
            "url": reverse("request_action", args=[req.reference, v]),
        }
        for v in offered.request
    ]
    return {
        "req": req,
        "works": works,
        "answers": _answers(req, by_id),
        "approvals": approvals,
        "tasks": tasks,
        "describe": describe,
        "clocks": sla.clocks_for(req),
        "entries": entries,
        "attachments": [a for a in attachments if a.entry_id is None],
        "links": record_queries.links_visible_to(user, req),
        "update_panel": next((p for p in panels if p["verb"] == "update"), None),
        "note_panel": next((p for p in panels if p["verb"] == "note"), None),
        "panels": [p for p in panels if p["verb"] not in ("update", "note")],
        "watch": {"reference": req.reference, "watching": record_queries.is_watching(user, req)},
        "timeline": record_queries.timeline(user, req, works=works),
    }


@login_required
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    req = _request_or_404(request, reference)
    return render(request, "requests/request_detail.html", _detail_context(request, req))


@login_required
@post_form(lambda reference, verb: reverse("request_detail", args=[reference]))
def request_action(request: HttpRequest, reference: str, verb: str) -> HttpResponse:
    if verb not in PAGE_FORMS:
        raise Http404("No such action")
    req = _request_or_404(request, reference)
    form = PAGE_FORMS[verb](request.POST, request.FILES, prefix=verb, request=req)
    message, status = run_action_form(form, Actor.from_request(request))
    if message is not None:
        messages.success(request, message)
        return redirect("request_detail", reference=req.reference)
    req = _request_or_404(request, reference)
    target = None
    if verb in APPROVAL_FORMS or verb in TASK_FORMS:
        target = parse_id(request.POST.get(f"{verb}-{'approval' if verb in APPROVAL_FORMS else 'task'}"))
    context = _detail_context(request, req, bound={(verb, target): form})
    forms_shown = [f["form"] for a in context["approvals"] + context["tasks"] for f in a.forms]
    forms_shown += [p["form"] for p in context["panels"]]
    forms_shown += [p["form"] for p in (context["update_panel"], context["note_panel"]) if p]
    shown = any(form is f for f in forms_shown)
    if not shown:
        for error in form_errors(form):
            messages.error(request, error)
    return render(request, "requests/request_detail.html", context, status=status)


@login_required
def request_attachment(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    req = _request_or_404(request, reference)
    attachment = get_object_or_404(record_queries.attachments_visible_to(request.user, req), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )


urlpatterns = [
    path("requests/", request_list, name="request_list"),
    path("requests/export/", request_export, name="request_export"),
    path("requests/<str:reference>/", request_detail, name="request_detail"),
    path("requests/<str:reference>/attachments/<int:pk>/", request_attachment, name="request_attachment"),
    path("requests/<str:reference>/do/<slug:verb>/", request_action, name="request_action"),
]
