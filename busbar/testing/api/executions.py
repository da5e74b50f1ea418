"""API: executions and their evidence, runs and JUnit imports, and the traceability matrix.

Every read starts from :mod:`busbar.testing.queries` (a participant sees only its own executions, runs and
evidence; the SI, assurers, the programme's parties and the desk all of them): what the caller may not see
is a 404. Every change goes through :mod:`busbar.testing.actions.executions`: recording for another
organisation is a 403, bad input a 422 naming the field (for a JUnit file, the line).
"""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor
from busbar.lib.keyset import Key, KeysetList, KeysetPage
from busbar.lib.limits import MAX_OFFSET
from busbar.lib.pagination import Page
from busbar.lib.schema import Day, Id, IdPath, InputSchema, Instant, Line, SearchText, Text
from busbar.testing import junit, queries, rtm
from busbar.testing.actions import executions as actions
from busbar.testing.models import Execution, Result, Run

router = Router(tags=["Testing: executions"])

ResultChoice = Literal[tuple(Result.values)]  # type: ignore[valid-type]
_XML_TYPES = ("application/xml", "text/xml")
_FILE_CONTENT = {"*/*": {"schema": {"type": "string", "format": "binary"}}}  # the file's own type


class ExecutionScenarioRef(Schema):
    id: int
    code: str
    name: str


class ExecutionParticipantRef(Schema):
    id: int
    organisation: str
    role: str


class ExecutionEvidenceOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    created_at: dt.datetime
    url: str

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return reverse(
            "api:testing_evidence", kwargs={"execution_id": obj.execution_id, "evidence_id": obj.pk}
        )


class ExecutionOut(Schema):
    id: int
    phase: int = Field(..., alias="phase_id")
    scenario: ExecutionScenarioRef
    script_version: int = Field(..., description="The version of the scenario's script it ran")
    participation: ExecutionParticipantRef
    pairing: int | None = Field(None, alias="pairing_id")
    environment: str | None
    run: int | None = Field(None, alias="run_id")
    result: ResultChoice  # type: ignore[valid-type]
    executed_at: dt.datetime
    week: dt.date = Field(..., description="Monday (Europe/London) of the week it was executed")
    is_first: bool
    retest_of: int | None = Field(None, alias="retest_of_id")
    duration_ms: int | None
    external_id: str
    created_at: dt.datetime

    @staticmethod
    def resolve_scenario(obj: Execution) -> dict:
        s = obj.scenario
        return {"id": s.pk, "code": s.code, "name": s.title}

    @staticmethod
    def resolve_script_version(obj: Execution) -> int:
        return obj.script_version.version

    @staticmethod
    def resolve_participation(obj: Execution) -> dict:
        p = obj.participation
        return {"id": p.pk, "organisation": p.organisation.name, "role": p.role.label}

    @staticmethod
    def resolve_environment(obj: Execution) -> str | None:
        return obj.environment.name if obj.environment_id else None


class ExecutionStepOut(Schema):
    action: str
    expected: str


class ExecutionDetail(ExecutionOut):
    notes: str
    steps: list[ExecutionStepOut] = Field(..., description="The pinned script version's steps")
    evidence: list[ExecutionEvidenceOut]

    @staticmethod
    def resolve_steps(obj: Execution) -> list[dict]:
        steps = obj.script_version.steps if isinstance(obj.script_version.steps, list) else []
        return [
            {"action": str(s.get("action", "")), "expected": str(s.get("expected", ""))}
            for s in steps
            if isinstance(s, dict)
        ]

    @staticmethod
    def resolve_evidence(obj: Execution, context: dict[str, Any]) -> list[Any]:
        user = context["request"].user
        return list(queries.evidence_visible_to(user).filter(execution=obj).order_by("created_at", "id"))


class ExecutionFilters(Schema):
    phase: Id | None = None
    participation: Id | None = None
    scenario: Id | None = None
    result: ResultChoice | None = None  # type: ignore[valid-type]
    week: Day | None = Field(None, description="A Monday: executions of that week (Europe/London)")
    run: Id | None = None


class ExecutionIn(InputSchema):
    participation: Id = Field(
        ..., description="Whose result it is (your own organisation's, or any for the SI)"
    )
    scenario: Id
    result: ResultChoice  # type: ignore[valid-type]
    script_version: Id | None = Field(None, description="Default: the scenario's current version")
    environment: Id | None = None
    pairing: Id | None = None
    run: Id | None = None
    executed_at: Instant | None = Field(None, description="Default: now")
    notes: Text = ""
    retest_of: Id | None = None
    duration_ms: int | None = Field(None, ge=0, le=junit.MAX_DURATION_MS)


