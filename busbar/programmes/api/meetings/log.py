"""API: the action log — list (filters), export, import (preview, all or nothing), raise, edit, update,
recommend closed and ratify at a meeting (the only way an action closes)."""

from typing import Annotated, Any, Literal

from django.core.exceptions import RequestDataTooBig
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from busbar.lib import export
from busbar.lib.actions import ActionError, IllegalTransition
from busbar.lib.limits import text_max
from busbar.lib.pagination import Page
from busbar.lib.problems import problem_response
from busbar.lib.schema import Day, Id, InputSchema
from busbar.lib.tabular import MAX_BYTES, ImportRefused
from busbar.programmes import action_import, permissions
from busbar.programmes.actions import meetings as actions
from busbar.programmes.api.meetings.common import (
    _FILE_CONTENT,
    GovActionDetail,
    GovActionImportOut,
    GovActionOut,
    GroupCode,
    LongText,
    ProgrammePath,
    RaidNumber,
    ReferencePath,
    Short,
    _action,
    _action_out,
    _actions,
    _actor,
    _organisation,
    _Outs,
    _people,
    _programme,
    _raid_items,
    _refused_transition,
    router,
)
from busbar.programmes.models import (
    ACTION_TRANSITIONS,
    OPEN_ACTION_STATUSES,
    Action,
    ActionStatus,
    Meeting,
)
from busbar.programmes.permissions import meetings as meeting_rules
from busbar.programmes.views.meetings import EXPORT_COLUMNS
from busbar.testing.access import access_for
from busbar.testing.models import Programme


class GovActionFilters(Schema):
    status: Literal["open", "all", *ActionStatus.values] = Field(  # type: ignore[valid-type]
        "open", description="open (not closed, the default), all, or one status"
    )
    owner: Id | None = Field(None, description="The owner organisation's id")
    mine: bool = Field(False, description="Owned by the caller's organisations or naming the caller")
    group: GroupCode | None = None
    overdue: bool = False
    q: Short | None = None


def _filtered(request: HttpRequest, programme: Programme, filters: GovActionFilters) -> QuerySet:
    qs = _actions(request, programme)
    today = timezone.localdate()
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN_ACTION_STATUSES)
    elif filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.owner is not None:
        qs = qs.filter(owner_organisation_id=filters.owner)
    if filters.mine:
        orgs = sorted(access_for(request.user).organisation_ids)
        qs = qs.filter(Q(owner_organisation__in=orgs) | Q(owner_people=request.user)).distinct()
    if filters.group:
        qs = qs.filter(group__code=filters.group.upper())
    if filters.overdue:
        qs = qs.filter(status__in=OPEN_ACTION_STATUSES, due_date__lt=today)
    if filters.q:
        q = filters.q.strip()
        qs = qs.filter(
            Q(reference__icontains=q) | Q(description__icontains=q) | Q(latest_update__icontains=q)
        )
    return qs.order_by("-raised_on", "group__code", "-meeting__number", "sequence", "id")


@router.get("/programmes/{programme}/actions", response=list[GovActionOut], summary="The action log")
@paginate(Page)
def list_actions(request: HttpRequest, programme: ProgrammePath, filters: Query[GovActionFilters]) -> Any:
    prog = _programme(request, programme)
    today = timezone.localdate()
    return _Outs(_filtered(request, prog, filters), lambda a: _action_out(a, today))


@router.get(
    "/programmes/{programme}/actions/export",
    summary="The action log as filtered, as CSV or XLSX",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "A CSV or XLSX file", "content": _FILE_CONTENT}}},
)
def export_actions(
    request: HttpRequest,
    programme: ProgrammePath,
    filters: Query[GovActionFilters],
    format: Literal["csv", "xlsx"] = "csv",
) -> HttpResponse:
    prog = _programme(request, programme)
    return export.response(
        _filtered(request, prog, filters), EXPORT_COLUMNS, fmt=format, stem=f"{prog.code}-actions"
    )


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


def _upload(request: HttpRequest) -> tuple[str, bytes] | HttpResponse:
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        try:
            upload = request.FILES.get("file")
        except RequestDataTooBig:
            raise HttpError(413, "The request body is too large") from None
        if upload is None:
            raise ActionError("Send the file as the multipart field 'file'", field="file")
        if upload.size > MAX_BYTES:
            raise ActionError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB", field="file")
        return upload.name or "", upload.read()
    if content_type in ("text/csv", "text/plain", "application/csv"):
        return "actions.csv", request.body
    if content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        return "actions.xlsx", request.body
    return problem_response(
        request,
        status=415,
        title="Unsupported media type",
        detail="Send multipart/form-data with a 'file', or text/csv, or an XLSX workbook",
    )


def _import_refused(request: HttpRequest, exc: ImportRefused) -> HttpResponse:
    errors = [
        {"field": f"line {f.line}" + (f", {f.column}" if f.column else ""), "message": f.message}
        for f in exc.faults
    ]
    return problem_response(
        request, status=422, title=exc.title, detail=exc.message, kind="invalid", errors=errors
    )


