"""Pages: a phase's progress (figures, glide-path chart, first-time pass ratio, open issues by category and
age, readiness; CSV/XLSX of the readiness and glide-path tables; the SI's glide-path plan), one participant's
progress, the completion reports (list, generate, one report with its submit/decide forms, its PDF).

What the viewer may not see is a 404 (busbar.testing.queries); the figures are those the viewer may see
(a participant its own only); forms are offered only where busbar.testing.permissions allows them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from busbar.lib import export
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, run_action_form
from busbar.lib.postback import post_form
from busbar.testing import figures, permissions, queries
from busbar.testing.access import access_for
from busbar.testing.api.reports import allowed, pdf_response
from busbar.testing.forms.reports import REPORT_FORMS, GenerateForm, GlidePlanForm
from busbar.testing.models import CompletionReport, GlidePoint, Participation, Phase

PAGE_SIZE = 50


class Rows:
    """A computed table handed to busbar.lib.export (which reads rows with ``.iterator()``)."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def iterator(self, chunk_size: int = 0):
        return iter(self.rows)


READINESS_COLUMNS = [
    export.Column("Participant", lambda r: r.participation.organisation.name),
    export.Column("Role", lambda r: r.participation.role.label),
    export.Column("Cohort", lambda r: r.participation.cohort.name if r.participation.cohort else ""),
    export.Column("Mandatory", lambda r: r.participation.mandatory),
    export.Column("Entry status", lambda r: r.participation.get_status_display()),
    export.Column("Grace period until", lambda r: r.grace_until.isoformat() if r.grace_until else ""),
    export.Column("Applicable", lambda r: r.member.applicable if r.member else 0),
    export.Column("Passed", lambda r: r.member.passed if r.member else 0),
    export.Column("% passed", lambda r: float(r.member.pct_passed) if r.member else 0.0),
    export.Column("Complete", lambda r: r.complete),
    export.Column("Open category 1–2 issues", lambda r: r.open_cat12),
]
GLIDE_COLUMNS = [
    export.Column("Week starting", lambda w: w.week.isoformat()),
    export.Column("Planned executed", lambda w: w.planned_executed),
    export.Column("Actual executed", lambda w: None if w.future else w.actual_executed),
    export.Column("Planned passed", lambda w: w.planned_passed),
    export.Column("Actual passed", lambda w: None if w.future else w.actual_passed),
    export.Column("Executions in the week", lambda w: w.executions),
    export.Column("Passes in the week", lambda w: w.passes),
]
REPORT_COLUMNS = [
    export.Column("Id", lambda r: r.pk),
    export.Column("Title", lambda r: r.title),
    export.Column("Participant", lambda r: r.participation.organisation.name if r.participation_id else ""),
    export.Column("Version", lambda r: r.version),
    export.Column("Status", lambda r: r.get_status_display()),
    export.Column("Generated ({zone})", lambda r: r.generated_at),
    export.Column("Decided ({zone})", lambda r: r.decided_at),
    export.Column("Decision note", lambda r: r.decision_note),
]


def _phase(request: HttpRequest, programme: str, phase: str) -> Phase:
    return get_object_or_404(queries.phases_visible_to(request.user), programme__code=programme, code=phase)


def _tabs(phase: Phase) -> list:
    from busbar.testing import tabs

    return tabs.phase_tabs(phase)


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "core/forbidden.html", {"reason": reason}, status=403)


def _export(request: HttpRequest, rep: figures.Report, stem: str) -> HttpResponse | None:
    fmt = request.GET.get("format")
    if not fmt:
        return None
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    table = request.GET.get("table", "readiness")
    if table == "glide":
        return export.response(Rows(rep.glide.weeks), GLIDE_COLUMNS, fmt=fmt, stem=f"{stem}-glide-path")
    return export.response(Rows(rep.readiness), READINESS_COLUMNS, fmt=fmt, stem=f"{stem}-readiness")


def _progress_page(
    request: HttpRequest,
    phase: Phase,
    participation: Participation | None,
    plan_form: GlidePlanForm | None = None,
    status: int = 200,
) -> HttpResponse:
    access = access_for(request.user)
    rep = figures.for_viewer(access, phase, participation)
    stem = f"{phase.programme.code}-{phase.code}" + (f"-{participation.pk}" if participation else "")
    exported = _export(request, rep, stem)
    if exported is not None:
        return exported
    chart = rep.glide.chart()
    can_plan = participation is None and permissions.can_manage_programme(access, phase.programme) is None
    if can_plan and plan_form is None:
        points = GlidePoint.objects.filter(phase=phase).order_by("week")
        initial = "\n".join(f"{p.week.isoformat()}, {p.planned_executed}, {p.planned_passed}" for p in points)
        plan_form = GlidePlanForm(phase=phase, initial={"plan": initial})
    context = {
        "phase": phase,
        "programme": phase.programme,
        "tabs": _tabs(phase),
        "current": "progress",
        "rep": rep,
        "participation": participation,
        "chart_svg": chart.lines(),
        "chart_table": chart.table(caption="Glide path by week"),
        "threshold": phase.pass_threshold,
        "plan_form": plan_form if can_plan else None,
        "reads_all": rep.whole_phase,
    }
    template = "testing/reports/participant.html" if participation else "testing/reports/progress.html"
    return render(request, template, context, status=status)


@login_required
def progress_page(request: HttpRequest, programme: str, phase: str) -> HttpResponse:
    return _progress_page(request, _phase(request, programme, phase), None)


