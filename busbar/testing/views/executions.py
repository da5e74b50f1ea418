"""Pages: a phase's executions (list, export, record form), one execution with its evidence, runs with
their JUnit upload, and the requirements traceability matrix.

Every page reads through :mod:`busbar.testing.queries` (what the viewer may not see is a 404) and offers
only what :mod:`busbar.testing.permissions` allows; the actions check again.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse

from busbar.lib import export
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, parse_id
from busbar.lib.postback import post_form
from busbar.testing import permissions, queries, rtm
from busbar.testing.access import access_for
from busbar.testing.actions import executions as actions
from busbar.testing.api.executions import evidence_file, junit_content
from busbar.testing.forms.executions import (
    EvidenceForm,
    ExecutionFilterForm,
    JUnitForm,
    RecordForm,
    RtmFilterForm,
    RunForm,
    files_for_action,
)
from busbar.testing.models import Environment, Execution, Pairing, Phase, Result, Run

PAGE_SIZE = 50
_SUMMARY_KEY = "testing_junit_summary"


def phase_tabs(request: HttpRequest, phase: Phase) -> list:
    """The phase hub's tabs (busbar.testing.tabs, the set-up area's)."""
    from busbar.testing import tabs

    return tabs.phase_tabs(phase)


def _phase(request: HttpRequest, programme: str, phase: str) -> Phase:
    return get_object_or_404(queries.phases_visible_to(request.user), programme__code=programme, code=phase)


def _recordable(request: HttpRequest, phase: Phase) -> list:
    """The phase's participations the viewer may record results for (its own, or any for the SI)."""
    access = access_for(request.user)
    candidates = queries.participations_visible_to(request.user).filter(phase=phase)
    return [p for p in candidates if permissions.can_record(access, p) is None]


def _context(request: HttpRequest, phase: Phase, current: str, **extra) -> dict:
    return {
        "phase": phase,
        "programme": phase.programme,
        "tabs": phase_tabs(request, phase),
        "current": current,
        **extra,
    }


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "core/forbidden.html", {"reason": reason}, status=403)


# Executions -----------------------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    export.Column("Id", lambda e: e.pk),
    export.Column("Scenario", lambda e: e.scenario.code),
    export.Column("Scenario title", lambda e: e.scenario.title),
    export.Column("Script version", lambda e: e.script_version.version),
    export.Column("Participant", lambda e: e.participation.organisation.name),
    export.Column("Role", lambda e: e.participation.role.label),
    export.Column("Result", lambda e: e.get_result_display()),
    export.Column("Executed at ({zone})", lambda e: e.executed_at),
    export.Column("Week", lambda e: e.week.isoformat()),
    export.Column("First execution", lambda e: e.is_first),
    export.Column("Environment", lambda e: e.environment.name if e.environment_id else ""),
    export.Column("Run", lambda e: e.run_id),
    export.Column("Retest of", lambda e: e.retest_of_id),
    export.Column("Duration (ms)", lambda e: e.duration_ms),
    export.Column("Test case", lambda e: e.external_id),
    export.Column("Notes", lambda e: e.notes),
]


def _listed(request: HttpRequest, phase: Phase):
    qs = queries.executions_visible_to(request.user).filter(phase=phase)
    participations = list(queries.participations_visible_to(request.user).filter(phase=phase))
    access = access_for(request.user)
    if not access.reads_all(phase.programme_id):
        participations = [p for p in participations if access.is_member(p.organisation_id)]
    scenarios = list(
        queries.scenarios_visible_to(request.user)
        .filter(phase=phase)
        .select_related(None)
        .only("pk", "code", "title")
    )
    form = ExecutionFilterForm(request.GET or None, participations=participations, scenarios=scenarios)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("participation"):
            qs = qs.filter(participation_id=data["participation"])
        if data.get("scenario"):
            qs = qs.filter(scenario_id=data["scenario"])
        if data.get("result"):
            qs = qs.filter(result=data["result"])
        if data.get("week"):
            day = data["week"]
            qs = qs.filter(week=day - dt.timedelta(days=day.weekday()))
    return form, qs.order_by("-executed_at", "-id")


