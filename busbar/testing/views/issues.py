"""Pages: testing issues — the programme's list (filters, sort, CSV/XLSX export), the SI's triage board, the
assurers' triage-fairness report, raising an issue (from a failed execution), and the issue's page with the
forms :func:`busbar.testing.permissions.available_on_issue` offers.

Every read goes through :mod:`busbar.testing.queries` (an issue or programme outside them is a 404); every
change through :mod:`busbar.testing.actions.issues`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from busbar.lib import export
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, form_errors, parse_id, run_action_form
from busbar.lib.postback import post_form
from busbar.lib.svgchart import Chart, Series
from busbar.records import queries as record_queries
from busbar.testing import permissions, queries, triage
from busbar.testing.access import access_for
from busbar.testing.forms.issues import (
    PAGE_FORMS,
    STATUS_VERBS,
    FilterForm,
    RaiseForm,
    field_of,
)
from busbar.testing.issue_lists import (
    COLUMNS,
    SORTING,
    fairness_reason,
    filter_issues,
    programme_organisations,
)
from busbar.testing.models import (
    EscalationImpact,
    IssueCategory,
    IssueStatus,
    PhaseStatus,
    Programme,
    Result,
    RootCause,
    TestingIssue,
)
from busbar.testing.triage import ready_since

PAGE_SIZE = 50


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "core/forbidden.html", {"reason": reason}, status=403)


def _programme_or_404(request: HttpRequest, code: str) -> Programme:
    return get_object_or_404(queries.programmes_visible_to(request.user), code=code[:40])


def _listed(request: HttpRequest, programme: Programme):
    phases = list(queries.phases_visible_to(request.user).filter(programme=programme).order_by("order", "id"))
    form = FilterForm(request.GET or None, phases=phases, organisations=programme_organisations(programme))
    qs = queries.issues_visible_to(request.user).filter(programme=programme)
    if form.is_valid():
        qs = filter_issues(qs, form.cleaned_data)
    sort = SORTING.valid(request.GET.get("sort"))
    qs = SORTING.apply(qs, sort) if sort else qs.order_by("-created_at", "-id")
    return form, qs, sort


def _filters(request: HttpRequest) -> dict[str, str]:
    return {k: v[:200] for k, v in request.GET.items() if k not in ("page", "format") and v}


@login_required
def issue_list(request: HttpRequest, programme: str) -> HttpResponse:
    prog = _programme_or_404(request, programme)
    form, qs, sort = _listed(request, prog)
    fmt = request.GET.get("format")
    if fmt:
        if fmt not in export.FORMATS:
            return HttpResponse(
                "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
            )
        return export.response(qs, COLUMNS, fmt=fmt, stem=f"{prog.code}-testing-issues")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = _filters(request)
    access = access_for(request.user)
    context = {
        "programme": prog,
        "page": page,
        "form": form,
        "headers": SORTING.headers({k: v for k, v in filters.items() if k != "sort"}, current=sort),
        "extra_qs": urlencode(filters),
        "export_qs": urlencode({k: v for k, v in filters.items()}),
        "can_raise": access.is_si(prog.pk),
        "sees_fairness": fairness_reason(access, prog) is None,
    }
    return render(request, "testing/issues/list.html", context)


def _owner_choices(programme: Programme) -> list[tuple[int, str]]:
    """Who may be given the fix (never an assurer): queries.work_owners."""
    return [(o.pk, o.name) for o in queries.work_owners(programme.pk).order_by("name")]


@login_required
def issue_board(request: HttpRequest, programme: str) -> HttpResponse:
    """The SI's triage board: untriaged first, by category, ageing by criticality, escalated items."""
    prog = _programme_or_404(request, programme)
    access = access_for(request.user)
    issues = queries.issues_visible_to(request.user).filter(programme=prog)
    phase_code = request.GET.get("phase", "")[:40]
    if phase_code:
        issues = issues.filter(phase__code=phase_code)
    columns = triage.board(issues)
    may_triage = permissions.can_triage(access, TestingIssue(programme=prog)) is None
    context = {
        "programme": prog,
        "columns": columns,
        "matrix": triage.category_by_root_cause(issues),
        "ageing": triage.ageing(issues),
        "may_triage": may_triage,
        "owners": _owner_choices(prog) if may_triage else [],
        "categories": IssueCategory.choices,
        "root_causes": RootCause.choices,
        "phase_code": phase_code,
        "sees_fairness": fairness_reason(access, prog) is None,
    }
    return render(request, "testing/issues/board.html", context)


@login_required
def triage_fairness(request: HttpRequest, programme: str) -> HttpResponse:
    prog = _programme_or_404(request, programme)
    reason = fairness_reason(access_for(request.user), prog)
    if reason:
        return _forbidden(request, reason)
    report = triage.fairness(prog.pk, queries.issues_visible_to(request.user))
    chart = None
    charted = [r for r in report.owners if r.kind != triage.UNASSIGNED]
    if charted:
        chart = Chart(
            title="Median hours to triage and to resolve, by owner",
            labels=[r.label[:24] for r in charted],
            series=[
                Series("Hours to triage", [r.median_hours_to_triage or 0 for r in charted]),
                Series("Hours to resolve", [r.median_hours_to_resolve or 0 for r in charted]),
            ],
            description="How quickly each owner organisation's testing issues were triaged and resolved.",
            label_heading="Owner",
            key="fairness",
        )
    context = {
        "programme": prog,
        "report": report,
        "chart_svg": chart.bars() if chart else "",
        "chart_table": chart.table() if chart else "",
        "sees_fairness": True,
    }
    return render(request, "testing/issues/fairness.html", context)


