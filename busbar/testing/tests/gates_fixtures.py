"""Helpers for the gate tests: results, testing issues and gates made straight in the database (the
actions that record executions and raise issues are other areas', tested there)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from busbar.records.models import Record
from busbar.testing.actions import gates as gate_actions
from busbar.testing.models import (
    Criterion,
    Execution,
    Gate,
    GateKind,
    LatestResult,
    Participation,
    Result,
    TestingIssue,
)
from busbar.testing.tests.conftest import actor_for

_numbers = iter(range(9000, 100000))


def result(prog, participation: Participation, scenario, outcome: str = Result.PASSED) -> Execution:
    """An execution of ``scenario`` by ``participation`` that is its latest result."""
    now = timezone.now()
    execution = Execution.objects.create(
        phase=prog.phase,
        scenario=scenario,
        script_version=scenario.current_version,
        participation=participation,
        result=outcome,
        week=dt.date(2026, 9, 7),
        is_first=True,
        executed_at=now,
    )
    LatestResult.objects.update_or_create(
        scenario=scenario,
        participation=participation,
        defaults={"phase": prog.phase, "execution": execution, "result": outcome, "executed_at": now},
    )
    return execution


def pass_all(prog, participation: Participation) -> None:
    for scenario in prog.scenarios:
        result(prog, participation, scenario, Result.PASSED)


def issue(prog, category: int | None, status: str = "triaged") -> TestingIssue:
    number = next(_numbers)
    reference = f"TIS{number:07d}"
    kernel = Record.objects.create(kind="testing_issue", reference=reference)
    return TestingIssue.objects.create(
        record=kernel,
        reference=reference,
        programme=prog.programme,
        phase=prog.phase,
        summary=f"Issue {number}",
        description="Found in testing",
        status=status,
        category=category,
    )


def gate(prog, checklist: str | None = None, kind: str = GateKind.EXIT, name: str = "SIT exit") -> Gate:
    return gate_actions.create_gate(
        actor=actor_for(prog.si),
        phase=prog.phase,
        kind=kind,
        name=name,
        board=prog.pm_org,
        checklist=checklist,
    )


def manual(prog, the_gate: Gate, text: str = "Test report approved", mandatory: bool = True) -> Criterion:
    return gate_actions.add_criterion(actor=actor_for(prog.si), gate=the_gate, text=text, mandatory=mandatory)


def auto(prog, the_gate: Gate, rule: str, **kwargs) -> Criterion:
    return gate_actions.add_criterion(
        actor=actor_for(prog.si), gate=the_gate, text=f"Auto {rule}", auto_rule=rule, **kwargs
    )


def meet(prog, criterion: Criterion, note: str = "Signed off in the board pack, section 4") -> Criterion:
    return gate_actions.assess_criterion(
        actor=actor_for(prog.si), criterion=criterion, status="met", evidence_note=note
    )