@login_required
def participant_report(request: HttpRequest, programme: str, phase: str, participation: int) -> HttpResponse:
    phase_obj = _phase(request, programme, phase)
    access = access_for(request.user)
    part = get_object_or_404(
        queries.participations_visible_to(request.user).filter(phase=phase_obj), pk=participation
    )
    if not (access.reads_all(phase_obj.programme_id) or access.is_member(part.organisation_id)):
        raise Http404("No such participant")
    return _progress_page(request, phase_obj, part)


@login_required
@post_form(lambda programme, phase: reverse("testing_progress", args=[programme, phase]) + "#plan")
def glide_plan(request: HttpRequest, programme: str, phase: str) -> HttpResponse:
    phase_obj = _phase(request, programme, phase)
    reason = permissions.can_manage_programme(access_for(request.user), phase_obj.programme)
    if reason:
        return _forbidden(request, reason)
    form = GlidePlanForm(request.POST, phase=phase_obj)
    status = 422
    if form.is_valid():
        try:
            form.submit(Actor.from_request(request))
        except ActionError as exc:
            add_action_error(form, exc)
            status = 403 if isinstance(exc, NotPermitted) else exc.status
        else:
            messages.success(request, "Glide-path plan saved.")
            return redirect("testing_progress", programme=programme, phase=phase)
    return _progress_page(request, phase_obj, None, plan_form=form, status=status)


# -- reports -------------------------------------------------------------------------------------------


def _writable(request: HttpRequest, phase: Phase) -> tuple[bool, list[Participation]]:
    """(may write the phase's report, the participations whose reports the viewer may write)."""
    access = access_for(request.user)
    whole = permissions.can_write_report(access, phase) is None
    parts = [
        p for p in figures.scope(access, phase) if permissions.can_write_report(access, phase, p) is None
    ]
    return whole, parts


@login_required
def report_list(request: HttpRequest, programme: str, phase: str) -> HttpResponse:
    phase_obj = _phase(request, programme, phase)
    qs = (
        queries.reports_visible_to(request.user)
        .filter(phase=phase_obj)
        .select_related("participation__organisation", "generated_by", "decided_by")
        .order_by("participation_id", "-version", "-id")
    )
    fmt = request.GET.get("format")
    if fmt:
        if fmt not in export.FORMATS:
            return HttpResponse(
                "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
            )
        return export.response(
            qs, REPORT_COLUMNS, fmt=fmt, stem=f"{phase_obj.programme.code}-{phase_obj.code}-reports"
        )
    whole, parts = _writable(request, phase_obj)
    form = None
    status = 200
    if whole or parts:
        form = GenerateForm(request.POST or None, phase=phase_obj, choices=parts, whole_phase=whole)
    if request.method == "POST":
        if form is None:
            return _forbidden(
                request, permissions.can_write_report(access_for(request.user), phase_obj) or ""
            )
        status = 422
        if form.is_valid():
            try:
                report = form.submit(Actor.from_request(request))
            except ActionError as exc:
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(request, f"Version {report.version} generated as a draft.")
                return redirect("testing_report", pk=report.pk)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "phase": phase_obj,
        "programme": phase_obj.programme,
        "tabs": _tabs(phase_obj),
        "current": "reports",
        "page": page,
        "form": form,
    }
    return render(request, "testing/reports/list.html", context, status=status)


def _report(request: HttpRequest, pk: int) -> CompletionReport:
    qs = queries.reports_visible_to(request.user).select_related(
        "phase__programme",
        "phase__owner",
        "participation__organisation",
        "generated_by",
        "decided_by",
        "generated_by_organisation",
        "decided_by_organisation",
    )
    return get_object_or_404(qs, pk=pk)


def _report_context(request: HttpRequest, report: CompletionReport, bound: dict | None = None) -> dict:
    verbs = allowed(access_for(request.user), report)
    forms = {}
    if "submit" in verbs:
        forms["submit"] = REPORT_FORMS["submit"](prefix="submit", report=report)
    if "approve" in verbs:
        forms["decide"] = REPORT_FORMS["decide"](prefix="decide", report=report)
    forms.update(bound or {})
    return {
        "report": report,
        "c": report.content,
        "phase": report.phase,
        "programme": report.phase.programme,
        "tabs": _tabs(report.phase),
        "current": "reports",
        "panels": [
            {"verb": v, "form": f, "url": reverse("testing_report_action", args=[report.pk, v])}
            for v, f in forms.items()
        ],
    }


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    return render(request, "testing/reports/report.html", _report_context(request, report))


@login_required
@post_form(lambda pk, verb: reverse("testing_report", args=[pk]))
def report_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if verb not in REPORT_FORMS:
        raise Http404("No such action")
    report = _report(request, pk)
    form = REPORT_FORMS[verb](request.POST, prefix=verb, report=report)
    message, status = run_action_form(form, Actor.from_request(request))
    if message is not None:
        messages.success(request, message)
        return redirect("testing_report", pk=report.pk)
    report = _report(request, pk)
    return render(
        request, "testing/reports/report.html", _report_context(request, report, {verb: form}), status=status
    )


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return pdf_response(_report(request, pk), request)


urlpatterns = [
    path("testing/reports/<int:pk>/", report_detail, name="testing_report"),
    path("testing/reports/<int:pk>/pdf/", report_pdf, name="testing_report_pdf"),
    path("testing/reports/<int:pk>/<slug:verb>/", report_action, name="testing_report_action"),
    path("testing/<slug:programme>/<slug:phase>/progress/", progress_page, name="testing_progress"),
    path("testing/<slug:programme>/<slug:phase>/progress/plan/", glide_plan, name="testing_glide_plan"),
    path(
        "testing/<slug:programme>/<slug:phase>/progress/<int:participation>/",
        participant_report,
        name="testing_participant_report",
    ),
    path("testing/<slug:programme>/<slug:phase>/reports/", report_list, name="testing_reports"),
]
