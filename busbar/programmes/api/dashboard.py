"""API: the programmes a person sees with their headline figures, a programme's dashboard (the figures of
the dashboard page, as the caller may see them) and a meeting's pack (its data as JSON, and the PDF).

Read only. A programme or meeting the caller cannot see is a 404 (a problem), like one that does not exist.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from busbar.lib.pagination import Page
from busbar.lib.pdf import PdfError
from busbar.lib.problems import problem_response
from busbar.programmes import dashboard, pack, queries

router = Router(tags=["Programmes: dashboard"])

ProgrammePath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
GroupPath = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")]
NumberPath = Annotated[int, Path(ge=1, le=100_000)]
_PDF_CONTENT = {"*/*": {"schema": {"type": "string", "format": "binary"}}}


# -- output ----------------------------------------------------------------------------------------------


class GovDashPhaseRagOut(Schema):
    code: str
    name: str
    rag: str = Field(..., description='red, amber, green, complete or "" (not rated)')


class GovDashNextMilestoneOut(Schema):
    code: str
    name: str
    date: dt.date = Field(..., description="Its forecast date, else its baseline date")


class GovProgrammeSummaryOut(Schema):
    code: str
    name: str
    phases: list[GovDashPhaseRagOut]
    next_milestone: GovDashNextMilestoneOut | None = Field(
        ..., description="The earliest milestone not yet achieved whose date is today or later"
    )
    open_raid: int = Field(..., description="Open RAID items the caller may see")
    open_actions: int
    overdue_actions: int
    dashboard_url: str


class GovDashPhaseOut(Schema):
    code: str
    name: str
    start: dt.date | None
    end: dt.date | None
    rag: str
    rag_reason: str
    milestones: int
    late: int = Field(..., description="Milestones of the phase forecast later than baseline")
    achieved: int


class GovDashMilestoneOut(Schema):
    code: str
    name: str
    kind: str
    baseline_date: dt.date | None
    forecast_date: dt.date | None
    actual_date: dt.date | None
    delta_working_days: int | None = Field(..., description="Forecast (or actual) minus baseline")
    rag: str
    rationale: str
    regulatory: bool
    achieved: bool
    overdue: bool


class GovDashVarianceOut(Schema):
    compared: int = Field(..., description="Milestones with a baseline and a forecast or actual date")
    late: int
    pct_late: Decimal | None
    mean_slip: Decimal | None = Field(..., description="Mean working days late of the late milestones")


class GovDashSeriesOut(Schema):
    key: str
    name: str
    values: list[int]


class GovDashTrendOut(Schema):
    week_ends: list[dt.date]
    series: list[GovDashSeriesOut]


class GovDashRaidKindOut(Schema):
    kind: str
    label: str
    by_rag: dict[str, int] = Field(..., description='Open items per RAG ("" is not rated)')
    total: int
    exposure: int


class GovDashRaidOpenOut(Schema):
    rows: list[GovDashRaidKindOut]
    total: int
    exposure: int


class GovDashRaidItemOut(Schema):
    ref: str = Field(..., description="R<number> in the programme's RAID log")
    reference: str
    kind: str
    title: str
    theme: str
    phase: str
    likelihood: int | None
    impact: int | None
    exposure: int
    rag: str
    owner: str
    is_public: bool
    raised_on: dt.date


class GovDashCountOut(Schema):
    key: str
    label: str
    count: int


class GovDashActionsOut(Schema):
    open: int
    overdue: int
    ageing: list[GovDashCountOut]
    by_status: list[GovDashCountOut]


class GovDashCrAgeingOut(Schema):
    criticality: str
    buckets: list[int]


class GovDashCrOut(Schema):
    total: int
    issued: int = Field(..., description="Every status but draft")
    open: int
    by_status: list[GovDashCountOut]
    by_criticality: list[GovDashCountOut]
    pct_approved: Decimal | None
    pct_rejected: Decimal | None
    pct_on_hold: Decimal | None
    late: int
    with_needed_by: int
    pct_late: Decimal | None
    age_headings: list[str]
    ageing: list[GovDashCrAgeingOut]


class GovDashMetricOut(Schema):
    key: str
    area: str
    label: str
    value: str
    detail: str
    rule: str


class GovDashRisksOut(Schema):
    total: int
    open: int
    closed: int
    converted: int
    exposure: int
    oldest_open: dt.date | None
    ageing: list[GovDashCountOut]


class GovDashboardOut(Schema):
    programme: dict[str, str]
    as_of: dt.date
    phases: list[GovDashPhaseOut]
    milestones_due: list[GovDashMilestoneOut]
    milestones_overdue: list[GovDashMilestoneOut]
    variance_to_baseline: GovDashVarianceOut
    raid_trend: GovDashTrendOut
    raid_open: GovDashRaidOpenOut
    risks: GovDashRisksOut
    top_exposures: list[GovDashRaidItemOut]
    actions: GovDashActionsOut
    change_requests: GovDashCrOut
    metrics: list[GovDashMetricOut]
    not_supported: list[str] = Field(..., description="GV-40 metrics the data cannot support")
    rules: dict[str, str] = Field(..., description="What each figure counts")


class GovPackCoverOut(Schema):
    title: str
    group: str
    group_name: str
    number: int
    extraordinary: bool
    date: dt.date
    start_time: str
    location: str
    version: str
    document_ref: str
    classification: str
    classification_line: str
    status: str


class GovPackAgendaItemOut(Schema):
    position: int
    title: str
    objective: str
    type: str
    type_label: str
    lead: str
    start: str
    minutes: int
    time: str = Field(..., description='The slot and its duration, e.g. "10:05-10:10 5 mins"')
    taken_as_read: bool
    standing: bool
    section: str | None = Field(
        ..., description="minutes, updates, wg, summary or topic: the pack content the item introduces"
    )


class GovMeetingPackOut(Schema):
    schema_version: int
    programme: dict[str, str]
    cover: GovPackCoverOut
    generated_at: str
    agenda: list[GovPackAgendaItemOut]
    decisions_needed: list[dict[str, Any]]
    previous_meeting: dict[str, Any] | None
    minutes: dict[str, Any]
    actions: dict[str, Any]
    decisions: dict[str, Any]
    raid: dict[str, Any]
    milestones: dict[str, Any]
    working_groups: dict[str, Any]
    roadmap: dict[str, Any]
    appendix: dict[str, Any]


# -- helpers ---------------------------------------------------------------------------------------------


def _programme(request: HttpRequest, code: str):
    found = queries.programmes_visible_to(request.user).filter(code=code).first()
    if found is None:
        raise HttpError(404, "No such programme")
    return found


def _meeting(request: HttpRequest, programme: str, group: str, number: int):
    prog = _programme(request, programme)
    meeting = pack.meeting_for(request.user, prog, group, number)
    if meeting is None:
        raise HttpError(404, "No such meeting")
    return meeting


class _Summaries:
    """The visible programmes as the paginator slices them: only the page's rows are computed."""

    def __init__(self, request: HttpRequest) -> None:
        self.user = request.user
        self.today = dashboard.london_today()
        self.qs = (
            queries.programmes_visible_to(request.user)
            .annotate(**dashboard.next_milestone_annotations(self.today))
            .order_by("name", "id")
        )

    def __len__(self) -> int:
        return self.qs.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        rows = dashboard.home_rows(self.user, list(self.qs[window]), self.today)
        return [
            {
                **{k: row[k] for k in ("code", "name", "phases", "next_milestone", "open_raid")},
                "open_actions": row["open_actions"],
                "overdue_actions": row["overdue_actions"],
                "dashboard_url": dashboard.url_or_blank("programmes_dashboard", programme=row["code"]),
            }
            for row in rows
        ]


