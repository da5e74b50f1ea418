"""Recording an execution: it pins the script version, keeps week / is_first / the latest-result cell, and
refuses what does not belong (another programme's script version, another phase's scenario, a foreign
environment or pairing, impossible dates: 422 naming the field) and who may not (403)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, NotPermitted
from busbar.testing.actions.executions import add_evidence, record_execution
from busbar.testing.models import (
    Evidence,
    Execution,
    LatestResult,
    Pairing,
    Phase,
    PhaseKind,
    Result,
    ScriptVersion,
)
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.executions_fixtures import other_programme, scenario_with_script

LONDON_SUNDAY_NIGHT = dt.datetime(2026, 9, 13, 23, 30, tzinfo=dt.UTC)  # Monday 00:30 in London (BST)


def _record(prog, user, **kwargs):
    kwargs.setdefault("participation", prog.part_a)
    kwargs.setdefault("scenario", prog.scenarios[0])
    kwargs.setdefault("result", Result.PASSED)
    return record_execution(actor=actor_for(user), **kwargs)


def test_week_is_first_and_latest_result_kept(prog):
    user = prog.world.user_a
    first = _record(prog, user, result=Result.FAILED, executed_at=LONDON_SUNDAY_NIGHT)
    assert first.week == dt.date(2026, 9, 14)  # the London Monday, not the UTC Sunday's week
    assert first.is_first and first.script_version == prog.scenarios[0].current_version
    second = _record(prog, user, result=Result.PASSED, executed_at=LONDON_SUNDAY_NIGHT + dt.timedelta(days=1))
    assert not second.is_first
    cell = LatestResult.objects.get(scenario=prog.scenarios[0], participation=prog.part_a)
    assert (cell.execution_id, cell.result, cell.attempts) == (second.pk, Result.PASSED, 2)
    # A back-dated execution counts as an attempt but does not replace the newer result; being the earliest,
    # it becomes the first execution.
    older = _record(prog, user, result=Result.BLOCKED, executed_at=LONDON_SUNDAY_NIGHT - dt.timedelta(days=2))
    cell.refresh_from_db()
    assert (cell.execution_id, cell.result, cell.attempts) == (second.pk, Result.PASSED, 3)
    assert older.is_first
    assert list(Execution.objects.filter(is_first=True).values_list("pk", flat=True)) == [older.pk]
    assert AuditEntry.objects.filter(action="testing.record_execution").count() == 3


def test_execution_pins_the_version_it_ran(prog):
    scenario = prog.scenarios[0]
    v1 = scenario.current_version
    ran = _record(prog, prog.world.user_a)
    v2 = ScriptVersion.objects.create(
        scenario=scenario, version=2, steps=[{"action": "New", "expected": "New"}]
    )
    scenario.current_version = v2
    scenario.save(update_fields=["current_version"])
    later = _record(prog, prog.world.user_a)
    ran.refresh_from_db()
    assert ran.script_version == v1 and later.script_version == v2
    explicit = _record(prog, prog.world.user_a, script_version=v1)
    assert explicit.script_version == v1


def test_si_records_for_any_participant(prog):
    execution = _record(prog, prog.si, participation=prog.part_b)
    assert execution.participation == prog.part_b
    assert execution.recorded_by == prog.si


@pytest.mark.parametrize("who", ["user_b", "assurer", "analyst", "resolver"])
def test_recording_for_another_organisation_is_refused(prog, who):
    user = getattr(prog.world, who, None) or getattr(prog, who)
    with pytest.raises(NotPermitted):
        _record(prog, user)
    assert not Execution.objects.exists()


def test_bad_input_is_refused_naming_the_field(prog):
    user = prog.world.user_a
    _, other_phase, foreign_scenario, foreign_env = other_programme(prog.si_org)
    same_programme_phase = Phase.objects.create(
        programme=prog.programme,
        code="uit",
        name="UIT",
        kind=PhaseKind.UIT,
        planned_start=dt.date(2027, 2, 1),
        planned_end=dt.date(2027, 3, 1),
        owner=prog.si_org,
    )
    other_phase_scenario = scenario_with_script(same_programme_phase, "UIT-001")
    pairing = Pairing.objects.create(phase=prog.phase, supplier=prog.part_b, agent=prog.part_agent)
    now = timezone.now()
    cases = {
        "script_version": dict(script_version=foreign_scenario.current_version),  # another programme's
        "script_version ": dict(script_version=prog.scenarios[1].current_version),  # another scenario's
        "scenario": dict(scenario=other_phase_scenario),
        "scenario ": dict(scenario=foreign_scenario),
        "environment": dict(environment=foreign_env),
        "pairing": dict(pairing=pairing),  # Bravo's pairing, not Alpha's
        "executed_at": dict(executed_at=now + dt.timedelta(days=1)),
        "executed_at ": dict(executed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)),
        "result": dict(result="great"),
    }
    for field, kwargs in cases.items():
        with pytest.raises(ActionError) as refused:
            _record(prog, user, **kwargs)
        assert refused.value.status == 422 and refused.value.field == field.strip(), field
    assert "another programme" in _message(prog, user, script_version=foreign_scenario.current_version)
    assert not Execution.objects.exists() and not LatestResult.objects.exists()


def _message(prog, user, **kwargs) -> str:
    try:
        _record(prog, user, **kwargs)
    except ActionError as exc:
        return exc.message
    raise AssertionError("not refused")


def test_evidence_checked_by_content_and_all_or_nothing(prog, settings):
    user = prog.world.user_a
    good = ("datagen-output.csv", "text/csv", b"mpan,reading\n1234,5\n")
    fake_pdf = ("report.pdf", "application/pdf", b"just text")
    with pytest.raises(ActionError) as refused:
        _record(prog, user, evidence=[good, fake_pdf])
    assert refused.value.field == "evidence[1]"
    assert not Execution.objects.exists() and not Evidence.objects.exists()
    execution = _record(prog, user, evidence=[good])
    assert [e.content_type for e in execution.evidence.all()] == ["text/csv"]
    settings.BUSBAR_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ActionError) as too_big:
        add_evidence(
            actor=actor_for(user), execution=execution, files=[("log.txt", "text/plain", b"x" * 2048)]
        )
    assert too_big.value.field == "files[0]"
    with pytest.raises(NotPermitted):
        add_evidence(actor=actor_for(prog.world.user_b), execution=execution, files=[good])
    added = add_evidence(
        actor=actor_for(prog.si), execution=execution, files=[("trace.log", "", b"line 1\n")]
    )
    assert added[0].content_type == "text/plain"
    assert execution.evidence.count() == 2
