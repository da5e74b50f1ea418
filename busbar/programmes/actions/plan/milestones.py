"""Milestones and control points of the plan: forecast, actual, RAG, rationale, predecessor — never the
baseline date (only an approved change request re-baselines)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from busbar.audit.journal import diff, snapshot
from busbar.lib.actions import ActionError, Actor, action, refuse
from busbar.lib.limits import text_max
from busbar.programmes import permissions
from busbar.programmes.actions.common import check_date, clean_text, journal
from busbar.programmes.actions.plan._common import (
    KEEP,
    RE_BASELINE,
    _actual,
    _bool,
    _code,
    _given,
    _now,
    _order,
    _rag,
    _same_programme,
    _unique,
)
from busbar.programmes.models import Milestone, MilestoneKind, PlanPhase
from busbar.testing.access import access_of
from busbar.testing.models import Programme

CODE_MAX = Milestone._meta.get_field("code").max_length
MILESTONE_NAME_MAX = Milestone._meta.get_field("name").max_length
MILESTONE_FIELDS = (
    "name",
    "kind",
    "phase",
    "predecessor",
    "forecast_date",
    "actual_date",
    "rag",
    "rationale",
    "regulatory",
    "order",
)


def _check_predecessor(milestone: Milestone, predecessor: Milestone | None) -> None:
    """``predecessor`` does not come after ``milestone`` already (no loops in the chain)."""
    if predecessor is None:
        return
    links = dict(
        Milestone.objects.filter(programme_id=milestone.programme_id).values_list("pk", "predecessor_id")
    )
    step: int | None = predecessor.pk
    for _ in range(len(links) + 1):
        if step is None:
            return
        if step == milestone.pk:
            raise ActionError(
                f"{predecessor.code} comes after {milestone.code} already: a milestone cannot precede itself",
                field="predecessor",
            )
        step = links.get(step)


def _milestone_values(programme_id: int, fields: dict[str, Any], *, now: dt.datetime) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in fields:
        out["name"] = clean_text(fields["name"], field="name", limit=MILESTONE_NAME_MAX, what="The name")
    if "kind" in fields:
        if fields["kind"] not in MilestoneKind.values:
            raise ActionError(f"A milestone is {' or a '.join(MilestoneKind.values)}", field="kind")
        out["kind"] = fields["kind"]
    if "phase" in fields:
        phase = fields["phase"]
        if phase is not None and not isinstance(phase, PlanPhase):
            raise ActionError("Choose a phase of the plan", field="phase")
        _same_programme(phase, programme_id, field="phase", what="Phase")
        out["phase"] = phase
    if "predecessor" in fields:
        predecessor = fields["predecessor"]
        if predecessor is not None and not isinstance(predecessor, Milestone):
            raise ActionError("Choose a milestone of the plan", field="predecessor")
        _same_programme(predecessor, programme_id, field="predecessor", what="Milestone")
        out["predecessor"] = predecessor
    if "forecast_date" in fields:
        out["forecast_date"] = check_date(fields["forecast_date"], field="forecast_date")
    if "actual_date" in fields:
        out["actual_date"] = _actual(fields["actual_date"], now=now)
    if "rag" in fields:
        out["rag"] = _rag(fields["rag"])
    if "rationale" in fields:
        out["rationale"] = clean_text(
            fields["rationale"], field="rationale", limit=text_max(), what="The rationale", required=False
        )
    if "regulatory" in fields:
        out["regulatory"] = _bool(fields["regulatory"], field="regulatory")
    if "order" in fields:
        out["order"] = _order(fields["order"])
    return out


@action
def add_milestone(
    *,
    actor: Actor,
    programme: Programme,
    code: str,
    name: str,
    kind: str = MilestoneKind.MILESTONE,
    phase: PlanPhase | None = None,
    predecessor: Milestone | None = None,
    forecast_date: dt.date | None = None,
    rag: str = "",
    rationale: str = "",
    regulatory: bool = False,
    order: int = 0,
    now: dt.datetime | None = None,
) -> Milestone:
    """A milestone (M14) or control point (CP4) of the plan. It has no baseline date until a baseline
    names it (the first baseline, or a change request that adds it)."""
    refuse(permissions.can_manage_plan(access_of(actor), programme.pk))
    now = _now(now)
    code = _code(code, field="code", limit=CODE_MAX, what="The code")
    values = _milestone_values(
        programme.pk,
        {
            "name": name,
            "kind": kind,
            "phase": phase,
            "predecessor": predecessor,
            "forecast_date": forecast_date,
            "rag": rag,
            "rationale": rationale,
            "regulatory": regulatory,
            "order": order,
        },
        now=now,
    )
    milestone = _unique(
        lambda: Milestone.objects.create(
            programme=programme, code=code, created_at=now, updated_at=now, **values
        ),
        message=f"The plan already has a milestone {code}",
        field="code",
    )
    journal(
        actor,
        milestone,
        "plan.milestone.add",
        changes=diff({}, snapshot(milestone, ("code", *MILESTONE_FIELDS))),
    )
    return milestone


@action
def update_milestone(
    *,
    actor: Actor,
    milestone: Milestone,
    name: Any = KEEP,
    kind: Any = KEEP,
    phase: Any = KEEP,
    predecessor: Any = KEEP,
    forecast_date: Any = KEEP,
    actual_date: Any = KEEP,
    rag: Any = KEEP,
    rationale: Any = KEEP,
    regulatory: Any = KEEP,
    order: Any = KEEP,
    baseline_date: Any = KEEP,
    now: dt.datetime | None = None,
) -> Milestone:
    """The programme office keeps a milestone current: forecast, actual, RAG, rationale, name, kind, phase,
    predecessor, order, regulatory (each kept unless given; None clears a date). Its ``baseline_date`` is
    refused: only an approved change request re-baselines. A forecast before the predecessor's is allowed
    (the plan shows a warning)."""
    refuse(permissions.can_manage_plan(access_of(actor), milestone.programme_id))
    if baseline_date is not KEEP:
        raise ActionError(
            f"{RE_BASELINE}: raise a change request to move {milestone.code}'s baseline",
            field="baseline_date",
        )
    fields = _given(
        name=name,
        kind=kind,
        phase=phase,
        predecessor=predecessor,
        forecast_date=forecast_date,
        actual_date=actual_date,
        rag=rag,
        rationale=rationale,
        regulatory=regulatory,
        order=order,
    )
    now = _now(now)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    values = _milestone_values(milestone.programme_id, fields, now=now)
    if "predecessor" in values:
        _check_predecessor(milestone, values["predecessor"])
    before = snapshot(milestone, MILESTONE_FIELDS)
    for key, value in values.items():
        setattr(milestone, key, value)
    changes = diff(before, snapshot(milestone, MILESTONE_FIELDS))
    if changes:
        milestone.updated_at = now
        milestone.save()
        journal(actor, milestone, "plan.milestone.update", changes=changes)
    else:
        journal(actor, milestone, "plan.milestone.update", note="Nothing changed")
    return milestone
