"""Tasks of the plan (GV-08), their durations in working days on the programme's calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from busbar.audit.journal import diff, snapshot
from busbar.lib.actions import ActionError, Actor, action, refuse
from busbar.parties.models import Organisation
from busbar.programmes import permissions
from busbar.programmes.actions.common import check_date, clean_text, journal
from busbar.programmes.actions.plan._common import (
    KEEP,
    _bool,
    _code,
    _given,
    _order,
    _participant,
    _same_programme,
    _unique,
)
from busbar.programmes.models import Milestone, PlanPhase, Task, TaskMode
from busbar.programmes.workdays import for_programme
from busbar.testing.access import access_of
from busbar.testing.models import Programme

TASK_REF_MAX = Task._meta.get_field("ref").max_length
TASK_NAME_MAX = Task._meta.get_field("name").max_length
RESPONSIBLE_LABEL_MAX = Task._meta.get_field("responsible_label").max_length
INVOLVED_LABEL_MAX = Task._meta.get_field("involved_label").max_length
#: A task's duration in working days (GV-08's longest is 304).
DURATION_MAX = 10_000
#: Organisations involved in one task at most.
MAX_INVOLVED = 50
TASK_FIELDS = (
    "name",
    "mode",
    "phase",
    "milestone",
    "start",
    "finish",
    "duration_days",
    "duration_uncertain",
    "responsible",
    "responsible_label",
    "involved",
    "involved_label",
    "order",
)


def _task_values(programme_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in fields:
        out["name"] = clean_text(fields["name"], field="name", limit=TASK_NAME_MAX, what="The name")
    if "mode" in fields:
        if fields["mode"] not in TaskMode.values:
            raise ActionError(f"The task mode is {' or '.join(TaskMode.values)}", field="mode")
        out["mode"] = fields["mode"]
    if "phase" in fields:
        phase = fields["phase"]
        if phase is not None and not isinstance(phase, PlanPhase):
            raise ActionError("Choose a phase of the plan", field="phase")
        _same_programme(phase, programme_id, field="phase", what="Phase")
        out["phase"] = phase
    if "milestone" in fields:
        milestone = fields["milestone"]
        if milestone is not None and not isinstance(milestone, Milestone):
            raise ActionError("Choose a milestone of the plan", field="milestone")
        _same_programme(milestone, programme_id, field="milestone", what="Milestone")
        out["milestone"] = milestone
    for key in ("start", "finish"):
        if key in fields:
            out[key] = check_date(fields[key], field=key, required=True)
    if "duration_days" in fields and fields["duration_days"] is not None:
        days = fields["duration_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= DURATION_MAX:
            raise ActionError(f"The duration is 0 to {DURATION_MAX:,} working days", field="duration_days")
        out["duration_days"] = days
    if "duration_uncertain" in fields:
        out["duration_uncertain"] = _bool(fields["duration_uncertain"], field="duration_uncertain")
    if "responsible" in fields:
        _participant(fields["responsible"], programme_id, field="responsible")
        out["responsible"] = fields["responsible"]
    if "responsible_label" in fields:
        out["responsible_label"] = clean_text(
            fields["responsible_label"],
            field="responsible_label",
            limit=RESPONSIBLE_LABEL_MAX,
            what="The label",
            required=False,
        )
    if "involved_label" in fields:
        out["involved_label"] = clean_text(
            fields["involved_label"],
            field="involved_label",
            limit=INVOLVED_LABEL_MAX,
            what="The label",
            required=False,
        )
    if "order" in fields:
        out["order"] = _order(fields["order"])
    return out


def _involved(value: Any, programme_id: int) -> list[Organisation]:
    organisations = list(dict.fromkeys(value or ()))
    if len(organisations) > MAX_INVOLVED:
        raise ActionError(f"At most {MAX_INVOLVED} organisations are involved in a task", field="involved")
    for index, organisation in enumerate(organisations):
        if not isinstance(organisation, Organisation):
            raise ActionError("Involved organisations are organisations", field=f"involved[{index}]")
        _participant(organisation, programme_id, field=f"involved[{index}]")
    return organisations


def _duration_of(programme_id: int, start: dt.date, finish: dt.date) -> int:
    """Working days from ``start`` to ``finish`` inclusive on the programme's calendar (GV-08)."""
    return for_programme(programme_id, around=(start, finish)).span(start, finish)