class RunOut(Schema):
    id: int
    phase: int = Field(..., alias="phase_id")
    participation: ExecutionParticipantRef
    pairing: int | None = Field(None, alias="pairing_id")
    environment: str | None
    title: str
    created_at: dt.datetime

    @staticmethod
    def resolve_participation(obj: Run) -> dict:
        p = obj.participation
        return {"id": p.pk, "organisation": p.organisation.name, "role": p.role.label}

    @staticmethod
    def resolve_environment(obj: Run) -> str | None:
        return obj.environment.name if obj.environment_id else None


class RunDetail(RunOut):
    executions: int
    passed: int
    failed: int

    @staticmethod
    def resolve_executions(obj: Run) -> int:
        return obj.n_executions

    @staticmethod
    def resolve_passed(obj: Run) -> int:
        return obj.n_passed

    @staticmethod
    def resolve_failed(obj: Run) -> int:
        return obj.n_failed


class RunFilters(Schema):
    phase: Id | None = None
    participation: Id | None = None


class RunIn(InputSchema):
    participation: Id
    title: Line
    environment: Id | None = None
    pairing: Id | None = None


class JUnitImportSummary(Schema):
    cases: int
    created: int
    passed: int
    failed: int
    blocked: int
    skipped: int = Field(..., description="Recorded as not run")
    unmatched_count: int
    unmatched: list[str] = Field(..., description="The first 100 test cases that name no scenario")


class RtmColumn(Schema):
    id: int
    organisation: str
    role: str
    cohort: str | None


class RtmCell(Schema):
    participation: int
    result: ResultChoice | None  # type: ignore[valid-type]
    attempts: int
    execution: int | None
    applicable: bool


class RtmRow(Schema):
    requirement: str | None
    requirement_title: str
    scenario: ExecutionScenarioRef
    interface: str
    mandatory: bool
    passed: int
    failed: int
    blocked: int
    not_run: int
    cells: list[RtmCell]


class RtmPage(Schema):
    count: int
    limit: int
    offset: int
    columns: list[RtmColumn]
    items: list[RtmRow]


class RtmFilters(Schema):
    cohort: Id | None = None
    role: Id | None = None
    interface: SearchText = ""
    requirement: SearchText = Field("", description="Words in a requirement's code or title")
    limit: int = Field(rtm.PAGE_SIZE, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _executions(request: HttpRequest):
    return queries.executions_visible_to(request.user).select_related("phase", "participation__phase")


def _execution(request: HttpRequest, pk: int) -> Execution:
    return get_object_or_404(_executions(request), pk=pk)


def _one(qs, pk: int | None, field: str, what: str) -> Any:
    """The row ``pk`` of ``qs`` (what the caller may see), None for None, else a 422 naming ``field``."""
    if pk is None:
        return None
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise ActionError(f"No {what} {pk}", field=field)
    return obj


@router.get("/testing/executions", response=list[ExecutionOut], summary="Executions you may see")
@paginate(KeysetPage)
def list_executions(request: HttpRequest, filters: Query[ExecutionFilters]) -> Any:
    """Newest first. A participant sees only its own organisation's executions."""
    qs = queries.executions_visible_to(request.user)
    for name in ("phase", "participation", "scenario", "run"):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{f"{name}_id": value})
    if filters.result:
        qs = qs.filter(result=filters.result)
    if filters.week:
        qs = qs.filter(week=filters.week)
    return KeysetList(
        qs=qs,
        keys=(Key("executed_at", descending=True), Key("id", descending=True)),
        rows=lambda pks: _executions(request).filter(pk__in=pks),
    )


@router.post("/testing/executions", response={201: ExecutionDetail}, summary="Record an execution")
def record_execution(request: HttpRequest, payload: ExecutionIn) -> Status:
    """For your own organisation's participation (the SI: any). The script version defaults to the
    scenario's current one and is pinned on the execution."""
    user = request.user
    participation = _one(
        queries.participations_visible_to(user), payload.participation, "participation", "participation"
    )
    scenario = _one(queries.scenarios_visible_to(user), payload.scenario, "scenario", "scenario")
    execution = actions.record_execution(
        actor=_actor(request),
        participation=participation,
        scenario=scenario,
        result=payload.result,
        script_version=_one(
            queries.script_versions_visible_to(user),
            payload.script_version,
            "script_version",
            "script version",
        ),
        environment=_one(_environments(user), payload.environment, "environment", "environment"),
        pairing=_one(_pairings(user), payload.pairing, "pairing", "pairing"),
        run=_one(queries.runs_visible_to(user), payload.run, "run", "run"),
        executed_at=payload.executed_at,
        notes=payload.notes,
        retest_of=_one(queries.executions_visible_to(user), payload.retest_of, "retest_of", "execution"),
        duration_ms=payload.duration_ms,
    )
    return Status(201, _execution(request, execution.pk))