def dashboard_out(board: dashboard.Dashboard) -> dict[str, Any]:
    columns = [c["rag"] for c in board.raid["columns"]]
    crs = board.crs
    return {
        "programme": {"code": board.programme.code, "name": board.programme.name},
        "as_of": board.today,
        "phases": board.phases,
        "milestones_due": [m.as_dict() for m in board.due],
        "milestones_overdue": [m.as_dict() for m in board.overdue],
        "variance_to_baseline": board.variance,
        "raid_trend": {"week_ends": board.trend["ends"], "series": board.trend["series"]},
        "raid_open": {
            "rows": [
                {**r, "by_rag": dict(zip(columns, r["by_rag"], strict=True))} for r in board.raid["rows"]
            ],
            "total": board.raid["total"],
            "exposure": board.raid["exposure"],
        },
        "risks": {
            **{
                k: board.risks[k] for k in ("total", "open", "closed", "converted", "exposure", "oldest_open")
            },
            "ageing": [{"key": b["label"], **b} for b in board.risks["ageing"]],
        },
        "top_exposures": board.top,
        "actions": {
            "open": board.actions["open"],
            "overdue": board.actions["overdue"],
            "ageing": [{"key": b["label"], **b} for b in board.actions["buckets"]],
            "by_status": [{"key": s["status"], **s} for s in board.actions["by_status"]],
        },
        "change_requests": {
            **crs,
            "by_status": [{"key": s["status"], **s} for s in crs["by_status"]],
            "by_criticality": [{"key": c["criticality"], **c} for c in crs["by_criticality"]],
        },
        "metrics": board.metrics,
        "not_supported": list(board.not_supported),
        "rules": board.rules,
    }


def pack_pdf_response(request: HttpRequest, meeting) -> HttpResponse:
    """The meeting's pack as a PDF download; a pack the renderer cannot typeset is a 422 problem."""
    data = pack.build(meeting, request.user)
    try:
        body = pack.render_pdf(data)
    except PdfError as exc:
        return problem_response(request, status=422, title="The PDF could not be made", detail=exc.message)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pack.pdf_filename(meeting)}"'
    response["Cache-Control"] = "no-store"
    return response


# -- endpoints -------------------------------------------------------------------------------------------


@router.get(
    "/programmes",
    response=list[GovProgrammeSummaryOut],
    summary="The programmes you see, with their headline figures",
)
@paginate(Page)
def list_programmes(request: HttpRequest) -> Any:
    return _Summaries(request)


@router.get(
    "/programmes/{programme}/dashboard",
    response=GovDashboardOut,
    summary="A programme's dashboard figures, as you may see them",
)
def programme_dashboard(request: HttpRequest, programme: ProgrammePath) -> dict[str, Any]:
    prog = _programme(request, programme)
    return dashboard_out(dashboard.build(request.user, prog))


@router.get(
    "/programmes/{programme}/groups/{group}/meetings/{number}/pack",
    response=GovMeetingPackOut,
    summary="A meeting's pack, as data",
)
def meeting_pack(request: HttpRequest, programme: ProgrammePath, group: GroupPath, number: NumberPath) -> Any:
    meeting = _meeting(request, programme, group, number)
    return pack.for_json(pack.build(meeting, request.user))


@router.get(
    "/programmes/{programme}/groups/{group}/meetings/{number}/pack.pdf",
    summary="A meeting's pack as a PDF",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "The PDF", "content": _PDF_CONTENT}}},
)
def meeting_pack_pdf(
    request: HttpRequest, programme: ProgrammePath, group: GroupPath, number: NumberPath
) -> HttpResponse:
    return pack_pdf_response(request, _meeting(request, programme, group, number))
