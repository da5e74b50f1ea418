"""Problem pages: the list and its queues, the problem page with its action forms, recording a problem."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from busbar.accounts.queries import saved_filters
from busbar.lib import export
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, form_errors, run_action_form
from busbar.lib.postback import post_form
from busbar.parties.queries import scope_for
from busbar.problems import actions, lists, permissions, queries
from busbar.problems.forms import PAGE_FORMS, STATUS_VERBS, FilterForm, PageForm, ProblemForm
from busbar.problems.models import OPEN_STATUSES, Problem
from busbar.records import queries as record_queries

PAGE_SIZE = 50
QUEUES = [
    ("open", "Open"),
    ("known", "Known problems"),
    ("ours", "Ours"),
    ("all", "Everything"),
]


def _queue(qs, key: str, scope):
    if key == "open":
        return qs.filter(status__in=OPEN_STATUSES)
    if key == "known":
        return qs.filter(is_known=True, status__in=OPEN_STATUSES)
    if key == "ours":
        return qs.filter(owner_id__in=scope.organisation_ids)
    return qs


def _listed(request: HttpRequest):
    """The list as the request asks: (queues, queue, form, rows filtered and ordered, sort)."""
    user, scope = request.user, scope_for(request.user)
    queues = [(k, label) for k, label in QUEUES if k != "ours" or scope.is_resolver]
    queue = request.GET.get("queue", "open")
    if queue not in dict(queues):
        queue = "open"
    form = FilterForm(request.GET or None, user=user)
    qs = _queue(queries.visible_to(user), queue, scope)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"] == "open":
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif data["status"]:
            qs = qs.filter(status=data["status"])
        if data["service"] is not None:
            qs = qs.filter(service=data["service"])
        if data["known"]:
            qs = qs.filter(is_known=True)
        qs = queries.search(qs, data["q"] or "")
    sort = lists.SORTING.valid(request.GET.get("sort"))
    qs = lists.SORTING.apply(qs, sort) if sort else qs.order_by("-created_at", "-id")
    return queues, queue, form, qs, sort


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    queues, queue, form, qs, sort = _listed(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {k: v[:200] for k, v in request.GET.items() if k not in ("queue", "page", "format") and v}
    context = {
        "page": page,
        "form": form,
        "queue": queue,
        "queues": [
            {"key": k, "label": label, "url": "?" + urlencode({"queue": k, **filters})} for k, label in queues
        ],
        "extra_qs": urlencode({"queue": queue, **filters}),
        "can_raise": permissions.can_raise(scope) is None,
        "headers": lists.SORTING.headers({"queue": queue, **filters}, current=sort),
        "sort": sort,
        "saved_filters": saved_filters(request.user, "problem_list"),
        "list_key": "problem_list",
        "filter_query": urlencode({"queue": queue, **filters}),
    }
    if request.htmx and request.htmx.target == "rows":
        context["oob_tools"] = True  # the saved filters' and exports' links follow the new filter
        return render(request, "problems/_rows.html", context)
    return render(request, "problems/problem_list.html", context)


@login_required
def problem_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered and sorted, as CSV or XLSX (``?format=``), streamed in constant memory."""
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        text = "format: choose csv or xlsx"
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    _, _, _, qs, _ = _listed(request)
    return export.response(lists.export_rows(qs), lists.COLUMNS, fmt=fmt, stem="problems")


@login_required
def problem_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    reason = permissions.can_raise(scope)
    if reason:
        return render(request, "core/forbidden.html", {"reason": reason}, status=403)
    initial = {"incidents": request.GET.get("incidents", "")[:2000]}
    form = ProblemForm(request.POST or None, user=request.user, desk=scope.is_desk, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                problem = form.submit(Actor.from_request(request))
            except ActionError as exc:
                if exc.field and exc.field.startswith("incidents["):
                    exc.field = "incidents"
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else 422
            else:
                messages.success(request, f"{problem.reference} recorded.")
                return redirect("problem_detail", reference=problem.reference)
    return render(request, "problems/problem_form.html", {"form": form}, status=status)


def _problem_or_404(request: HttpRequest, reference: str) -> Problem:
    qs = record_queries.with_watching(queries.visible_to(request.user), request.user)
    return get_object_or_404(qs.select_related("raised_by"), reference=reference.upper())


def _panel(verb: str, form: PageForm, problem: Problem) -> dict:
    return {"verb": verb, "form": form, "url": reverse("problem_action", args=[problem.reference, verb])}


def _detail_context(request: HttpRequest, problem: Problem, bound: dict | None = None) -> dict:
    user, scope = request.user, scope_for(request.user)
    verbs = permissions.available(scope, problem)
    forms = {v: PAGE_FORMS[v](prefix=v, problem=problem) for v in verbs}
    forms.update(bound or {})
    works = queries.works_on(user, problem)
    entries = list(record_queries.entries_visible_to(user, problem).select_related("author"))
    links = record_queries.links_visible_to(user, problem)
    return {
        "problem": problem,
        "works": works,
        "entries": entries,
        "links": links,
        "incident_links": [s for s in links if s.record_type.kind == "incident"],
        "other_links": [s for s in links if s.record_type.kind != "incident"],
        "panels": [_panel(v, forms[v], problem) for v in STATUS_VERBS if v in forms],
        "root_cause_form": forms.get("root-cause") and _panel("root-cause", forms["root-cause"], problem),
        "link_form": forms.get("link") and _panel("link", forms["link"], problem),
        "update_form": forms.get("update") and _panel("update", forms["update"], problem),
        "watch": {"reference": problem.reference, "watching": record_queries.is_watching(user, problem)},
        "timeline": record_queries.timeline(user, problem, works=works),
    }


@login_required
def problem_detail(request: HttpRequest, reference: str) -> HttpResponse:
    problem = _problem_or_404(request, reference)
    return render(request, "problems/problem_detail.html", _detail_context(request, problem))


@login_required
@post_form(lambda reference, verb: reverse("problem_detail", args=[reference]) + f"#do-{verb}")
def problem_action(request: HttpRequest, reference: str, verb: str) -> HttpResponse:
    if verb not in PAGE_FORMS:
        raise Http404("No such action")
    problem = _problem_or_404(request, reference)
    form = PAGE_FORMS[verb](request.POST, prefix=verb, problem=problem)
    message, status = run_action_form(form, Actor.from_request(request))
    if message is not None:
        messages.success(request, message)
        return redirect("problem_detail", reference=problem.reference)
    # Nothing was written: the page as it stands, with the form as typed if it is still offered.
    problem = _problem_or_404(request, reference)
    if verb in permissions.available(scope_for(request.user), problem):
        context = _detail_context(request, problem, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _detail_context(request, problem)
    return render(request, "problems/problem_detail.html", context, status=status)


@login_required
@require_POST
def link_incident(request: HttpRequest, reference: str) -> HttpResponse:
    """One step from an incident's page: link it to this (known) problem, then back to the incident."""
    problem = _problem_or_404(request, reference)
    incident = request.POST.get("incident", "")[:30]
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = reverse("problem_detail", args=[problem.reference])
    try:
        actions.link_incidents(actor=Actor.from_request(request), problem=problem, incidents=[incident])
    except ActionError as exc:
        messages.error(request, exc.message)
        if isinstance(exc, NotPermitted):
            return redirect(back)
    else:
        messages.success(request, f"{incident.upper()} is linked to {problem.reference}.")
    return redirect(back)