def _environments(user):
    from busbar.testing.models import Environment

    ids = queries.programme_ids_visible(user)
    qs = Environment.objects.all()
    return qs if ids is None else qs.filter(programme_id__in=ids)


def _pairings(user):
    from busbar.testing.models import Pairing

    ids = queries.programme_ids_visible(user)
    qs = Pairing.objects.all()
    return qs if ids is None else qs.filter(phase__programme_id__in=ids)


@router.get("/testing/executions/{execution_id}", response=ExecutionDetail, summary="One execution")
def get_execution(request: HttpRequest, execution_id: IdPath) -> Execution:
    return _execution(request, execution_id)


@router.get(
    "/testing/executions/{execution_id}/evidence", response=list[ExecutionEvidenceOut], summary="Its evidence"
)
def list_evidence(request: HttpRequest, execution_id: IdPath) -> Any:
    execution = _execution(request, execution_id)
    return list(
        queries.evidence_visible_to(request.user)
        .filter(execution=execution)
        .order_by("created_at", "id")[:500]
    )


def _uploads(request: HttpRequest, name: str) -> list[tuple[str, str, bytes]]:
    from django.conf import settings

    files = request.FILES.getlist(name)
    if len(files) > actions.MAX_EVIDENCE_FILES:
        raise ActionError(f"Add at most {actions.MAX_EVIDENCE_FILES} files at a time", field=name)
    max_bytes = settings.BUSBAR_ATTACHMENT_MAX_BYTES
    out = []
    for index, f in enumerate(files):
        if f.size > max_bytes:
            raise ActionError(
                f"{f.name} is {f.size:,} bytes; the limit is {max_bytes:,}", field=f"{name}[{index}]"
            )
        out.append((f.name, f.content_type or "application/octet-stream", f.read()))
    return out


@router.post(
    "/testing/executions/{execution_id}/evidence",
    response={201: list[ExecutionEvidenceOut]},
    summary="Add evidence files",
    openapi_extra={
        "responses": {415: {"description": "Not multipart/form-data"}},
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "files": {
                                "type": "array",
                                "maxItems": actions.MAX_EVIDENCE_FILES,
                                "items": {"type": "string", "format": "binary"},
                            }
                        },
                    }
                }
            },
        },
    },
)
def add_evidence(request: HttpRequest, execution_id: IdPath) -> Status:
    """``multipart/form-data`` with one or more ``files`` (logs, message files, datagen output): checked by
    content and size like any attachment."""
    execution = _execution(request, execution_id)
    if (request.content_type or "") != "multipart/form-data":
        raise HttpError(415, "Send multipart/form-data with the files as 'files'")
    try:
        request.POST  # noqa: B018 - parse now, to answer a malformed body with a 422
    except RequestDataTooBig:
        raise HttpError(413, "The request body is too large") from None
    except Exception as exc:  # MultiPartParserError
        raise ActionError(f"The multipart body could not be read: {exc}"[:200], field="files") from None
    saved = actions.add_evidence(actor=_actor(request), execution=execution, files=_uploads(request, "files"))
    return Status(201, saved)


@router.get(
    "/testing/executions/{execution_id}/evidence/{evidence_id}",
    summary="Download an evidence file",
    url_name="testing_evidence",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "The file", "content": _FILE_CONTENT}}},
)
def download_evidence(request: HttpRequest, execution_id: IdPath, evidence_id: IdPath) -> FileResponse:
    evidence = get_object_or_404(
        queries.evidence_visible_to(request.user), pk=evidence_id, execution_id=execution_id
    )
    return evidence_file(evidence)


def evidence_file(evidence: Any) -> FileResponse:
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.filename, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# Runs and JUnit ----------------------------------------------------------------------------------------


def _runs(request: HttpRequest):
    from django.db.models import Count, Q

    return (
        queries.runs_visible_to(request.user)
        .select_related("participation__role")
        .annotate(
            n_executions=Count("executions"),
            n_passed=Count("executions", filter=Q(executions__result=Result.PASSED)),
            n_failed=Count("executions", filter=Q(executions__result=Result.FAILED)),
        )
    )


@router.get("/testing/runs", response=list[RunOut], summary="Runs you may see")
@paginate(Page)
def list_runs(request: HttpRequest, filters: Query[RunFilters]) -> Any:
    qs = queries.runs_visible_to(request.user).select_related("participation__role")
    if filters.phase is not None:
        qs = qs.filter(phase_id=filters.phase)
    if filters.participation is not None:
        qs = qs.filter(participation_id=filters.participation)
    return qs.order_by("-created_at", "-id")


