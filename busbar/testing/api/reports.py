"""API: progress figures, the glide path and its plan, and Test Completion Reports.

Reads start from :mod:`busbar.testing.queries` (a phase, participation or report the caller may not see is
a 404); the figures are those the caller may see (:func:`busbar.testing.figures.for_viewer`: a participant
gets its own only). Changes go through :mod:`busbar.testing.actions.reports` (403 refused, 409 a status
change the table forbids, 422 bad input naming the field or the plan's line).
"""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import Actor, IllegalTransition
from busbar.lib.pagination import Page
from busbar.lib.pdf import PdfError
from busbar.lib.problems import problem_response, transition_refused
from busbar.lib.schema import Day, Id, IdPath, InputSchema, Line, Text
from busbar.testing import completion, figures, permissions, queries
from busbar.testing.access import access_for
from busbar.testing.actions import reports as actions
from busbar.testing.models import REPORT_TRANSITIONS, CompletionReport, Participation, Phase, ReportStatus

router = Router(tags=["Testing: reports"])


# -- shapes --------------------------------------------------------------------------------------------


class ProgressMemberOut(Schema):
    participation: int
    organisation: str
    role: str
    cohort: str | None
    status: str
    applicable: int
    passed: int
    failed: int
    blocked: int
    not_run: int
    pct_passed: float
    complete: bool


class ProgressCohortOut(Schema):
    cohort: str | None
    complete: bool
    applicable: int
    passed: int
    pct_passed: float
    members: list[ProgressMemberOut]


class ProgressTotalsOut(Schema):
    applicable: int
    executed: int
    passed: int
    failed: int
    blocked: int
    not_run: int
    pct_passed: float


class FirstTimePassOut(Schema):
    start: dt.datetime
    end: dt.datetime
    start_label: str
    end_label: str
    first_executions: int
    passed_first_time: int
    ratio: float | None = Field(..., description="Per cent passed first time; null without first executions")


class IssueAgeRowOut(Schema):
    category: int | None = Field(..., description="1–4; null: not yet triaged")
    label: str
    buckets: list[int]
    total: int


class IssueAgesOut(Schema):
    buckets: list[str]
    rows: list[IssueAgeRowOut]
    total: int


class ReadinessRowOut(Schema):
    participation: int
    organisation: str
    cohort: str | None
    status: str
    grace_until: dt.date | None
    pct_passed: float
    complete: bool
    open_cat1_2: int


class GlideWeekOut(Schema):
    week: dt.date
    planned_executed: int
    planned_passed: int
    actual_executed: int | None
    actual_passed: int | None
    executions: int
    passes: int


class GlidePathOut(Schema):
    phase: int
    total: int = Field(..., description="Applicable mandatory scenario × participant results")
    plan: str = Field(..., description="points: the SI's plan; line: a straight line across the window")
    weeks: list[GlideWeekOut]


class ProgressOut(Schema):
    phase: int
    participation: int | None
    whole_phase: bool = Field(..., description="False: only the caller's own participations are counted")
    totals: ProgressTotalsOut
    cohorts: list[ProgressCohortOut]
    first_time_pass: FirstTimePassOut
    open_issues: IssueAgesOut
    readiness: list[ReadinessRowOut]


class ReportSummary(Schema):
    id: int
    phase: int
    participation: int | None
    organisation: str | None
    version: int
    title: str
    status: ReportStatus
    generated_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_phase(obj: CompletionReport) -> int:
        return obj.phase_id

    @staticmethod
    def resolve_participation(obj: CompletionReport) -> int | None:
        return obj.participation_id

    @staticmethod
    def resolve_organisation(obj: CompletionReport) -> str | None:
        return obj.participation.organisation.name if obj.participation_id else None


class ReportDetail(ReportSummary):
    summary: str
    exceptions: str
    decision_note: str
    content: dict[str, Any]
    pdf_url: str
    allowed_actions: list[str] = Field(..., description="What the caller may do now: submit, approve, reject")

    @staticmethod
    def resolve_pdf_url(obj: CompletionReport) -> str:
        return f"/api/v1/testing/reports/{obj.pk}/pdf"

    @staticmethod
    def resolve_allowed_actions(obj: CompletionReport, context: dict[str, Any]) -> list[str]:
        return allowed(access_for(context["request"].user), obj)


class ReportIn(InputSchema):
    participation: Id | None = Field(None, description="A participant's own report; none: the phase's")
    title: Line = ""
    summary: Text = ""
    exceptions: Text = ""


class ReportEmptyIn(InputSchema):
    pass


class ReportDecisionIn(InputSchema):
    approve: bool
    note: Text = ""


class GlidePointIn(Schema):
    week: Day  # a Monday (refused otherwise, naming the line)
    planned_executed: int = Field(..., ge=0, le=actions.MAX_PLANNED)
    planned_passed: int = Field(..., ge=0, le=actions.MAX_PLANNED)