@router.post(
    "/programmes/{programme}/actions/import",
    response={200: GovActionImportOut},
    summary="Import an action log from CSV or XLSX (the office): all or nothing; ?preview=true checks only",
    description="The first row names the columns: Ref, Date, Action, Owner, Due, Status, Latest Update "
    "(Ref, Action and Owner required). Any fault refuses the whole file with a 422 naming each line and "
    "column: a bad date, an unknown owner, a Ref already in the log or twice in the file, a group or "
    f"meeting that does not exist. At most {action_import.MAX_ROWS:,} rows and "
    f"{MAX_BYTES // (1024 * 1024)} MB. Send multipart `file`, or the file itself as the body (text/csv or "
    "the XLSX type).",
    openapi_extra=IMPORT_DOC,
)
def import_actions(request: HttpRequest, programme: ProgrammePath, preview: bool = False) -> Any:
    prog = _programme(request, programme)
    access = access_for(request.user)
    refused = permissions.can_import_actions(access, prog.pk)
    if refused:
        return problem_response(
            request, status=403, title="You are not allowed to do that", detail=refused, kind="notpermitted"
        )
    got = _upload(request)
    if isinstance(got, HttpResponse):
        return got
    name, content = got
    try:
        if preview:
            parsed = action_import.parse(programme=prog, filename=name, content=content, access=access)
            return {
                "preview": True,
                "rows": len(parsed.rows),
                "created": [],
                "ignored_columns": parsed.ignored_columns,
                "items": [r.as_dict() for r in parsed.rows[:500]],
            }
        result = actions.import_actions(actor=_actor(request), programme=prog, filename=name, content=content)
    except ImportRefused as exc:
        return _import_refused(request, exc)
    return {
        "preview": False,
        "rows": result.rows,
        "created": result.created,
        "ignored_columns": result.ignored_columns,
        "items": [],
    }


class GovActionIn(InputSchema):
    group: GroupCode
    meeting: Annotated[int, Field(ge=1, le=actions.MAX_MEETING_NUMBER)] = Field(
        ..., description="The meeting's number"
    )
    description: Annotated[str, Field(min_length=1, max_length=text_max())]
    owner_organisation: Id | None = None
    owner_label: Short = Field("", description="e.g. 'Programme (PMO/PPC)' or 'TMAG members'")
    owner_people: Annotated[list[Id], Field(max_length=actions.MAX_OWNER_PEOPLE)] = Field(
        default_factory=list
    )
    due_date: Day | None = None
    raid_items: Annotated[list[RaidNumber], Field(max_length=actions.MAX_RAID_LINKS)] = Field(
        default_factory=list, description="RAID numbers (R281 → 281)"
    )


class GovActionPatch(InputSchema):
    description: Annotated[str, Field(min_length=1, max_length=text_max())] | None = None
    owner_organisation: Id | None = None
    owner_label: Short | None = None
    owner_people: Annotated[list[Id], Field(max_length=actions.MAX_OWNER_PEOPLE)] | None = None
    due_date: Day | None = None
    raid_items: Annotated[list[RaidNumber], Field(max_length=actions.MAX_RAID_LINKS)] | None = None


class GovActionUpdateIn(InputSchema):
    text: LongText = ""
    status: Literal[tuple(ActionStatus.values)] | None = Field(  # type: ignore[valid-type]
        None, description="open or ongoing; closed is refused (409): a meeting ratifies a recommendation"
    )
    due_date: Day | None = Field(None, description="The office only")


class GovRecommendCloseIn(InputSchema):
    text: Annotated[str, Field(min_length=1, max_length=text_max())]


class GovRatifyIn(InputSchema):
    meeting: Annotated[int, Field(ge=1, le=actions.MAX_MEETING_NUMBER)] = Field(
        ..., description="The number of the later meeting of the action's group at which it is ratified"
    )


def _allowed_on_action(request: HttpRequest, item: Action) -> list[str]:
    access = access_for(request.user)
    allowed = []
    if permissions.can_update_action(access, item, user_id=request.user.pk) is None and (
        item.status != ActionStatus.CLOSED or meeting_rules.can_reopen_action(access, item) is None
    ):
        allowed.append("update")
        if item.status in (ActionStatus.OPEN, ActionStatus.ONGOING):
            allowed.append("recommend-close")
    if permissions.can_ratify_action(access, item) is None:
        allowed.append("ratify")
    if meeting_rules.can_edit_action(access, item) is None:
        allowed.append("edit")
    return allowed


def _action_detail(request: HttpRequest, programme: Programme, reference: str) -> dict:
    item = _action(request, programme, reference)
    out = _action_out(item, timezone.localdate())
    out["updates"] = [
        {
            "at": u.at,
            "author": u.author_label or (u.author.display_name if u.author else ""),
            "text": u.text,
            "status_from": u.status_from,
            "status_to": u.status_to,
            "meeting": u.meeting.number if u.meeting_id else None,
        }
        for u in item.updates.select_related("author", "meeting").order_by("at", "id")[:200]
    ]
    out["allowed_actions"] = _allowed_on_action(request, item)
    return out