@router.get("/testing/runs/{run_id}", response=RunDetail, summary="One run")
def get_run(request: HttpRequest, run_id: IdPath) -> Run:
    return get_object_or_404(_runs(request), pk=run_id)


@router.post("/testing/runs", response={201: RunDetail}, summary="Start a run")
def create_run(request: HttpRequest, payload: RunIn) -> Status:
    user = request.user
    run = actions.create_run(
        actor=_actor(request),
        participation=_one(
            queries.participations_visible_to(user), payload.participation, "participation", "participation"
        ),
        title=payload.title,
        environment=_one(_environments(user), payload.environment, "environment", "environment"),
        pairing=_one(_pairings(user), payload.pairing, "pairing", "pairing"),
    )
    return Status(201, get_object_or_404(_runs(request), pk=run.pk))


def junit_content(request: HttpRequest) -> bytes:
    """The JUnit file of a request: multipart ``file``, or the raw body sent as application/xml."""
    content_type = request.content_type or ""
    try:
        if content_type == "multipart/form-data":
            upload = request.FILES.get("file")
            if upload is None:
                raise ActionError("Attach the JUnit XML file as 'file'", field="file")
            if upload.size > junit.MAX_BYTES:
                raise ActionError(
                    f"The file is {upload.size:,} bytes; the limit is {junit.MAX_BYTES:,}", field="file"
                )
            return upload.read()
        if content_type in _XML_TYPES:
            return request.body
    except RequestDataTooBig:
        raise HttpError(413, "The request body is too large") from None
    raise HttpError(415, "Send the JUnit XML as multipart/form-data 'file', or as application/xml")


@router.post(
    "/testing/runs/{run_id}/junit",
    response={200: JUnitImportSummary},
    summary="Import a JUnit XML file into the run",
    openapi_extra={
        "responses": {415: {"description": "Neither application/xml nor multipart/form-data"}},
        "requestBody": {
            "required": True,
            "content": {
                "application/xml": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        },
    },
)
def import_junit(request: HttpRequest, run_id: IdPath) -> Any:
    """One execution per ``<testcase>`` that names a scenario of the run's phase by its code (the name is
    the code, or starts with it: ``SIT-F-001 registration update``; or the classname is the code).
    failure/error → failed; skipped → not run (blocked if its message says "blocked"); else passed.
    All or nothing: hostile or malformed XML (DTDs, entities, external references) is a 422 naming the line,
    and nothing is written; a file naming no scenario at all is a 422. At most 20 MB and 50,000 cases."""
    run = get_object_or_404(queries.runs_visible_to(request.user).select_related("participation"), pk=run_id)
    return actions.import_junit(actor=_actor(request), run=run, content=junit_content(request))


# The traceability matrix -------------------------------------------------------------------------------


@router.get(
    "/testing/phases/{phase_id}/rtm", response=RtmPage, summary="The requirements traceability matrix"
)
def get_rtm(request: HttpRequest, phase_id: IdPath, filters: Query[RtmFilters]) -> Any:
    """Rows: (requirement, scenario) pairs (a scenario traced to none in a row of its own), paged. Columns:
    the participations you may see results of (a participant only its own). Cells: the latest result,
    attempts and the execution."""
    phase = get_object_or_404(queries.phases_visible_to(request.user), pk=phase_id)
    chosen = rtm.Filters(
        cohort=filters.cohort, role=filters.role, interface=filters.interface, requirement=filters.requirement
    )
    m = rtm.matrix(request.user, phase, chosen, offset=filters.offset, limit=filters.limit)
    return {
        "count": m.count,
        "limit": m.limit,
        "offset": m.offset,
        "columns": [
            {
                "id": p.pk,
                "organisation": p.organisation.name,
                "role": p.role.label,
                "cohort": p.cohort.name if p.cohort_id else None,
            }
            for p in m.columns
        ],
        "items": [
            {
                "requirement": r.key.requirement_code or None,
                "requirement_title": r.key.requirement_title,
                "scenario": {
                    "id": r.key.scenario_id,
                    "code": r.key.scenario_code,
                    "name": r.key.scenario_title,
                },
                "interface": r.key.interface,
                "mandatory": r.key.mandatory,
                "passed": r.passed,
                "failed": r.failed,
                "blocked": r.blocked,
                "not_run": r.not_run,
                "cells": [
                    {
                        "participation": c.participation_id,
                        "result": c.result,
                        "attempts": c.attempts,
                        "execution": c.execution_id,
                        "applicable": c.applicable,
                    }
                    for c in r.cells
                ],
            }
            for r in m.rows
        ],
    }