class GlidePlanIn(InputSchema):
    points: list[GlidePointIn] = Field(..., max_length=actions.MAX_POINTS)


# -- helpers -------------------------------------------------------------------------------------------


def allowed(access, report: CompletionReport) -> list[str]:
    """What ``access`` may do to ``report`` now (its status and the permission rules)."""
    out = []
    nxt = REPORT_TRANSITIONS.get(report.status, set())
    if (
        ReportStatus.SUBMITTED in nxt
        and permissions.can_write_report(access, report.phase, report.participation) is None
    ):
        out.append("submit")
    if ReportStatus.APPROVED in nxt and permissions.can_decide_report(access, report) is None:
        out += ["approve", "reject"]
    return out


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _phase(request: HttpRequest, pk: int) -> Phase:
    return get_object_or_404(queries.phases_visible_to(request.user), pk=pk)


def _report(request: HttpRequest, pk: int) -> CompletionReport:
    qs = queries.reports_visible_to(request.user).select_related(
        "phase__owner", "generated_by", "decided_by", "participation__organisation"
    )
    return get_object_or_404(qs, pk=pk)


def _member(m, threshold) -> dict:
    p = m.participation
    return {
        "participation": p.pk,
        "organisation": p.organisation.name,
        "role": p.role.label,
        "cohort": p.cohort.name if p.cohort else None,
        "status": p.status,
        "applicable": m.applicable,
        "passed": m.passed,
        "failed": m.failed,
        "blocked": m.blocked,
        "not_run": m.not_run,
        "pct_passed": float(m.pct_passed),
        "complete": m.complete(threshold),
    }


def glide_out(phase: Phase, glide: figures.GlidePath) -> dict:
    return {
        "phase": phase.pk,
        "total": glide.total,
        "plan": glide.plan,
        "weeks": [
            {
                "week": w.week,
                "planned_executed": w.planned_executed,
                "planned_passed": w.planned_passed,
                "actual_executed": None if w.future else w.actual_executed,
                "actual_passed": None if w.future else w.actual_passed,
                "executions": w.executions,
                "passes": w.passes,
            }
            for w in glide.weeks
        ],
    }


def progress_out(rep: figures.Report) -> dict:
    phase = rep.phase
    threshold = phase.pass_threshold
    prog = rep.progress
    cohorts = []
    for g in prog.cohorts:
        t = prog.cohort_totals.get(g.cohort.pk if g.cohort else None) or figures.Totals()
        cohorts.append(
            {
                "cohort": g.cohort.name if g.cohort else None,
                "complete": g.complete,
                "applicable": t.applicable,
                "passed": t.passed,
                "pct_passed": float(t.pct_passed),
                "members": [_member(m, threshold) for m in g.members],
            }
        )
    t = prog.totals
    ftp = rep.ftp
    return {
        "phase": phase.pk,
        "participation": rep.participation.pk if rep.participation else None,
        "whole_phase": rep.whole_phase,
        "totals": {
            "applicable": t.applicable,
            "executed": t.executed,
            "passed": t.passed,
            "failed": t.failed,
            "blocked": t.blocked,
            "not_run": t.not_run,
            "pct_passed": float(t.pct_passed),
        },
        "cohorts": cohorts,
        "first_time_pass": {
            "start": ftp.start,
            "end": ftp.end,
            "start_label": ftp.start_label,
            "end_label": ftp.end_label,
            "first_executions": ftp.first,
            "passed_first_time": ftp.passed,
            "ratio": float(ftp.ratio) if ftp.ratio is not None else None,
        },
        "open_issues": {
            "buckets": rep.ages.headings,
            "rows": [
                {"category": r.category, "label": r.label, "buckets": r.buckets, "total": r.total}
                for r in rep.ages.rows
            ],
            "total": rep.ages.total,
        },
        "readiness": [
            {
                "participation": r.participation.pk,
                "organisation": r.participation.organisation.name,
                "cohort": r.participation.cohort.name if r.participation.cohort else None,
                "status": r.participation.status,
                "grace_until": r.grace_until,
                "pct_passed": float(r.member.pct_passed) if r.member else 0.0,
                "complete": r.complete,
                "open_cat1_2": r.open_cat12,
            }
            for r in rep.readiness
        ],
    }


def participation_in_scope(request: HttpRequest, pk: int) -> Participation:
    """A participation whose figures the caller may see (its own, or any for those who read the whole
    programme); otherwise a 404."""
    access = access_for(request.user)
    part = get_object_or_404(queries.participations_visible_to(request.user), pk=pk)
    if not (access.reads_all(part.phase.programme_id) or access.is_member(part.organisation_id)):
        raise Http404("No such participation")
    return part


