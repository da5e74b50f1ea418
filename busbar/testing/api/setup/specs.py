"""Requirements (and their import from CSV/XLSX), scenarios and their versioned scripts."""

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError
from busbar.lib.pagination import Page
from busbar.lib.problems import problem_response
from busbar.lib.schema import IdPath
from busbar.testing import imports, queries
from busbar.testing import setup_queries as reads
from busbar.testing.actions import setup as actions
from busbar.testing.api.setup import router
from busbar.testing.api.setup._common import (
    _actor,
    _phase,
    _programme,
    _scenario,
)
from busbar.testing.api.setup.schemas import (
    CodePath,
    DiffOut,
    DiffQuery,
    ImportSummary,
    RequirementFilters,
    RequirementOut,
    ScenarioChangeIn,
    ScenarioFilters,
    ScenarioIn,
    ScenarioOut,
    ScriptIn,
    VersionOut,
    VersionPath,
)
from busbar.testing.models import (
    Scenario,
)

# -- requirements -----------------------------------------------------------------------------------------


@router.get(
    "/testing/programmes/{code}/requirements",
    response=list[RequirementOut],
    summary="A programme's requirements",
)
@paginate(Page)
def list_requirements(request: HttpRequest, code: CodePath, filters: Query[RequirementFilters]) -> Any:
    programme = _programme(request, code)
    qs = queries.requirements_visible_to(request.user).filter(programme=programme)
    if filters.q:
        qs = qs.filter(Q(code__icontains=filters.q) | Q(title__icontains=filters.q))
    return qs.order_by("code", "id")


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
    "/testing/programmes/{code}/requirements/import",
    response={200: ImportSummary},
    summary="Import requirements from CSV or XLSX (the SI): all or nothing",
    description="The first row names the columns: code, title (required), description, source. An existing "
    "code is updated. Any fault refuses the whole file with a 422 naming each line and column. At most "
    f"{imports.MAX_ROWS:,} rows and {imports.MAX_BYTES // (1024 * 1024)} MB. Send multipart `file`, or the "
    "file itself as the body (text/csv or the XLSX type).",
    openapi_extra=IMPORT_DOC,
)
def import_requirements(request: HttpRequest, code: CodePath) -> Any:
    programme = _programme(request, code)
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ActionError("Send the file as the multipart field 'file'", field="file")
        if upload.size > imports.MAX_BYTES:
            raise ActionError(
                f"The file is larger than {imports.MAX_BYTES // (1024 * 1024)} MB", field="file"
            )
        name, content = upload.name or "", upload.read()
    elif content_type in ("text/csv", "text/plain", "application/csv"):
        name, content = "requirements.csv", request.body
    elif content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        name, content = "requirements.xlsx", request.body
    else:
        return problem_response(
            request,
            status=415,
            title="Unsupported media type",
            detail="Send multipart/form-data with a 'file', or text/csv, or an XLSX workbook",
        )
    try:
        return actions.import_requirements(
            actor=_actor(request), programme=programme, filename=name, content=content
        )
    except imports.ImportRefused as exc:
        errors = [
            {"field": f"line {f.line}" + (f", {f.column}" if f.column else ""), "message": f.message}
            for f in exc.faults
        ]
        return problem_response(
            request, status=422, title=exc.title, detail=exc.message, kind="invalid", errors=errors
        )


# -- scenarios and scripts --------------------------------------------------------------------------------


@router.get("/testing/phases/{phase_id}/scenarios", response=list[ScenarioOut], summary="A phase's scenarios")
@paginate(Page)
def list_scenarios(request: HttpRequest, phase_id: IdPath, filters: Query[ScenarioFilters]) -> Any:
    phase = _phase(request, phase_id)
    mandatory = "" if filters.mandatory is None else ("yes" if filters.mandatory else "no")
    return reads.scenarios_of(
        request.user, phase, interface=filters.interface or "", mandatory=mandatory, q=filters.q or ""
    )


@router.post(
    "/testing/phases/{phase_id}/scenarios",
    response={201: ScenarioOut},
    summary="Specify a scenario with its first script version (the SI)",
)
def create_scenario(request: HttpRequest, phase_id: IdPath, payload: ScenarioIn) -> Status:
    phase = _phase(request, phase_id)
    data = payload.dict()
    scenario = actions.create_scenario(actor=_actor(request), phase=phase, **data)
    return Status(201, _scenario(request, scenario.pk))


@router.get("/testing/scenarios/{scenario_id}", response=ScenarioOut, summary="One scenario")
def get_scenario(request: HttpRequest, scenario_id: IdPath) -> Scenario:
    return _scenario(request, scenario_id)


@router.patch(
    "/testing/scenarios/{scenario_id}", response=ScenarioOut, summary="Change a scenario (not its script)"
)
def update_scenario(request: HttpRequest, scenario_id: IdPath, payload: ScenarioChangeIn) -> Scenario:
    scenario = _scenario(request, scenario_id)
    actions.update_scenario(actor=_actor(request), scenario=scenario, **payload.dict(exclude_unset=True))
    return _scenario(request, scenario_id)


@router.get(
    "/testing/scenarios/{scenario_id}/versions",
    response=list[VersionOut],
    summary="Its script versions, newest first",
)
@paginate(Page)
def list_versions(request: HttpRequest, scenario_id: IdPath) -> Any:
    scenario = _scenario(request, scenario_id)
    return queries.script_versions_visible_to(request.user).filter(scenario=scenario).order_by("-version")


@router.post(
    "/testing/scenarios/{scenario_id}/versions",
    response={201: VersionOut},
    summary="Edit the script: writes the next version",
)
def edit_script(request: HttpRequest, scenario_id: IdPath, payload: ScriptIn) -> Status:
    scenario = _scenario(request, scenario_id)
    data = payload.dict()
    version = actions.edit_script(actor=_actor(request), scenario=scenario, **data)
    return Status(201, queries.script_versions_visible_to(request.user).get(pk=version.pk))


@router.get(
    "/testing/scenarios/{scenario_id}/versions/{number}", response=VersionOut, summary="One script version"
)
def get_version(request: HttpRequest, scenario_id: IdPath, number: VersionPath) -> Any:
    scenario = _scenario(request, scenario_id)
    return get_object_or_404(
        queries.script_versions_visible_to(request.user), scenario=scenario, version=number
    )


@router.get(
    "/testing/scenarios/{scenario_id}/diff",
    response=DiffOut,
    summary="Compare two script versions step by step (?from=1&to=2)",
)
def diff_versions(request: HttpRequest, scenario_id: IdPath, query: Query[DiffQuery]) -> Any:
    from busbar.testing.scripts import diff_versions as compare

    scenario = _scenario(request, scenario_id)
    versions = queries.script_versions_visible_to(request.user).filter(scenario=scenario)
    old = get_object_or_404(versions, version=query.old)
    new = get_object_or_404(versions, version=query.new)
    result = compare(old, new)
    return {
        "old_version": old.version,
        "new_version": new.version,
        "preconditions_changed": result.preconditions_changed,
        "counts": result.counts,
        "steps": [c.__dict__ for c in result.steps],
    }
