"""The plan's tasks (GV-08), their durations in working days."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError
from busbar.lib.pagination import Page
from busbar.programmes import queries
from busbar.programmes.actions import plan as actions
from busbar.programmes.api.plan import router
from busbar.programmes.api.plan._common import (
    MilestonePath,
    ProgrammePath,
    _actor,
    _milestone_field,
    _org,
    _organisation,
    _phase_field,
    _programme,
    _Rendered,
)
from busbar.programmes.api.plan.schemas import GovPlanTaskIn, GovPlanTaskOut, GovPlanTaskPatch
from busbar.programmes.models import Task
from busbar.testing.models import Programme


def _task_out(t: Task) -> dict[str, Any]:
    return {
        "id": t.pk,
        "ref": t.ref,
        "name": t.name,
        "mode": t.mode,
        "phase": t.phase.code if t.phase else None,
        "milestone": t.milestone.code if t.milestone else None,
        "start": t.start,
        "finish": t.finish,
        "duration_days": t.duration_days,
        "duration_uncertain": t.duration_uncertain,
        "responsible": _org(t.responsible),
        "responsible_label": t.responsible_label,
        "involved": [_org(o) for o in t.involved.all()],
        "involved_label": t.involved_label,
        "order": t.order,
    }


def _tasks(programme: Programme, request: HttpRequest):
    return (
        queries.in_visible_programme(Task.objects.filter(programme=programme), request.user)
        .select_related("phase", "milestone", "responsible")
        .prefetch_related("involved")
        .order_by("start", "order", "pk")
    )


def _task(request: HttpRequest, programme: Programme, ref: str) -> Task:
    found = _tasks(programme, request).filter(ref=ref).first()
    if found is None:
        raise Http404("No such task")
    return found


@router.get("/programmes/{programme}/tasks", response=list[GovPlanTaskOut], summary="The plan's tasks")
@paginate(Page)
def list_tasks(request: HttpRequest, programme: ProgrammePath) -> Any:
    return _Rendered(_tasks(_programme(request, programme), request), _task_out)


def _task_values(programme: Programme, data: dict[str, Any]) -> dict[str, Any]:
    if "phase" in data:
        data["phase"] = _phase_field(programme, data["phase"])
    if "milestone" in data:
        data["milestone"] = _milestone_field(programme, data["milestone"], "milestone")
    if "responsible" in data:
        data["responsible"] = _organisation(data["responsible"], "responsible")
    if "involved" in data:
        data["involved"] = [
            _organisation(pk, f"involved[{i}]") for i, pk in enumerate(data["involved"] or [])
        ]
    return data


@router.post(
    "/programmes/{programme}/tasks", response={201: GovPlanTaskOut}, summary="Add a task (the office)"
)
def create_task(request: HttpRequest, programme: ProgrammePath, payload: GovPlanTaskIn) -> Status:
    the_programme = _programme(request, programme)
    data = _task_values(the_programme, payload.dict())
    ref = data.pop("ref")
    task = actions.add_task(actor=_actor(request), programme=the_programme, ref=ref, **data)
    return Status(201, _task_out(_task(request, the_programme, task.ref)))


@router.get("/programmes/{programme}/tasks/{ref}", response=GovPlanTaskOut, summary="One task")
def get_task(request: HttpRequest, programme: ProgrammePath, ref: MilestonePath) -> Any:
    the_programme = _programme(request, programme)
    return _task_out(_task(request, the_programme, ref))


@router.patch("/programmes/{programme}/tasks/{ref}", response=GovPlanTaskOut, summary="Change a task")
def update_task(
    request: HttpRequest, programme: ProgrammePath, ref: MilestonePath, payload: GovPlanTaskPatch
) -> Any:
    the_programme = _programme(request, programme)
    task = _task(request, the_programme, ref)
    data = payload.dict(exclude_unset=True)
    for key in ("name", "mode", "start", "finish", "duration_uncertain", "order"):
        if key in data and data[key] is None:
            raise ActionError(f"{key} cannot be null", field=key)
    for key in ("responsible_label", "involved_label"):
        if key in data and data[key] is None:
            data[key] = ""
    actions.update_task(actor=_actor(request), task=task, **_task_values(the_programme, data))
    return _task_out(_task(request, the_programme, ref))


@router.delete("/programmes/{programme}/tasks/{ref}", response={204: None}, summary="Remove a task")
def delete_task(request: HttpRequest, programme: ProgrammePath, ref: MilestonePath) -> Status:
    the_programme = _programme(request, programme)
    actions.remove_task(actor=_actor(request), task=_task(request, the_programme, ref))
    return Status(204, None)