@action
def add_task(
    *,
    actor: Actor,
    programme: Programme,
    ref: str,
    name: str,
    start: dt.date,
    finish: dt.date,
    mode: str = TaskMode.AUTO,
    phase: PlanPhase | None = None,
    milestone: Milestone | None = None,
    responsible: Organisation | None = None,
    responsible_label: str = "",
    involved: Iterable[Organisation] = (),
    involved_label: str = "",
    duration_uncertain: bool = False,
    duration_days: int | None = None,
    order: int = 0,
) -> Task:
    """A task of the plan (GV-08): ID, mode, name, start, finish, responsible and involved organisations
    (or labels such as "SI Test", "PMO"), and its duration in working days, computed on the programme's
    calendar when not given ("129 days?" is ``duration_uncertain``)."""
    refuse(permissions.can_manage_plan(access_of(actor), programme.pk))
    ref = _code(ref, field="ref", limit=TASK_REF_MAX, what="The task ID")
    values = _task_values(
        programme.pk,
        {
            "name": name,
            "mode": mode,
            "phase": phase,
            "milestone": milestone,
            "start": start,
            "finish": finish,
            "duration_days": duration_days,
            "duration_uncertain": duration_uncertain,
            "responsible": responsible,
            "responsible_label": responsible_label,
            "involved_label": involved_label,
            "order": order,
        },
    )
    if values["finish"] < values["start"]:
        raise ActionError("The task finishes before it starts", field="finish")
    if "duration_days" not in values:
        values["duration_days"] = _duration_of(programme.pk, values["start"], values["finish"])
    orgs = _involved(involved, programme.pk)
    task = _unique(
        lambda: Task.objects.create(programme=programme, ref=ref, **values),
        message=f"The plan already has a task {ref}",
        field="ref",
    )
    if orgs:
        task.involved.set(orgs)
    changes = diff({}, snapshot(task, ("ref", *[f for f in TASK_FIELDS if f != "involved"])))
    if orgs:
        changes["involved"] = [None, sorted(str(o) for o in orgs)]
    journal(actor, task, "plan.task.add", changes=changes)
    return task


@action
def update_task(
    *,
    actor: Actor,
    task: Task,
    name: Any = KEEP,
    mode: Any = KEEP,
    phase: Any = KEEP,
    milestone: Any = KEEP,
    start: Any = KEEP,
    finish: Any = KEEP,
    duration_days: Any = KEEP,
    duration_uncertain: Any = KEEP,
    responsible: Any = KEEP,
    responsible_label: Any = KEEP,
    involved: Any = KEEP,
    involved_label: Any = KEEP,
    order: Any = KEEP,
) -> Task:
    """Change a task (each field kept unless given). Moving its start or finish recomputes its duration in
    working days unless a duration is given too."""
    refuse(permissions.can_manage_plan(access_of(actor), task.programme_id))
    fields = _given(
        name=name,
        mode=mode,
        phase=phase,
        milestone=milestone,
        start=start,
        finish=finish,
        duration_days=duration_days,
        duration_uncertain=duration_uncertain,
        responsible=responsible,
        responsible_label=responsible_label,
        involved=involved,
        involved_label=involved_label,
        order=order,
    )
    task = Task.objects.select_for_update().get(pk=task.pk)
    values = _task_values(task.programme_id, fields)
    plain = [f for f in TASK_FIELDS if f != "involved"]
    before = snapshot(task, plain)
    for key, value in values.items():
        setattr(task, key, value)
    if task.finish < task.start:
        raise ActionError(
            "The task finishes before it starts", field="finish" if "finish" in values else "start"
        )
    if ("start" in values or "finish" in values) and fields.get("duration_days") is None:
        task.duration_days = _duration_of(task.programme_id, task.start, task.finish)
    changes = diff(before, snapshot(task, plain))
    if "involved" in fields:
        orgs = _involved(fields["involved"], task.programme_id)
        old = sorted(str(o) for o in task.involved.all())
        new = sorted(str(o) for o in orgs)
        if old != new:
            task.involved.set(orgs)
            changes["involved"] = [old, new]
    if changes:
        task.save()
        journal(actor, task, "plan.task.update", changes=changes)
    else:
        journal(actor, task, "plan.task.update", note="Nothing changed")
    return task


@action
def remove_task(*, actor: Actor, task: Task) -> Task:
    """Take a task off the plan (the journal keeps what it was)."""
    refuse(permissions.can_manage_plan(access_of(actor), task.programme_id))
    journal(
        actor, task, "plan.task.remove", changes=diff(snapshot(task, ("ref", "name", "start", "finish")), {})
    )
    task.delete()
    return task