@router.post(
    "/programmes/{programme}/actions", response={201: GovActionDetail}, summary="Raise an action (the office)"
)
def raise_action(request: HttpRequest, programme: ProgrammePath, payload: GovActionIn) -> Status:
    prog = _programme(request, programme)
    meeting = Meeting.objects.filter(
        group__programme=prog, group__code=payload.group.upper(), number=payload.meeting
    ).first()
    if meeting is None:
        raise ActionError(f"{payload.group.upper()} has no meeting #{payload.meeting}", field="meeting")
    item = actions.raise_action(
        actor=_actor(request),
        meeting=meeting,
        description=payload.description,
        owner_organisation=_organisation(payload.owner_organisation, "owner_organisation"),
        owner_label=payload.owner_label,
        owner_people=_people(payload.owner_people),
        due_date=payload.due_date,
        raid_items=_raid_items(prog, payload.raid_items),
    )
    return Status(201, _action_detail(request, prog, item.reference))


@router.get(
    "/programmes/{programme}/actions/{reference}",
    response=GovActionDetail,
    summary="An action and its history",
)
def get_action(request: HttpRequest, programme: ProgrammePath, reference: ReferencePath) -> Any:
    return _action_detail(request, _programme(request, programme), reference)


@router.patch(
    "/programmes/{programme}/actions/{reference}",
    response=GovActionDetail,
    summary="Correct an action's text, owners, due date or RAID links (the office)",
)
def patch_action(
    request: HttpRequest, programme: ProgrammePath, reference: ReferencePath, payload: GovActionPatch
) -> Any:
    prog = _programme(request, programme)
    item = _action(request, prog, reference)
    fields = payload.model_dump(exclude_unset=True)
    if "description" in fields and fields["description"] is None:
        raise ActionError("description cannot be null", field="description")
    if "owner_organisation" in fields:
        fields["owner_organisation"] = _organisation(fields["owner_organisation"], "owner_organisation")
    if "owner_label" in fields:
        fields["owner_label"] = fields["owner_label"] or ""
    if "owner_people" in fields:
        fields["owner_people"] = _people(fields["owner_people"])
    if "raid_items" in fields:
        fields["raid_items"] = _raid_items(prog, fields["raid_items"])
    actions.edit_action(actor=_actor(request), action=item, **fields)
    return _action_detail(request, prog, item.reference)


@router.post(
    "/programmes/{programme}/actions/{reference}/updates",
    response={201: GovActionDetail},
    summary="Add an update (the owner or the office); R-numbers in the text link those RAID items",
)
def update_action(
    request: HttpRequest, programme: ProgrammePath, reference: ReferencePath, payload: GovActionUpdateIn
) -> Any:
    prog = _programme(request, programme)
    item = _action(request, prog, reference)
    try:
        actions.update_action(
            actor=_actor(request),
            action=item,
            text=payload.text,
            status=payload.status,
            due_date=payload.due_date,
        )
    except IllegalTransition as exc:
        return _refused_transition(request, exc, item.status, ACTION_TRANSITIONS)
    return Status(201, _action_detail(request, prog, item.reference))


@router.post(
    "/programmes/{programme}/actions/{reference}/recommend-close",
    response=GovActionDetail,
    summary="Recommend the action closed, saying why (the owner or the office)",
)
def recommend_close(
    request: HttpRequest, programme: ProgrammePath, reference: ReferencePath, payload: GovRecommendCloseIn
) -> Any:
    prog = _programme(request, programme)
    item = _action(request, prog, reference)
    try:
        actions.recommend_close(actor=_actor(request), action=item, text=payload.text)
    except IllegalTransition as exc:
        return _refused_transition(request, exc, item.status, ACTION_TRANSITIONS)
    return _action_detail(request, prog, item.reference)


@router.post(
    "/programmes/{programme}/actions/{reference}/ratify",
    response=GovActionDetail,
    summary="Ratify the closure of an action recommended closed, at a later meeting (the office)",
)
def ratify(
    request: HttpRequest, programme: ProgrammePath, reference: ReferencePath, payload: GovRatifyIn
) -> Any:
    prog = _programme(request, programme)
    item = _action(request, prog, reference)
    meeting = Meeting.objects.filter(group_id=item.group_id, number=payload.meeting).first()
    if meeting is None:
        raise ActionError(f"{item.group.code} has no meeting #{payload.meeting}", field="meeting")
    try:
        actions.ratify_closure(actor=_actor(request), action=item, meeting=meeting)
    except IllegalTransition as exc:
        return _refused_transition(request, exc, item.status, ACTION_TRANSITIONS)
    return _action_detail(request, prog, item.reference)