# -- raising -------------------------------------------------------------------------------------------


@login_required
def issue_create(request: HttpRequest, programme: str) -> HttpResponse:
    """Raise a testing issue; ``?execution=<id>`` raises it from that failed execution."""
    prog = _programme_or_404(request, programme)
    access = access_for(request.user)
    execution = None
    execution_id = parse_id(request.GET.get("execution") or request.POST.get("execution"))
    if execution_id is not None:
        execution = get_object_or_404(
            queries.executions_visible_to(request.user).select_related("phase", "phase__programme"),
            pk=execution_id,
            phase__programme=prog,
        )
    phases = queries.phases_visible_to(request.user).filter(programme=prog).exclude(status=PhaseStatus.CLOSED)
    if execution is not None:
        reason = permissions.can_raise_issue(access, execution.phase, execution.participation)
        if reason is None and execution.result not in (Result.FAILED, Result.BLOCKED):
            reason = "A testing issue is raised from a failed or blocked execution"
            messages.error(request, reason)
            return redirect("testing_issues", programme=prog.code)
    else:
        first = phases.first()
        reason = (
            permissions.can_raise_issue(access, first, None)
            if first is not None
            else "The programme has no open phase"
        )
    if reason:
        return _forbidden(request, reason)
    form = RaiseForm(
        request.POST or None,
        request.FILES or None,
        phases=phases,
        participations=queries.participations_visible_to(request.user).filter(phase__programme=prog),
        scenarios=queries.scenarios_visible_to(request.user).filter(phase__programme=prog),
        execution=execution,
        initial={"phase": phases.first()} if execution is None else None,
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                issue = form.submit(Actor.from_request(request))
            except ActionError as exc:
                if exc.field:
                    exc.field = field_of(exc.field)
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(request, f"{issue.reference} raised.")
                return redirect("testing_issue_detail", reference=issue.reference)
    context = {"programme": prog, "form": form, "execution": execution}
    return render(request, "testing/issues/create.html", context, status=status)


# -- the issue page ------------------------------------------------------------------------------------


def _issue_or_404(request: HttpRequest, reference: str) -> TestingIssue:
    qs = record_queries.with_watching(queries.issues_visible_to(request.user), request.user)
    return get_object_or_404(
        qs.select_related("raised_by", "scenario", "execution", "retest_execution"),
        reference=reference.upper()[:20],
    )


def _form_extras(request: HttpRequest, issue: TestingIssue, verbs: list[str]) -> dict[str, dict]:
    extras: dict[str, dict] = {}
    if "triage" in verbs:
        extras["triage"] = {"owners": queries.work_owners(issue.programme_id).order_by("name")}
    if "retest" in verbs:
        retests = queries.executions_visible_to(request.user).filter(phase=issue.phase)
        if issue.scenario_id:
            retests = retests.filter(scenario_id=issue.scenario_id)
        if issue.participation_id:
            retests = retests.filter(participation_id=issue.participation_id)
        if issue.execution_id:
            retests = retests.exclude(pk=issue.execution_id)
        since = ready_since(issue)
        if since is not None:
            retests = retests.filter(created_at__gte=since, executed_at__gte=since)
        # The form validates against a queryset (a sliced one cannot be filtered); it shows the newest 50.
        newest = list(retests.order_by("-executed_at", "-id").values_list("pk", flat=True)[:50])
        extras["retest"] = {"retests": retests.filter(pk__in=newest).order_by("-executed_at", "-id")}
    if "update" in verbs:
        extras["update"] = {"may_note": "note" in verbs}
    return extras


#: How a decision's changed values read: field -> {value: label}.
VALUE_LABELS = {
    "status": dict(IssueStatus.choices),
    "root_cause": dict(RootCause.choices),
    "category": {c: f"Category {c}" for c in IssueCategory.values},
    "escalation_impact": dict(EscalationImpact.choices),
}
FIELD_LABELS = {"root_cause": "Root cause", "escalation_impact": "Impact"}


DECISION_KINDS = {
    "triage": "Triage",
    "start_fix": "Fix started",
    "ready_for_retest": "Ready for retest",
    "retest": "Retest",
    "escalate": "Escalation",
    "determine": "Determination",
    "exclude": "Excluded",
    "accept": "Accepted with workaround",
    "withdraw": "Withdrawn",
    "reopen": "Reopened",
}


def _value_label(name: str, value: object) -> object:
    if value is None or value == "":
        return "—"
    return VALUE_LABELS.get(name, {}).get(value, value)


def shown_decisions(decisions) -> list:
    """The decisions with ``kind_label`` and ``shown``: (field, before, after) in words."""
    out = []
    for d in decisions:
        d.kind_label = DECISION_KINDS.get(d.kind, d.kind)
        d.shown = [
            (
                FIELD_LABELS.get(k, k.replace("_", " ").capitalize()),
                _value_label(k, v[0]),
                _value_label(k, v[1]),
            )
            for k, v in d.changes.items()
            if isinstance(v, list) and len(v) == 2
        ]
        out.append(d)
    return out


def _panel(verb: str, form, issue: TestingIssue) -> dict:
    return {"verb": verb, "form": form, "url": reverse("testing_issue_action", args=[issue.reference, verb])}


def _detail_context(request: HttpRequest, issue: TestingIssue, bound: dict | None = None) -> dict:
    user = request.user
    access = access_for(user)
    verbs = permissions.available_on_issue(access, issue)
    extras = _form_extras(request, issue, verbs)
    forms = {v: PAGE_FORMS[v](prefix=v, issue=issue, **extras.get(v, {})) for v in verbs if v in PAGE_FORMS}
    forms.update(bound or {})
    works = queries.works_on(user, issue)
    entries, attachments = record_queries.conversation_visible_to(user, issue)
    decisions = shown_decisions(
        issue.decisions.select_related("decided_by", "decided_by_organisation").order_by("decided_at", "id")
    )
    return {
        "issue": issue,
        "works": works,
        "entries": entries,
        "attachments": [a for a in attachments if a.entry_id is None],
        "links": record_queries.links_visible_to(user, issue),
        "decisions": decisions,
        "panels": [_panel(v, forms[v], issue) for v in STATUS_VERBS if v in forms],
        "update_form": forms.get("update") and _panel("update", forms["update"], issue),
        "watch": {"reference": issue.reference, "watching": record_queries.is_watching(user, issue)},
        "timeline": record_queries.timeline(user, issue, works=works),
        "allowed": verbs,
        # The executions behind the issue, shown only to those who may see them (the owner of a fix may
        # not read another participant's results).
        "shown_executions": set(
            queries.executions_visible_to(user)
            .filter(pk__in=[pk for pk in (issue.execution_id, issue.retest_execution_id) if pk])
            .values_list("pk", flat=True)
        ),
    }


@login_required
def issue_detail(request: HttpRequest, reference: str) -> HttpResponse:
    issue = _issue_or_404(request, reference)
    return render(request, "testing/issues/detail.html", _detail_context(request, issue))


def _back_to_board(issue: TestingIssue) -> str:
    return reverse("testing_issue_board", kwargs={"programme": issue.programme.code}) + f"#card-{issue.pk}"


@login_required
@post_form(lambda reference, verb: reverse("testing_issue_detail", args=[reference]) + f"#do-{verb}")
def issue_action(request: HttpRequest, reference: str, verb: str) -> HttpResponse:
    if verb not in PAGE_FORMS:
        raise Http404("No such action")
    issue = _issue_or_404(request, reference)
    from_board = request.POST.get("back") == "board"
    extras = _form_extras(request, issue, [verb] + (["note"] if verb == "update" else []))
    if verb == "update":
        extras["update"]["may_note"] = permissions.can_note_issue(access_for(request.user), issue) is None
    form = PAGE_FORMS[verb](request.POST, request.FILES, prefix=verb, issue=issue, **extras.get(verb, {}))
    message, status = run_action_form(form, Actor.from_request(request), field_of=field_of)
    if message is not None:
        messages.success(request, message)
        if from_board:
            return redirect(_back_to_board(issue))
        return redirect("testing_issue_detail", reference=issue.reference)
    if from_board:
        for error in form_errors(form):
            messages.error(request, f"{issue.reference}: {error}")
        return redirect(_back_to_board(issue))
    # Nothing was written: the page as it stands, with the form as typed if it is still offered.
    issue = _issue_or_404(request, reference)
    if verb in permissions.available_on_issue(access_for(request.user), issue):
        context = _detail_context(request, issue, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _detail_context(request, issue)
    return render(request, "testing/issues/detail.html", context, status=status)


@login_required
def issue_attachment(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """A file of the issue, through the issue's visibility (internal ones to those who work it)."""
    issue = get_object_or_404(queries.issues_visible_to(request.user), reference=reference.upper()[:20])
    attachment = get_object_or_404(record_queries.attachments_visible_to(request.user, issue), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )


urlpatterns = [
    path("testing/issues/<str:reference>/", issue_detail, name="testing_issue_detail"),
    path(
        "testing/issues/<str:reference>/attachments/<int:pk>/",
        issue_attachment,
        name="testing_issue_attachment",
    ),
    path("testing/issues/<str:reference>/<slug:verb>/", issue_action, name="testing_issue_action"),
    path("testing/<slug:programme>/issues/", issue_list, name="testing_issues"),
    path("testing/<slug:programme>/issues/board/", issue_board, name="testing_issue_board"),
    path("testing/<slug:programme>/issues/fairness/", triage_fairness, name="testing_triage_fairness"),
    path("testing/<slug:programme>/issues/new/", issue_create, name="testing_issue_create"),
]
