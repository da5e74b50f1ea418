"""Every change to quality gates (digest §6.2, TA-05…TA-12): gates and their criteria, assessments with
evidence, the board's decision with its conditions, and closing the conditions.

One transaction each, refused by :mod:`busbar.testing.permissions`, journalled, notices queued on commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, Conflict, action, check_transition, refuse
from busbar.lib.limits import check_text
from busbar.parties.models import Organisation
from busbar.records.steps import attachment_type
from busbar.testing import criteria as rules
from busbar.testing import gate_notices, permissions
from busbar.testing.access import access_of
from busbar.testing.models import (
    PHASE_TRANSITIONS,
    AutoRule,
    ConditionStatus,
    Criterion,
    CriterionStatus,
    Evidence,
    ExitRule,
    Gate,
    GateCondition,
    GateDecision,
    GateKind,
    GateStatus,
    Phase,
    PhaseStatus,
    ProgrammeFunction,
    ProgrammeParty,
)
from busbar.testing.progress import cohort_progress

#: Files attached to one assessment at most.
MAX_FILES = 10
#: Conditions of one decision at most.
MAX_CONDITIONS = 20
TEXT_MAX = Criterion._meta.get_field("text").max_length
NAME_MAX = Gate._meta.get_field("name").max_length
CONDITION_MAX = GateCondition._meta.get_field("text").max_length


def _journal(
    actor: Actor, obj: Any, phase: Phase, what: str, changes: dict | None = None, note: str = ""
) -> None:
    journal(
        actor=actor,
        action=f"testing.{what}",
        obj=obj,
        owner=phase.owner,
        changes=changes,
        note=note[:500],
    )


def _lock_gate(gate: Gate) -> Gate:
    return (
        Gate.objects.select_for_update(of=("self",))
        .select_related("phase", "phase__programme", "phase__owner", "board")
        .get(pk=gate.pk)
    )


def _still_pending(gate: Gate) -> None:
    if gate.status in (GateStatus.GO, GateStatus.GO_WITH_CONDITIONS):
        raise Conflict(
            f"{gate.name} is decided ({gate.get_status_display().lower()}): its criteria no longer change",
            field="status",
        )


def _clean_text(value: str, *, field: str, limit: int, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ActionError(f"Give the {what}", field=field)
    if len(value) > limit:
        raise ActionError(f"The {what} is {len(value)} characters; at most {limit}", field=field)
    return value


def _threshold(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ActionError("The threshold is a percentage, e.g. 95", field="threshold") from None
    if not number.is_finite() or number <= 0 or number > 100:
        raise ActionError("The threshold is a percentage above 0 and at most 100", field="threshold")
    return number.quantize(Decimal("0.01"))


def _new_criterion(
    gate: Gate,
    *,
    order: int,
    text: str,
    mandatory: bool,
    auto_rule: str,
    rule_phase: Phase | None,
    threshold: Any,
    from_checklist: bool = False,
) -> Criterion:
    text = _clean_text(text, field="text", limit=TEXT_MAX, what="criterion's text")
    if auto_rule not in AutoRule.values:
        raise ActionError(f"Unknown automatic rule {auto_rule!r}", field="auto_rule")
    if auto_rule == AutoRule.REPORT_APPROVED:
        if rule_phase is None and not from_checklist:
            raise ActionError("Name the phase whose completion report must be approved", field="rule_phase")
        if rule_phase is not None and rule_phase.programme_id != gate.phase.programme_id:
            raise ActionError(f"{rule_phase.name} is a phase of another programme", field="rule_phase")
    elif rule_phase is not None:
        raise ActionError("Only a 'report approved' rule names a phase", field="rule_phase")
    number = _threshold(threshold)
    if number is not None and auto_rule != AutoRule.MANDATORY_PASS_RATE:
        raise ActionError("Only a 'mandatory pass rate' rule takes a threshold", field="threshold")
    return Criterion.objects.create(
        gate=gate,
        order=order,
        text=text,
        mandatory=bool(mandatory),
        auto_rule=auto_rule,
        rule_phase=rule_phase,
        threshold=number,
    )


@action
def create_gate(
    *,
    actor: Actor,
    phase: Phase,
    kind: str,
    name: str,
    board: Organisation,
    board_label: str = "",
    planned_date: dt.date | None = None,
    checklist: str | None = None,
) -> Gate:
    """An entry or exit gate of ``phase``, decided by ``board`` (an approval board of the programme),
    starting from a standard ``checklist`` (a key of :data:`busbar.testing.criteria.CHECKLISTS`) or empty."""
    refuse(permissions.can_manage_phase(access_of(actor), phase))
    if kind not in GateKind.values:
        raise ActionError(f"A gate is {' or '.join(GateKind.values)}", field="kind")
    name = _clean_text(name, field="name", limit=NAME_MAX, what="gate a name")
    board_label = (board_label or "").strip()
    if len(board_label) > 120:
        raise ActionError("The board's name is at most 120 characters", field="board_label")
    if (
        board is None
        or not ProgrammeParty.objects.filter(
            programme_id=phase.programme_id, organisation=board, function=ProgrammeFunction.BOARD
        ).exists()
    ):
        raise ActionError(
            f"{board or 'No one'} is not an approval board of {phase.programme.name}", field="board"
        )
    spec = None
    if checklist:
        spec = rules.CHECKLISTS.get(checklist)
        if spec is None:
            raise ActionError(
                f"No checklist {checklist!r}; choose one of {', '.join(rules.CHECKLISTS)}", field="checklist"
            )
    gate = Gate.objects.create(
        phase=phase,
        kind=kind,
        name=name,
        board=board,
        board_label=board_label,
        planned_date=planned_date,
    )
    if spec is not None:
        for order, item in enumerate(spec.items, start=1):
            mandatory = item.mandatory
            if item.advisory_when_one_cohort and phase.exit_rule == ExitRule.ONE_COHORT:
                mandatory = False
            _new_criterion(
                gate,
                order=order,
                text=item.text,
                mandatory=mandatory,
                auto_rule=item.auto_rule,
                rule_phase=rules.resolve_rule_phase(phase, item),
                threshold=None,
                from_checklist=True,
            )
    _journal(
        actor,
        gate,
        phase,
        "gate_create",
        {
            "kind": [None, kind],
            "name": [None, name],
            "board": [None, str(board)],
            **({"checklist": [None, checklist]} if spec else {}),
        },
    )
    return gate


@action
def add_criterion(
    *,
    actor: Actor,
    gate: Gate,
    text: str,
    mandatory: bool = True,
    auto_rule: str = "",
    rule_phase: Phase | None = None,
    threshold: Any = None,
) -> Criterion:
    gate = _lock_gate(gate)
    refuse(permissions.can_manage_phase(access_of(actor), gate.phase))
    _still_pending(gate)
    last = Criterion.objects.filter(gate=gate).aggregate(n=Max("order"))["n"] or 0
    criterion = _new_criterion(
        gate,
        order=last + 1,
        text=text,
        mandatory=mandatory,
        auto_rule=auto_rule or "",
        rule_phase=rule_phase,
        threshold=threshold,
    )
    _journal(
        actor,
        gate,
        gate.phase,
        "criterion_add",
        {
            "criterion": [None, criterion.text],
            "mandatory": [None, criterion.mandatory],
            **({"auto_rule": [None, criterion.auto_rule]} if criterion.auto_rule else {}),
        },
    )
    return criterion


def _checked_files(files: Sequence[tuple[str, str, bytes]]) -> list[tuple[str, str, bytes]]:
    files = list(files)
    if len(files) > MAX_FILES:
        raise ActionError(f"Attach at most {MAX_FILES} files at a time", field="files")
    max_bytes = settings.BUSBAR_ATTACHMENT_MAX_BYTES
    checked = []
    for index, (name, content_type, content) in enumerate(files):
        field = f"files[{index}]"
        name = (name or "").strip().replace("/", "_").replace("\\", "_")[:200] or "evidence"
        if not content:
            raise ActionError(f"{name} is empty", field=field)
        if len(content) > max_bytes:
            raise ActionError(f"{name} is {len(content):,} bytes; the limit is {max_bytes:,}", field=field)
        checked.append((name, attachment_type(name, content_type, content, field=field), content))
    return checked


@action
def assess_criterion(
    *,
    actor: Actor,
    criterion: Criterion,
    status: str,
    evidence_note: str | None = None,
    files: Sequence[tuple[str, str, bytes]] = (),
) -> Criterion:
    """The SI's assessment of a criterion: its status and its evidence (files, or a note saying where the
    evidence is). An automatic criterion is computed from the data; it can only be waived (with the
    reason) or the waiver withdrawn. ``evidence_note`` None keeps the note as it is."""
    gate = _lock_gate(criterion.gate)
    criterion = Criterion.objects.select_for_update(of=("self",)).get(pk=criterion.pk, gate=gate)
    refuse(permissions.can_assess(access_of(actor), criterion))
    _still_pending(gate)
    if status not in CriterionStatus.values:
        raise ActionError(f"A criterion is {', '.join(CriterionStatus.values)}", field="status")
    note = criterion.evidence_note if evidence_note is None else evidence_note.strip()
    check_text(note, field="evidence_note")
    checked = _checked_files(files)
    if criterion.is_automatic and status not in (CriterionStatus.WAIVED, CriterionStatus.NOT_ASSESSED):
        raise ActionError(
            f"'{criterion.text}' is computed from the data: it can only be waived (or the waiver withdrawn)",
            field="status",
        )
    if status == CriterionStatus.WAIVED and not note:
        raise ActionError("Say why the criterion is waived", field="evidence_note")
    has_files = bool(checked) or criterion.evidence.exists()
    if status == CriterionStatus.MET and not criterion.is_automatic and not (note or has_files):
        raise ActionError(
            f"'{criterion.text}' is met only with its evidence: attach it or say where it is",
            field="evidence_note",
        )
    changes: dict[str, list] = {}
    if status != criterion.status:
        changes["status"] = [criterion.status, status]
    if note != criterion.evidence_note:
        changes["evidence_note"] = [criterion.evidence_note[:200] or None, note[:200] or None]
    if checked:
        changes["evidence"] = [None, ", ".join(name for name, _, _ in checked)[:500]]
    if not changes:
        raise ActionError("Nothing to change", field="status")
    now = timezone.now()
    for name, content_type, content in checked:
        evidence = Evidence(
            criterion=criterion,
            filename=name,
            content_type=content_type,
            size=len(content),
            uploaded_by=actor.user,
            uploaded_by_organisation=actor.organisation,
            created_at=now,
        )
        evidence.file.save(name[-100:], ContentFile(content), save=False)
        evidence.save()
    criterion.status, criterion.evidence_note = status, note
    criterion.assessed_at, criterion.assessed_by = now, actor.user
    criterion.save(update_fields=["status", "evidence_note", "assessed_at", "assessed_by"])
    _journal(
        actor, criterion, gate.phase, "criterion_assess", {"criterion": [None, criterion.text], **changes}
    )
    return criterion


def _conditions(conditions: Iterable[dict], today: dt.date, programme_id: int) -> list[dict]:
    from busbar.testing.queries import work_owners

    owners = set(work_owners(programme_id).values_list("pk", flat=True))
    cleaned = []
    items = list(conditions)
    if len(items) > MAX_CONDITIONS:
        raise ActionError(f"At most {MAX_CONDITIONS} conditions", field="conditions")
    for index, item in enumerate(items):
        base = f"conditions[{index}]"
        if not isinstance(item, dict):
            raise ActionError("A condition has a text, an owner and a due date", field=base)
        text = _clean_text(
            str(item.get("text") or ""), field=f"{base}.text", limit=CONDITION_MAX, what="condition's text"
        )
        owner = item.get("owner")
        if not isinstance(owner, Organisation) or not owner.is_active:
            raise ActionError("Name the organisation that owns the condition", field=f"{base}.owner")
        if owner.pk not in owners:
            raise ActionError(
                f"{owner} takes no part in the programme (assurers own no conditions)", field=f"{base}.owner"
            )
        due_on = item.get("due_on")
        if not isinstance(due_on, dt.date) or isinstance(due_on, dt.datetime):
            raise ActionError("Give the condition a due date", field=f"{base}.due_on")
        if due_on < today:
            raise ActionError(
                f"The condition's due date {due_on:%d %b %Y} is in the past", field=f"{base}.due_on"
            )
        cleaned.append({"text": text, "owner": owner, "due_on": due_on})
    return cleaned


def _quote(states: list[rules.CriterionState]) -> str:
    return "; ".join(f"'{s.criterion.text}'" for s in states)


@action
def decide_gate(
    *, actor: Actor, gate: Gate, outcome: str, note: str = "", conditions: Iterable[dict] = ()
) -> GateDecision:
    """The named board's decision: go, go with conditions (at least one, each owned and due), or no-go (with
    the reason). Refused while a mandatory manual criterion has no evidence; a go only when every mandatory
    criterion is met or waived (automatic ones computed now). The criteria as they stand are kept with the
    decision. An exit gate's go moves the phase to exited (under the one-cohort rule the completed cohorts
    are marked; the others continue post-SIT, TA-09)."""
    gate = _lock_gate(gate)
    refuse(permissions.can_decide_gate(access_of(actor), gate))
    if outcome not in GateStatus.values or outcome == GateStatus.PENDING:
        raise ActionError("Decide go, go with conditions or no-go", field="outcome")
    check_transition(rules.GATE_TRANSITIONS, gate.status, outcome, what=f"Gate {gate.name!r}")
    note = (note or "").strip()
    check_text(note, field="note")
    today = timezone.localdate()
    conditions = list(conditions or ())
    if outcome == GateStatus.GO_WITH_CONDITIONS:
        cleaned = _conditions(conditions, today, gate.phase.programme_id)
        if not cleaned:
            raise ActionError("A go with conditions names at least one condition", field="conditions")
    else:
        if conditions:
            raise ActionError("Only a go with conditions has conditions", field="conditions")
        cleaned = []
    if outcome == GateStatus.NO_GO and not note:
        raise ActionError("Say why the gate is not passed", field="note")
    states = rules.evaluate_gate(gate)
    missing = rules.without_evidence(states)
    if missing:
        raise ActionError(f"No evidence yet for the mandatory criteria: {_quote(missing)}", field="criteria")
    blockers = rules.blocking(states)
    if outcome == GateStatus.GO and blockers:
        raise ActionError(
            "A go needs every mandatory criterion met or waived; still blocking: "
            + "; ".join(f"'{s.criterion.text}' ({s.detail})" for s in blockers)[:2000],
            field="criteria",
        )
    now = timezone.now()
    decision = GateDecision.objects.create(
        gate=gate,
        outcome=outcome,
        note=note,
        criteria=[s.snapshot() for s in states],
        decided_at=now,
        decided_by=actor.user,
        decided_by_organisation=actor.acting_for(gate.board).organisation,
    )
    made = [
        GateCondition.objects.create(
            gate=gate, decision=decision, text=c["text"], owner=c["owner"], due_on=c["due_on"]
        )
        for c in cleaned
    ]
    changes: dict[str, list] = {"status": [gate.status, outcome]}
    gate.status, gate.decided_at = outcome, now
    gate.save(update_fields=["status", "decided_at"])
    if made:
        changes["conditions"] = [None, "; ".join(f"{c.text} ({c.owner}, {c.due_on})" for c in made)[:1000]]
    if blockers:
        changes["blocking"] = [None, _quote(blockers)[:1000]]
    _journal(actor.acting_for(gate.board), gate, gate.phase, "gate_decide", changes, note=note)
    if gate.kind == GateKind.EXIT and outcome in (GateStatus.GO, GateStatus.GO_WITH_CONDITIONS):
        _exit_phase(actor, gate, now)
    transaction.on_commit(lambda: gate_notices.notify_decision.enqueue(decision.pk))
    return decision


def _exit_phase(actor: Actor, gate: Gate, now: dt.datetime) -> None:
    phase = Phase.objects.select_for_update(of=("self",)).select_related("owner").get(pk=gate.phase_id)
    if phase.status == PhaseStatus.EXITED:
        return
    check_transition(PHASE_TRANSITIONS, phase.status, PhaseStatus.EXITED, what=f"Phase {phase.name}")
    changes: dict[str, list] = {"status": [phase.status, PhaseStatus.EXITED]}
    phase.status = PhaseStatus.EXITED
    if phase.actual_end is None:
        phase.actual_end = timezone.localdate(now)
        changes["actual_end"] = [None, phase.actual_end]
    phase.save(update_fields=["status", "actual_end"])
    if phase.exit_rule == ExitRule.ONE_COHORT:
        done = [g.cohort for g in cohort_progress(phase) if g.cohort is not None and g.complete]
        for cohort in done:
            if cohort.completed_at is None:
                cohort.completed_at = now
                cohort.save(update_fields=["completed_at"])
        if done:
            changes["completed_cohorts"] = [None, ", ".join(c.name for c in done)]
        carrying_on = rules.post_phase_participants(phase)
        if carrying_on:
            changes["post_phase"] = [None, ", ".join(str(p.organisation) for p in carrying_on)[:1000]]
    _journal(actor, phase, phase, "phase_exit", changes, note=f"Exit gate {gate.name} passed")


@action
def close_condition(*, actor: Actor, condition: GateCondition, note: str) -> GateCondition:
    """A condition met: closed with a note saying how (its owner, the SI or the board)."""
    condition = (
        GateCondition.objects.select_for_update(of=("self",))
        .select_related("gate", "gate__phase", "gate__phase__owner", "owner")
        .get(pk=condition.pk)
    )
    refuse(permissions.can_close_condition(access_of(actor), condition))
    if condition.status != ConditionStatus.OPEN:
        raise Conflict(f"The condition '{condition.text}' is already closed", field="status")
    note = (note or "").strip()
    if not note:
        raise ActionError("Say how the condition was met", field="note")
    check_text(note, field="note")
    now = timezone.now()
    condition.status, condition.closed_at = ConditionStatus.CLOSED, now
    condition.closed_by, condition.closing_note = actor.user, note
    condition.save(update_fields=["status", "closed_at", "closed_by", "closing_note"])
    _journal(
        actor.acting_for(condition.owner_id),
        condition,
        condition.gate.phase,
        "condition_close",
        {"status": [ConditionStatus.OPEN, ConditionStatus.CLOSED], "condition": [None, condition.text]},
        note=note,
    )
    return condition
