"""The plan's phases (Design, Build, Integration testing, Migration …) with their RAG."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from busbar.audit.journal import diff, snapshot
from busbar.lib.actions import ActionError, Actor, action, refuse
from busbar.programmes import permissions
from busbar.programmes.actions.common import check_date, clean_text, journal
from busbar.programmes.actions.plan._common import KEEP, _given, _order, _rag, _unique
from busbar.programmes.models import PlanPhase
from busbar.testing.access import access_of
from busbar.testing.models import Phase, Programme

PHASE_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PHASE_CODE_MAX = PlanPhase._meta.get_field("code").max_length
PHASE_NAME_MAX = PlanPhase._meta.get_field("name").max_length
RAG_REASON_MAX = PlanPhase._meta.get_field("rag_reason").max_length
PHASE_FIELDS = ("name", "order", "start", "end", "rag", "rag_reason", "test_phase")


def _phase_values(programme_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in fields:
        out["name"] = clean_text(fields["name"], field="name", limit=PHASE_NAME_MAX, what="The name")
    if "order" in fields:
        out["order"] = _order(fields["order"])
    for key in ("start", "end"):
        if key in fields:
            out[key] = check_date(fields[key], field=key)
    if "rag" in fields:
        out["rag"] = _rag(fields["rag"])
    if "rag_reason" in fields:
        out["rag_reason"] = clean_text(
            fields["rag_reason"], field="rag_reason", limit=RAG_REASON_MAX, what="The reason", required=False
        )
    if "test_phase" in fields:
        test_phase = fields["test_phase"]
        if test_phase is not None and (
            not isinstance(test_phase, Phase) or test_phase.programme_id != programme_id
        ):
            raise ActionError("The test phase must be one of this programme's", field="test_phase")
        out["test_phase"] = test_phase
    return out


@action
def add_phase(
    *,
    actor: Actor,
    programme: Programme,
    code: str,
    name: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    rag: str = "",
    rag_reason: str = "",
    test_phase: Phase | None = None,
    order: int = 0,
) -> PlanPhase:
    """A phase of the plan (Design, Build, Integration testing, Migration …) with its RAG."""
    refuse(permissions.can_manage_plan(access_of(actor), programme.pk))
    code = clean_text(code, field="code", limit=PHASE_CODE_MAX, what="The code")
    if not PHASE_CODE_RE.match(code):
        raise ActionError("The code uses lower-case letters, digits and '-' (e.g. migration)", field="code")
    values = _phase_values(
        programme.pk,
        {
            "name": name,
            "order": order,
            "start": start,
            "end": end,
            "rag": rag,
            "rag_reason": rag_reason,
            "test_phase": test_phase,
        },
    )
    if values["start"] and values["end"] and values["end"] < values["start"]:
        raise ActionError("The phase ends before it starts", field="end")
    phase = _unique(
        lambda: PlanPhase.objects.create(programme=programme, code=code, **values),
        message=f"The plan already has a phase {code}",
        field="code",
    )
    journal(actor, phase, "plan.phase.add", changes=diff({}, snapshot(phase, ("code", *PHASE_FIELDS))))
    return phase


@action
def update_phase(
    *,
    actor: Actor,
    phase: PlanPhase,
    name: Any = KEEP,
    order: Any = KEEP,
    start: Any = KEEP,
    end: Any = KEEP,
    rag: Any = KEEP,
    rag_reason: Any = KEEP,
    test_phase: Any = KEEP,
) -> PlanPhase:
    """Change a phase's name, order, dates, RAG (and its reason) or test phase (each kept unless given)."""
    refuse(permissions.can_manage_plan(access_of(actor), phase.programme_id))
    fields = _given(
        name=name, order=order, start=start, end=end, rag=rag, rag_reason=rag_reason, test_phase=test_phase
    )
    phase = PlanPhase.objects.select_for_update().get(pk=phase.pk)
    values = _phase_values(phase.programme_id, fields)
    before = snapshot(phase, PHASE_FIELDS)
    for key, value in values.items():
        setattr(phase, key, value)
    if phase.start and phase.end and phase.end < phase.start:
        raise ActionError("The phase ends before it starts", field="end" if "end" in values else "start")
    changes = diff(before, snapshot(phase, PHASE_FIELDS))
    if changes:
        phase.save()
        journal(actor, phase, "plan.phase.update", changes=changes)
    else:
        journal(actor, phase, "plan.phase.update", note="Nothing changed")
    return phase
