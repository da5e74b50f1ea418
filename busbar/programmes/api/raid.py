"""API: a programme's RAID log (digest §5.3) — the list (filters, sort, pagination), its figures, CSV/XLSX
export, raising, one item with what the caller may do now, editing, updates, close, reopen, public or
private, converting a risk into an issue, and the spreadsheet import with its preview and template.

Every read starts from :func:`busbar.programmes.queries.raid_visible_to` (a programme or item outside it
is a 404: a participant reads the public items and its own organisation's); every change goes through
:mod:`busbar.programmes.actions.raid`. A status change the table forbids is a 409 naming the current
status and the allowed ones.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib import export
from busbar.lib.actions import ActionError, Actor, IllegalTransition, refuse
from busbar.lib.pagination import Page
from busbar.lib.problems import problem_response, transition_refused
from busbar.lib.schema import Day, Id, InputSchema, Ref, RefPath, SearchText, Text
from busbar.lib.tabular import MAX_BYTES, ImportRefused
from busbar.parties.models import Organisation
from busbar.programmes import permissions, queries, raid_import, raid_lists
from busbar.programmes.actions import raid as actions
from busbar.programmes.models import (
    RAID_TRANSITIONS,
    Level,
    Manageable,
    Milestone,
    PlanPhase,
    RaidItem,
    RaidKind,
    RaidStatus,
)
from busbar.records import queries as record_queries
from busbar.records.api import EntryOut, LinkedOut, linked
from busbar.testing.access import access_for
from busbar.testing.models import Programme

router = Router(tags=["Programmes: RAID"])

ProgrammePath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
KindValue = Literal[tuple(RaidKind.values)]  # type: ignore[valid-type]
StatusValue = Literal[tuple(RaidStatus.values)]  # type: ignore[valid-type]
LevelValue = Literal[tuple(Level.values)]  # type: ignore[valid-type]
ManageableValue = Literal[tuple(Manageable.values)]  # type: ignore[valid-type]
RagValue = Literal["", "red", "amber", "green"]
Score = Annotated[int, Field(ge=1, le=5)]
Title = Annotated[str, Field(max_length=300)]
Theme = Annotated[str, Field(max_length=80)]
Short = Annotated[str, Field(max_length=300)]
PhaseCode = Annotated[str, Field(min_length=1, max_length=40, description="The plan phase's code")]
MilestoneCode = Annotated[
    str, Field(min_length=1, max_length=20, description="The milestone's code, e.g. M14")
]
_FILE_CONTENT = {"*/*": {"schema": {"type": "string", "format": "binary"}}}  # CSV or XLSX


# -- output ---------------------------------------------------------------------------------------------


class GovRaidPhaseRef(Schema):
    code: str
    name: str


class GovRaidItemOut(Schema):
    reference: str = Field(..., description="The record's reference, e.g. RAID0000003")
    ref: str = Field(..., description="The number in the programme's log, e.g. R3")
    number: int
    programme: str = Field(..., description="The programme's code")
    kind: KindValue  # type: ignore[valid-type]
    title: str
    theme: str
    phase: GovRaidPhaseRef | None
    activities: str = Field(
        ..., description="Planned mitigating (risk) / resolving (issue) activities; commentary"
    )
    impact_text: str = Field(..., description="Potential (risk) or current (issue) impact")
    impact_level: str
    uncertainty: str = Field(..., description="An assumption's uncertainty")
    manageable: str = Field(..., description="A dependency's Manageable?")
    impacting_milestone: str | None
    impacting_activity: str
    impacted_milestone: str | None
    impacted_activity: str
    external_ref: str
    likelihood: int | None
    impact_score: int | None
    exposure: int = Field(..., description="likelihood × impact score, 0 until both are scored")
    rag: str
    rag_legend: str = Field(..., description="What the RAG means for this type (GV-21)")
    owner_organisation: Ref | None
    owner_label: str
    is_public: bool
    status: StatusValue  # type: ignore[valid-type]
    raised_on: dt.date
    closed_on: dt.date | None
    age_days: int = Field(..., description="Days open (to the closing date once closed)")
    url: str

    @staticmethod
    def resolve_ref(obj: RaidItem) -> str:
        return obj.display_ref

    @staticmethod
    def resolve_programme(obj: RaidItem) -> str:
        return obj.programme.code

    @staticmethod
    def resolve_phase(obj: RaidItem) -> dict | None:
        return {"code": obj.phase.code, "name": obj.phase.name} if obj.phase_id else None

    @staticmethod
    def resolve_impacting_milestone(obj: RaidItem) -> str | None:
        return obj.impacting_milestone.code if obj.impacting_milestone_id else None

    @staticmethod
    def resolve_impacted_milestone(obj: RaidItem) -> str | None:
        return obj.impacted_milestone.code if obj.impacted_milestone_id else None

    @staticmethod
    def resolve_owner_organisation(obj: RaidItem) -> dict | None:
        org = obj.owner_organisation
        return {"id": org.pk, "name": org.name} if org else None

    @staticmethod
    def resolve_age_days(obj: RaidItem) -> int:
        return raid_lists.days_open(obj, timezone.localdate())

    @staticmethod
    def resolve_url(obj: RaidItem) -> str:
        from django.urls import reverse

        return reverse("programmes_raid_detail", kwargs={"reference": obj.reference})


class GovRaidItemDetail(GovRaidItemOut):
    description: str
    closure_reason: str
    owner_user: str | None = Field(..., description="The person named as owner, if any")
    converted_from: str | None = Field(
        ..., description="The risk this issue was (its reference), if you see it"
    )
    converted_to: str | None = Field(
        ..., description="The issue this risk became (its reference), if you see it"
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    updates: list[EntryOut] = Field(
        ..., description="Internal notes only for the office, assurers and the owner"
    )
    links: list[LinkedOut]
    allowed_actions: list[str] = Field(
        ..., description="What the caller may do now: update, edit, visibility, close, reopen, convert"
    )
    watching: bool

    @staticmethod
    def resolve_owner_user(obj: RaidItem) -> str | None:
        return obj.owner_user.display_name if obj.owner_user_id else None

    @staticmethod
    def resolve_converted_from(obj: RaidItem, context: dict[str, Any]) -> str | None:
        return _seen_reference(context["request"].user, obj.converted_from_id)

    @staticmethod
    def resolve_converted_to(obj: RaidItem, context: dict[str, Any]) -> str | None:
        to = RaidItem.objects.filter(converted_from_id=obj.pk).values_list("pk", flat=True).first()
        return _seen_reference(context["request"].user, to)

    @staticmethod
    def resolve_updates(obj: RaidItem, context: dict[str, Any]) -> list:
        return list(
            record_queries.entries_visible_to(context["request"].user, obj).order_by("created_at", "id")
        )

    @staticmethod
    def resolve_links(obj: RaidItem, context: dict[str, Any]) -> list[dict]:
        return linked(context["request"].user, obj)

    @staticmethod
    def resolve_allowed_actions(obj: RaidItem, context: dict[str, Any]) -> list[str]:
        return raid_lists.allowed_actions(access_for(context["request"].user), obj)

    @staticmethod
    def resolve_watching(obj: RaidItem, context: dict[str, Any]) -> bool:
        return record_queries.is_watching(context["request"].user, obj)


def _seen_reference(user, pk: int | None) -> str | None:
    if pk is None:
        return None
    return queries.raid_visible_to(user).filter(pk=pk).values_list("reference", flat=True).first()


class GovRaidKindTotals(Schema):
    all: int
    open: int


class GovRaidHeatCellOut(Schema):
    likelihood: int
    impact: int
    exposure: int
    count: int


class GovRaidPhaseCountOut(Schema):
    code: str = Field(..., description="The phase's code; none: items without a phase")
    name: str
    count: int


class GovRaidAgeingOut(Schema):
    label: str
    count: int


class GovRaidSummaryOut(Schema):
    programme: str
    totals: dict[str, GovRaidKindTotals] = Field(..., description="By type, and all")
    heat_grid: list[GovRaidHeatCellOut] = Field(..., description="Likelihood × impact counts (25 cells)")
    phases: list[GovRaidPhaseCountOut]
    ageing: list[GovRaidAgeingOut] = Field(..., description="Open items by days open")


class GovRaidImportRowOut(Schema):
    line: int
    ref: str
    number: int
    kind: str
    title: str
    theme: str
    phase: str | None
    owner: str | None
    owner_label: str
    rag: str
    likelihood: int | None
    impact_score: int | None
    exposure: int
    is_public: bool
    raised_on: dt.date | None
    impacting_milestone: str | None
    impacted_milestone: str | None


class GovRaidImportOut(Schema):
    preview: bool = Field(..., description="True: nothing was written")
    count: int = Field(..., description="Items created (or that would be)")
    ignored_columns: list[str]
    items: list[GovRaidImportRowOut]


# -- input ----------------------------------------------------------------------------------------------


class GovRaidFilters(Schema):
    kind: KindValue | None = None  # type: ignore[valid-type]
    status: StatusValue | None = None  # type: ignore[valid-type]
    phase: Annotated[str, Field(max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")] | None = Field(
        None, description="A plan phase's code; none: items without a phase"
    )
    theme: Theme | None = None
    owner: Id | None = Field(None, description="Owner organisation id")
    rag: Literal["red", "amber", "green", "none"] | None = None
    public: bool | None = None
    min_exposure: Annotated[int, Field(ge=1, le=25)] | None = None
    likelihood: Score | None = None
    impact: Score | None = Field(None, description="Impact score")
    q: SearchText | None = Field(None, description="Words of the title or external reference, or R12")
    sort: Literal[raid_lists.SORT_NAMES] | None = Field(  # type: ignore[valid-type]
        None, description="number, exposure, age, rag; - before it reverses"
    )

    def as_filters(self) -> raid_lists.RaidFilters:
        data = self.dict(exclude_none=True)
        data.pop("sort", None)
        return raid_lists.RaidFilters(**data)


class GovRaidItemPatch(InputSchema):
    title: Title = None  # type: ignore[assignment]
    description: Text = None  # type: ignore[assignment]
    theme: Theme = None  # type: ignore[assignment]
    phase: PhaseCode | None = None
    activities: Text = None  # type: ignore[assignment]
    impact_text: Text = None  # type: ignore[assignment]
    impact_level: LevelValue = None  # type: ignore[valid-type,assignment]
    uncertainty: LevelValue = None  # type: ignore[valid-type,assignment]
    manageable: ManageableValue = None  # type: ignore[valid-type,assignment]
    impacting_milestone: MilestoneCode | None = None
    impacting_activity: Short = None  # type: ignore[assignment]
    impacted_milestone: MilestoneCode | None = None
    impacted_activity: Short = None  # type: ignore[assignment]
    external_ref: Theme = None  # type: ignore[assignment]
    likelihood: Score | None = None
    impact_score: Score | None = None
    rag: RagValue = None  # type: ignore[assignment]
    owner_organisation: Id | None = Field(None, description="The owner organisation's id")
    owner_label: Annotated[str, Field(max_length=200)] = None  # type: ignore[assignment]
    owner_user: Id | None = Field(None, description="A person of the owner organisation, by id")
    is_public: bool = None  # type: ignore[assignment]
    raised_on: Day = None  # type: ignore[assignment]


class GovRaidItemIn(InputSchema):
    kind: KindValue  # type: ignore[valid-type]
    title: Title
    description: Text = ""
    theme: Theme = ""
    phase: PhaseCode | None = None
    activities: Text = ""
    impact_text: Text = ""
    impact_level: LevelValue = ""  # type: ignore[valid-type]
    uncertainty: LevelValue = ""  # type: ignore[valid-type]
    manageable: ManageableValue = ""  # type: ignore[valid-type]
    impacting_milestone: MilestoneCode | None = None
    impacting_activity: Short = ""
    impacted_milestone: MilestoneCode | None = None
    impacted_activity: Short = ""
    external_ref: Theme = ""
    likelihood: Score | None = None
    impact_score: Score | None = None
    rag: RagValue = ""
    owner_organisation: Id | None = Field(None, description="The owner organisation's id")
    owner_label: Annotated[str, Field(max_length=200)] = ""
    owner_user: Id | None = Field(None, description="A person of the owner organisation, by id")
    is_public: bool = False
    raised_on: Day | None = Field(None, description="Today when not given")


class GovRaidUpdateIn(InputSchema):
    body: Text
    activities: Text | None = Field(None, description="The planned activities rewritten, if given")
    internal: bool = Field(False, description="Read by the office, assurers and the owner only")


class GovRaidReasonIn(InputSchema):
    reason: Text


class GovRaidConvertIn(InputSchema):
    impact_text: Text = Field(
        "", description="The issue's current impact (default: the risk's potential impact)"
    )


class GovRaidVisibilityIn(InputSchema):
    is_public: bool
    reason: Text = ""


# -- helpers --------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _programme(request: HttpRequest, code: str) -> Programme:
    return get_object_or_404(queries.programmes_visible_to(request.user), code=code)


def _item(request: HttpRequest, reference: str) -> RaidItem:
    qs = record_queries.with_watching(raid_lists.items_of_all(request.user), request.user)
    return get_object_or_404(qs, reference=reference.upper())


def _objects(programme: Programme, data: dict[str, Any]) -> dict[str, Any]:
    """Codes and ids of the body as the objects the actions take (unknown ones: 422 naming the field)."""
    out = dict(data)
    if out.get("phase") is not None:
        phase = PlanPhase.objects.filter(programme=programme, code=out["phase"]).first()
        if phase is None:
            raise ActionError(f"No phase {out['phase']} in {programme}", field="phase")
        out["phase"] = phase
    for name in ("impacting_milestone", "impacted_milestone"):
        if out.get(name) is not None:
            milestone = Milestone.objects.filter(programme=programme, code__iexact=out[name]).first()
            if milestone is None:
                raise ActionError(f"No milestone {out[name]} in {programme}", field=name)
            out[name] = milestone
    if out.get("owner_organisation") is not None:
        org = Organisation.objects.filter(pk=out["owner_organisation"], is_active=True).first()
        if org is None:
            raise ActionError(f"No organisation {out['owner_organisation']}", field="owner_organisation")
        out["owner_organisation"] = org
    if out.get("owner_user") is not None:
        person = get_user_model().objects.filter(pk=out["owner_user"], is_active=True).first()
        if person is None:
            raise ActionError(f"No person {out['owner_user']}", field="owner_user")
        out["owner_user"] = person
    return out


def _change(request: HttpRequest, reference: str, func: Any, **kwargs: Any) -> Any:
    item = _item(request, reference)
    try:
        func(actor=_actor(request), item=item, **kwargs)
    except IllegalTransition as exc:
        current = RaidItem.objects.filter(pk=item.pk).values_list("status", flat=True).get()
        return transition_refused(request, exc, current=current, allowed=RAID_TRANSITIONS.get(current, ()))
    return _item(request, reference)


def _upload(request: HttpRequest, stem: str) -> tuple[str, bytes] | HttpResponse:
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ActionError("Send the file as the multipart field 'file'", field="file")
        if upload.size > MAX_BYTES:
            raise ActionError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB", field="file")
        return upload.name or "", upload.read()
    if content_type in ("text/csv", "text/plain", "application/csv"):
        return f"{stem}.csv", request.body
    if content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        return f"{stem}.xlsx", request.body
    return problem_response(
        request,
        status=415,
        title="Unsupported media type",
        detail="Send multipart/form-data with a 'file', or text/csv, or an XLSX workbook",
    )


def _refused(request: HttpRequest, exc: ImportRefused) -> HttpResponse:
    errors = [
        {"field": f"line {f.line}" + (f", {f.column}" if f.column else ""), "message": f.message}
        for f in exc.faults
    ]
    return problem_response(
        request, status=422, title=exc.title, detail=exc.message, kind="invalid", errors=errors
    )


# -- the list -------------------------------------------------------------------------------------------


@router.get(
    "/programmes/{programme}/raid",
    response=list[GovRaidItemOut],
    summary="A programme's RAID log (public items and your own, unless you run or assure it)",
)
@paginate(Page)
def list_raid(request: HttpRequest, programme: ProgrammePath, filters: Query[GovRaidFilters]) -> Any:
    prog = _programme(request, programme)
    return raid_lists.listed(request.user, prog, filters.as_filters(), filters.sort).select_related(
        "programme"
    )


@router.get(
    "/programmes/{programme}/raid/summary",
    response=GovRaidSummaryOut,
    summary="The RAID log's figures as filtered: totals by type, heat grid, per phase, ageing",
)
def raid_summary(request: HttpRequest, programme: ProgrammePath, filters: Query[GovRaidFilters]) -> dict:
    prog = _programme(request, programme)
    f = filters.as_filters()
    base = raid_lists.items_of(request.user, prog)
    phases = list(PlanPhase.objects.filter(programme=prog).order_by("order", "start", "id"))
    return {
        "programme": prog.code,
        "totals": raid_lists.totals_by_kind(raid_lists.filter_items(base, f.without("kind"))),
        "heat_grid": [
            {"likelihood": c.likelihood, "impact": c.impact, "exposure": c.exposure, "count": c.count}
            for row in raid_lists.heat_grid(raid_lists.filter_items(base, f.without("likelihood", "impact")))
            for c in row
        ],
        "phases": raid_lists.phase_counts(raid_lists.filter_items(base, f.without("phase")), phases),
        "ageing": raid_lists.ageing(raid_lists.filter_items(base, f), timezone.localdate()),
    }


@router.get(
    "/programmes/{programme}/raid/export",
    summary="The RAID log as filtered, as CSV or XLSX (one type: the programme's own column headers)",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "A CSV or XLSX file", "content": _FILE_CONTENT}}},
)
def export_raid(
    request: HttpRequest,
    programme: ProgrammePath,
    filters: Query[GovRaidFilters],
    format: Literal["csv", "xlsx"] = "csv",
) -> HttpResponse:
    prog = _programme(request, programme)
    f = filters.as_filters()
    qs = raid_lists.listed(request.user, prog, f, filters.sort)
    columns = raid_lists.export_columns(f.kind, timezone.localdate())
    return export.response(qs, columns, fmt=format, stem=f"{prog.code}-raid{'-' + f.kind if f.kind else ''}")


@router.post(
    "/programmes/{programme}/raid",
    response={201: GovRaidItemDetail},
    summary="Raise a RAID item (the programme office)",
)
def raise_raid(request: HttpRequest, programme: ProgrammePath, payload: GovRaidItemIn) -> Status:
    prog = _programme(request, programme)
    data = _objects(prog, payload.dict())
    item = actions.raise_item(actor=_actor(request), programme=prog, **data)
    return Status(201, _item(request, item.reference))


# -- one item -------------------------------------------------------------------------------------------


@router.get("/programmes/raid/{reference}", response=GovRaidItemDetail, summary="One RAID item")
def get_raid(request: HttpRequest, reference: RefPath) -> RaidItem:
    return _item(request, reference)


@router.patch(
    "/programmes/raid/{reference}",
    response=GovRaidItemDetail,
    summary="Edit a RAID item's columns (the programme office); the type never changes",
)
def edit_raid(request: HttpRequest, reference: RefPath, payload: GovRaidItemPatch) -> Any:
    item = _item(request, reference)
    data = payload.dict(exclude_unset=True)
    if not data:
        raise ActionError("Nothing to change", field="title")
    return _change(request, reference, actions.edit_item, **_objects(item.programme, data))


@router.post(
    "/programmes/raid/{reference}/updates",
    response={201: EntryOut},
    summary="Add an update (the office or the owner), optionally rewriting the planned activities",
)
def add_raid_update(request: HttpRequest, reference: RefPath, payload: GovRaidUpdateIn) -> Any:
    item = _item(request, reference)
    try:
        entry = actions.add_update(
            actor=_actor(request),
            item=item,
            body=payload.body,
            activities=payload.activities,
            internal=payload.internal,
        )
    except IllegalTransition as exc:
        return transition_refused(
            request, exc, current=item.status, allowed=RAID_TRANSITIONS.get(item.status, ())
        )
    return Status(201, record_queries.entries_visible_to(request.user, item).get(pk=entry.pk))


@router.get(
    "/programmes/raid/{reference}/updates", response=list[EntryOut], summary="A RAID item's conversation"
)
@paginate(Page)
def list_raid_updates(request: HttpRequest, reference: RefPath) -> Any:
    item = _item(request, reference)
    return record_queries.entries_visible_to(request.user, item).order_by("created_at", "id")


@router.post("/programmes/raid/{reference}/close", response=GovRaidItemDetail, summary="Close (the office)")
def close_raid(request: HttpRequest, reference: RefPath, payload: GovRaidReasonIn) -> Any:
    return _change(request, reference, actions.close_item, reason=payload.reason)


@router.post("/programmes/raid/{reference}/reopen", response=GovRaidItemDetail, summary="Reopen (the office)")
def reopen_raid(request: HttpRequest, reference: RefPath, payload: GovRaidReasonIn) -> Any:
    return _change(request, reference, actions.reopen_item, reason=payload.reason)


@router.post(
    "/programmes/raid/{reference}/visibility",
    response=GovRaidItemDetail,
    summary="Make the item public or private (the office), with the reason journalled",
)
def raid_visibility(request: HttpRequest, reference: RefPath, payload: GovRaidVisibilityIn) -> Any:
    return _change(request, reference, actions.set_public, is_public=payload.is_public, reason=payload.reason)


@router.post(
    "/programmes/raid/{reference}/convert",
    response={201: GovRaidItemDetail},
    summary="Convert a risk into an issue (the office): a new issue linked to the risk",
)
def convert_raid(request: HttpRequest, reference: RefPath, payload: GovRaidConvertIn) -> Any:
    item = _item(request, reference)
    try:
        issue = actions.convert_to_issue(actor=_actor(request), item=item, impact_text=payload.impact_text)
    except IllegalTransition as exc:
        current = RaidItem.objects.filter(pk=item.pk).values_list("status", flat=True).get()
        return transition_refused(request, exc, current=current, allowed=RAID_TRANSITIONS.get(current, ()))
    return Status(201, _item(request, issue.reference))


# -- import ---------------------------------------------------------------------------------------------

IMPORT_DOC = {
    "responses": {415: {"description": "Not a CSV or XLSX body, nor multipart/form-data"}},
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    },
}


@router.post(
    "/programmes/{programme}/raid/import",
    response={200: GovRaidImportOut},
    summary="Import RAID items from CSV or XLSX (the office): all or nothing; ?preview=true writes nothing",
    description="The first row names the columns: type and title (or a column named Risk, Issue, Assumption "
    "or Dependency), and optionally ref, description, theme, phase, activities, impact, impact level, "
    "uncertainty, manageable, impacting/impacted milestone (code) and activity, external ref, likelihood, "
    "impact score (1–5), rag, owner (an organisation's name), owner label, public (yes/no), raised (a date). "
    "Any fault (a bad date, an unknown owner, a ref already in the log or twice in the file…) refuses the "
    "whole file with a 422 naming each line and column; nothing is written. With preview=true the file is "
    "checked and the items it would create are returned, nothing written. At most "
    f"{raid_import.MAX_ROWS:,} rows and {MAX_BYTES // (1024 * 1024)} MB.",
    openapi_extra=IMPORT_DOC,
)
def import_raid(request: HttpRequest, programme: ProgrammePath, preview: bool = False) -> Any:
    prog = _programme(request, programme)
    refuse(permissions.can_import_raid(access_for(request.user), prog.pk))
    upload = _upload(request, "raid")
    if isinstance(upload, HttpResponse):
        return upload
    name, content = upload
    try:
        if preview:
            plan = raid_import.parse(prog, name, content, today=timezone.localdate())
        else:
            plan = actions.import_items(
                actor=_actor(request), programme=prog, filename=name, content=content
            ).plan
    except ImportRefused as exc:
        return _refused(request, exc)
    return {
        "preview": preview,
        "count": len(plan.items),
        "ignored_columns": plan.ignored_columns,
        "items": [p.as_dict() for p in plan.items],
    }


@router.get(
    "/programmes/{programme}/raid/import/template",
    summary="The import's template: its columns and one example row per type",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "A CSV or XLSX file", "content": _FILE_CONTENT}}},
)
def raid_template(
    request: HttpRequest, programme: ProgrammePath, format: Literal["csv", "xlsx"] = "csv"
) -> Any:
    prog = _programme(request, programme)
    return raid_lists.template_response(prog, format)