# -- endpoints -----------------------------------------------------------------------------------------


@router.get("/testing/phases/{phase_id}/progress", response=ProgressOut, summary="A phase's progress figures")
def phase_progress(request: HttpRequest, phase_id: IdPath) -> dict:
    phase = _phase(request, phase_id)
    return progress_out(figures.for_viewer(access_for(request.user), phase))


@router.get(
    "/testing/phases/{phase_id}/glide-path", response=GlidePathOut, summary="Planned and actual per week"
)
def glide_path(request: HttpRequest, phase_id: IdPath) -> dict:
    phase = _phase(request, phase_id)
    access = access_for(request.user)
    whole = figures.reads_whole_phase(access, phase)
    parts = list(figures.scope(access, phase))
    return glide_out(phase, figures.glide_path(phase, parts, whole_phase=whole))


@router.get(
    "/testing/participations/{participation_id}/progress",
    response=ProgressOut,
    summary="One participant's progress figures",
)
def participation_progress(request: HttpRequest, participation_id: IdPath) -> dict:
    part = participation_in_scope(request, participation_id)
    return progress_out(figures.for_viewer(access_for(request.user), part.phase, part))


@router.put(
    "/testing/phases/{phase_id}/glide-plan", response=GlidePathOut, summary="Set the glide-path plan (SI)"
)
def set_glide_plan(request: HttpRequest, phase_id: IdPath, payload: GlidePlanIn) -> dict:
    phase = _phase(request, phase_id)
    points = [(p.week, p.planned_executed, p.planned_passed) for p in payload.points]
    actions.set_glide_plan(actor=_actor(request), phase=phase, points=points)
    return glide_out(phase, figures.glide_path(phase))


@router.get("/testing/phases/{phase_id}/reports", response=list[ReportSummary], summary="Completion reports")
@paginate(Page)
def list_reports(request: HttpRequest, phase_id: IdPath) -> Any:
    phase = _phase(request, phase_id)
    return (
        queries.reports_visible_to(request.user)
        .filter(phase=phase)
        .order_by("participation_id", "-version", "-id")
    )


@router.post(
    "/testing/phases/{phase_id}/reports", response={201: ReportDetail}, summary="Generate a completion report"
)
def create_report(request: HttpRequest, phase_id: IdPath, payload: ReportIn) -> Status:
    from busbar.lib.actions import ActionError

    phase = _phase(request, phase_id)
    participation = None
    if payload.participation is not None:
        participation = (
            queries.participations_visible_to(request.user)
            .filter(pk=payload.participation, phase=phase)
            .first()
        )
        if participation is None:
            raise ActionError(
                f"No participation {payload.participation} in this phase", field="participation"
            )
    report = actions.generate_report(
        actor=_actor(request),
        phase=phase,
        participation=participation,
        title=payload.title,
        summary=payload.summary,
        exceptions=payload.exceptions,
    )
    return Status(201, _report(request, report.pk))


@router.get("/testing/reports/{report_id}", response=ReportDetail, summary="One completion report")
def get_report(request: HttpRequest, report_id: IdPath) -> CompletionReport:
    return _report(request, report_id)


def _change(request: HttpRequest, report_id: int, func, **kwargs) -> Any:
    report = _report(request, report_id)
    try:
        func(actor=_actor(request), report=report, **kwargs)
    except IllegalTransition as exc:
        current = CompletionReport.objects.filter(pk=report.pk).values_list("status", flat=True).get()
        return transition_refused(request, exc, current=current, allowed=REPORT_TRANSITIONS.get(current, ()))
    return _report(request, report_id)


@router.post("/testing/reports/{report_id}/submit", response=ReportDetail, summary="Submit for approval")
def submit_report(request: HttpRequest, report_id: IdPath, payload: ReportEmptyIn) -> Any:
    return _change(request, report_id, actions.submit_report)


@router.post("/testing/reports/{report_id}/decision", response=ReportDetail, summary="Approve or not")
def decide_report(request: HttpRequest, report_id: IdPath, payload: ReportDecisionIn) -> Any:
    return _change(request, report_id, actions.decide_report, approve=payload.approve, note=payload.note)


@router.get("/testing/reports/{report_id}/pdf", summary="The report as a PDF")
def report_pdf(request: HttpRequest, report_id: IdPath) -> HttpResponse:
    return pdf_response(_report(request, report_id), request)


def pdf_response(report: CompletionReport, request: HttpRequest) -> HttpResponse:
    try:
        body = completion.render_pdf(report)
    except PdfError as exc:
        # The report's content cannot be typeset (e.g. larger than the renderer takes): say so, never a 500.
        return problem_response(request, status=422, title="The PDF could not be made", detail=exc.message)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{completion.pdf_filename(report)}"'
    response["Cache-Control"] = "no-store"
    return response