@login_required
def execution_list(request: HttpRequest, programme: str, phase: str) -> HttpResponse:
    phase_obj = _phase(request, programme, phase)
    form, qs = _listed(request, phase_obj)
    fmt = request.GET.get("format")
    if fmt:
        if fmt not in export.FORMATS:
            return HttpResponse(
                "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
            )
        return export.response(
            qs, EXPORT_COLUMNS, fmt=fmt, stem=f"executions-{phase_obj.programme.code}-{phase_obj.code}"
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {k: v[:200] for k, v in request.GET.items() if k not in ("page", "format") and v}
    return render(
        request,
        "testing/executions/list.html",
        _context(
            request,
            phase_obj,
            "executions",
            page=page,
            form=form,
            extra_qs=urlencode(filters),
            can_record=bool(_recordable(request, phase_obj)),
        ),
    )


def _record_choices(request: HttpRequest, phase: Phase) -> dict:
    return {
        "participations": _recordable(request, phase),
        "scenarios": list(phase.scenarios.filter(is_active=True).order_by("code")),
        "environments": list(Environment.objects.filter(programme_id=phase.programme_id)),
        "pairings": list(
            Pairing.objects.filter(phase=phase, ended_at__isnull=True).select_related(
                "supplier__organisation", "agent__organisation"
            )
        ),
    }


@login_required
def execution_record(request: HttpRequest, programme: str, phase: str) -> HttpResponse:
    phase_obj = _phase(request, programme, phase)
    choices = _record_choices(request, phase_obj)
    if not choices["participations"]:
        access = access_for(request.user)
        own = queries.participations_visible_to(request.user).filter(phase=phase_obj).first()
        reason = permissions.can_record(access, own) if own else "You take no part in this phase"
        return _forbidden(request, reason or "You may not record results here")
    scenarios = {s.pk: s for s in choices["scenarios"]}
    chosen = request.POST.get("scenario") or request.GET.get("scenario")
    scenario = scenarios.get(parse_id(chosen))
    initial = {"scenario": scenario.pk} if scenario else {}
    form = RecordForm(request.POST or None, request.FILES or None, initial=initial, **choices)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            participation = next(
                (p for p in choices["participations"] if p.pk == data["participation"]), None
            )
            try:
                if participation is None:
                    raise ActionError("Choose a participant you may record for", field="participation")
                execution = actions.record_execution(
                    actor=Actor.from_request(request),
                    participation=participation,
                    scenario=scenarios[data["scenario"]],
                    result=data["result"],
                    environment=next(
                        (e for e in choices["environments"] if e.pk == data["environment"]), None
                    ),
                    pairing=next((p for p in choices["pairings"] if p.pk == data.get("pairing")), None),
                    executed_at=data["executed_at"],
                    notes=data["notes"],
                    evidence=files_for_action(data["evidence"]),
                )
            except ActionError as exc:
                if exc.field and exc.field.startswith("evidence["):
                    exc.field = "evidence"
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(
                    request, f"{execution.scenario.code}: {execution.get_result_display()} recorded."
                )
                return redirect("testing_execution", pk=execution.pk)
    version = scenario.current_version if scenario and scenario.current_version_id else None
    return render(
        request,
        "testing/executions/record.html",
        _context(
            request,
            phase_obj,
            "executions",
            form=form,
            scenario=scenario,
            version=version,
            scenarios=choices["scenarios"],
        ),
        status=status,
    )


def _execution(request: HttpRequest, pk: int) -> Execution:
    qs = queries.executions_visible_to(request.user).select_related(
        "phase__programme",
        "pairing__supplier__organisation",
        "pairing__agent__organisation",
        "run",
        "recorded_by",
    )
    return get_object_or_404(qs, pk=pk)


def _issue_link(execution: Execution) -> str | None:
    """The issues area's "raise a testing issue" page for this execution, if that page exists."""
    for kwargs in (
        {"programme": execution.phase.programme.code, "phase": execution.phase.code},
        {"programme": execution.phase.programme.code},
        {},
    ):
        try:
            return reverse("testing_issue_create", kwargs=kwargs) + f"?execution={execution.pk}"
        except NoReverseMatch:
            continue
    return None


def _detail(
    request: HttpRequest, execution: Execution, evidence_form: EvidenceForm | None = None, status: int = 200
):
    access = access_for(request.user)
    may_add = permissions.can_add_evidence(access, execution) is None
    raise_reason = permissions.can_raise_issue(access, execution.phase, execution.participation)
    context = _context(
        request,
        execution.phase,
        "executions",
        execution=execution,
        evidence=list(
            queries.evidence_visible_to(request.user).filter(execution=execution).order_by("created_at", "id")
        ),
        retests=list(
            queries.executions_visible_to(request.user).filter(retest_of=execution).order_by("executed_at")
        ),
        evidence_form=(evidence_form or EvidenceForm()) if may_add else None,
        issue_url=_issue_link(execution)
        if raise_reason is None and execution.result != Result.PASSED
        else None,
        steps=[s for s in (execution.script_version.steps or []) if isinstance(s, dict)],
    )
    return render(request, "testing/executions/detail.html", context, status=status)


@login_required
def execution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _execution(request, pk))


@login_required
@post_form(lambda pk: reverse("testing_execution", args=[pk]))
def execution_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    execution = _execution(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            saved = actions.add_evidence(
                actor=Actor.from_request(request),
                execution=execution,
                files=files_for_action(form.cleaned_data["files"], "files"),
            )
        except ActionError as exc:
            if exc.field and exc.field.startswith("files["):
                exc.field = "files"
            add_action_error(form, exc)
            return _detail(
                request, execution, form, status=403 if isinstance(exc, NotPermitted) else exc.status
            )
        messages.success(request, f"{len(saved)} evidence file{'s' if len(saved) != 1 else ''} added.")
        return redirect("testing_execution", pk=execution.pk)
    if permissions.can_add_evidence(access_for(request.user), execution) is not None:
        return _forbidden(request, permissions.can_add_evidence(access_for(request.user), execution))
    return _detail(request, execution, form, status=422)


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(
        queries.evidence_visible_to(request.user).filter(execution__isnull=False), pk=pk
    )
    return evidence_file(evidence)


# Runs ------------------------------------------------------------------------------------------------------


def _runs(request: HttpRequest):
    return (
        queries.runs_visible_to(request.user)
        .select_related("participation__role", "created_by")
        .annotate(
            n_executions=Count("executions"),
            n_passed=Count("executions", filter=Q(executions__result=Result.PASSED)),
            n_failed=Count("executions", filter=Q(executions__result=Result.FAILED)),
        )
    )


@login_required
def run_list(request: HttpRequest, programme: str, phase: str) -> HttpResponse:
    phase_obj = _phase(request, programme, phase)
    qs = _runs(request).filter(phase=phase_obj).order_by("-created_at", "-id")
    fmt = request.GET.get("format")
    if fmt:
        if fmt not in export.FORMATS:
            return HttpResponse(
                "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
            )
        columns = [
            export.Column("Id", lambda r: r.pk),
            export.Column("Title", lambda r: r.title),
            export.Column("Participant", lambda r: r.participation.organisation.name),
            export.Column("Environment", lambda r: r.environment.name if r.environment_id else ""),
            export.Column("Created at ({zone})", lambda r: r.created_at),
            export.Column("Executions", lambda r: r.n_executions),
            export.Column("Passed", lambda r: r.n_passed),
            export.Column("Failed", lambda r: r.n_failed),
        ]
        return export.response(qs, columns, fmt=fmt, stem=f"runs-{phase_obj.programme.code}-{phase_obj.code}")
    participations = _recordable(request, phase_obj)
    form = None
    if participations:
        form = RunForm(
            participations=participations,
            environments=list(Environment.objects.filter(programme_id=phase_obj.programme_id)),
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "testing/executions/runs.html", _context(request, phase_obj, "runs", page=page, form=form)
    )


@login_required
@post_form(lambda programme, phase: reverse("testing_runs", args=[programme, phase]))
def run_create(request: HttpRequest, programme: str, phase: str) -> HttpResponse:
    phase_obj = _phase(request, programme, phase)
    participations = _recordable(request, phase_obj)
    if not participations:
        return _forbidden(request, "You may not start runs in this phase")
    environments = list(Environment.objects.filter(programme_id=phase_obj.programme_id))
    form = RunForm(request.POST, participations=participations, environments=environments)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            run = actions.create_run(
                actor=Actor.from_request(request),
                participation=next(p for p in participations if p.pk == data["participation"]),
                title=data["title"],
                environment=next((e for e in environments if e.pk == data["environment"]), None),
            )
        except ActionError as exc:
            add_action_error(form, exc)
            status = 403 if isinstance(exc, NotPermitted) else exc.status
        else:
            messages.success(request, f"Run “{run.title}” started: upload its JUnit file here.")
            return redirect("testing_run", pk=run.pk)
    qs = _runs(request).filter(phase=phase_obj).order_by("-created_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(1)
    return render(
        request,
        "testing/executions/runs.html",
        _context(request, phase_obj, "runs", page=page, form=form),
        status=status,
    )


def _run(request: HttpRequest, pk: int) -> Run:
    return get_object_or_404(_runs(request).select_related("phase__programme", "environment"), pk=pk)


def _run_page(
    request: HttpRequest, run: Run, form: JUnitForm | None = None, status: int = 200
) -> HttpResponse:
    access = access_for(request.user)
    may_import = permissions.can_record_run(access, run) is None
    executions = queries.executions_visible_to(request.user).filter(run=run).order_by("-executed_at", "-id")
    page = Paginator(executions, PAGE_SIZE).get_page(request.GET.get("page"))
    summary = request.session.pop(f"{_SUMMARY_KEY}_{run.pk}", None) if hasattr(request, "session") else None
    return render(
        request,
        "testing/executions/run.html",
        _context(
            request,
            run.phase,
            "runs",
            run=run,
            page=page,
            form=(form or JUnitForm()) if may_import else None,
            summary=summary,
        ),
        status=status,
    )


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_page(request, _run(request, pk))


@login_required
@post_form(lambda pk: reverse("testing_run", args=[pk]))
def run_junit(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    form = JUnitForm(request.POST, request.FILES)
    if not form.is_valid():
        if permissions.can_record_run(access_for(request.user), run) is not None:
            return _forbidden(request, permissions.can_record_run(access_for(request.user), run))
        return _run_page(request, run, form, status=422)
    try:
        summary = actions.import_junit(
            actor=Actor.from_request(request), run=run, content=junit_content(request)
        )
    except ActionError as exc:
        if isinstance(exc, NotPermitted):
            return _forbidden(request, exc.message)
        add_action_error(form, exc)
        return _run_page(request, run, form, status=exc.status)
    except Exception as exc:  # an HttpError from reading the upload (415/413)
        from ninja.errors import HttpError

        if not isinstance(exc, HttpError):
            raise
        form.add_error("file", str(exc.message))
        return _run_page(request, run, form, status=exc.status_code)
    request.session[f"{_SUMMARY_KEY}_{run.pk}"] = summary
    messages.success(
        request, f"{summary['created']:,} executions recorded from {summary['cases']:,} test cases."
    )
    return redirect("testing_run", pk=run.pk)


# The traceability matrix ----------------------------------------------------------------------------------


@login_required
def rtm_page(request: HttpRequest, programme: str, phase: str) -> HttpResponse:
    phase_obj = _phase(request, programme, phase)
    access = access_for(request.user)
    reads_all = access.reads_all(phase_obj.programme_id)
    interfaces = sorted(
        {
            i
            for i in phase_obj.scenarios.filter(is_active=True)
            .exclude(interface="")
            .values_list("interface", flat=True)
        }
    )
    form = RtmFilterForm(
        request.GET or None,
        cohorts=list(phase_obj.cohorts.all()) if reads_all else [],
        roles=list(phase_obj.programme.participant_roles.all()) if reads_all else [],
        interfaces=interfaces,
    )
    filters = rtm.Filters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = rtm.Filters(
            cohort=data.get("cohort") if reads_all else None,
            role=data.get("role") if reads_all else None,
            interface=data.get("interface") or "",
            requirement=data.get("requirement") or "",
        )
    if request.GET.get("format") == "xlsx":
        return rtm.xlsx_response(request.user, phase_obj, filters)
    try:
        number = max(1, min(int(request.GET.get("page", "1")), 100_000))
    except ValueError:
        number = 1
    m = rtm.matrix(request.user, phase_obj, filters, offset=(number - 1) * rtm.PAGE_SIZE, limit=rtm.PAGE_SIZE)
    pages = max(1, -(-m.count // rtm.PAGE_SIZE))
    query = {k: v[:200] for k, v in request.GET.items() if k not in ("page", "format") and v}
    return render(
        request,
        "testing/executions/rtm.html",
        _context(
            request,
            phase_obj,
            "rtm",
            matrix=m,
            form=form,
            reads_all=reads_all,
            number=min(number, pages),
            pages=pages,
            prev_qs=urlencode({**query, "page": number - 1}) if number > 1 else None,
            next_qs=urlencode({**query, "page": number + 1}) if number < pages else None,
            export_qs=urlencode({**query, "format": "xlsx"}),
            columns=[(p, rtm.column_label(p)) for p in m.columns],
            # Links to executions from a prefix made once (not a {% url %} per cell: 10,000 cells a page).
            execution_prefix=reverse("testing_execution", args=[0]).removesuffix("0/"),
        ),
    )


urlpatterns = [
    path("testing/executions/<int:pk>/", execution_detail, name="testing_execution"),
    path("testing/executions/<int:pk>/evidence/", execution_evidence, name="testing_execution_evidence"),
    path("testing/evidence/<int:pk>/", evidence_download, name="testing_evidence_download"),
    path("testing/runs/<int:pk>/", run_detail, name="testing_run"),
    path("testing/runs/<int:pk>/junit/", run_junit, name="testing_run_junit"),
    path("testing/<slug:programme>/<slug:phase>/executions/", execution_list, name="testing_executions"),
    path(
        "testing/<slug:programme>/<slug:phase>/executions/record/",
        execution_record,
        name="testing_execution_record",
    ),
    path("testing/<slug:programme>/<slug:phase>/runs/", run_list, name="testing_runs"),
    path("testing/<slug:programme>/<slug:phase>/runs/new/", run_create, name="testing_run_create"),
    path("testing/<slug:programme>/<slug:phase>/rtm/", rtm_page, name="testing_rtm"),
]
