"""The plan's actions hold their input at the edge (dates, codes, lengths, other programmes' rows,
loops of predecessors, organisations outside the programme), refuse who may not act, and journal
every change."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.programmes.actions import plan as actions
from busbar.programmes.models import Milestone, PlanPhase
from busbar.programmes.tests.conftest import actor_for
from busbar.testing.models import Programme


def test_milestone_input_is_bounded(gov) -> None:
    office = actor_for(gov.office)
    cases = [
        ({"code": "M 1"}, "code"),
        ({"code": "M/1"}, "code"),
        ({"code": "x" * 21}, "code"),
        ({"name": ""}, "name"),
        ({"forecast_date": dt.date(1999, 12, 31)}, "forecast_date"),
        ({"rag": "purple"}, "rag"),
        ({"kind": "gate"}, "kind"),
        ({"order": 40_000}, "order"),
    ]
    for extra, field in cases:
        fields = {"code": "M20", "name": "A milestone", **extra}
        with pytest.raises(ActionError) as refused:
            actions.add_milestone(actor=office, programme=gov.programme, **fields)
        assert refused.value.field == field, extra
    with pytest.raises(Conflict):
        actions.add_milestone(actor=office, programme=gov.programme, code="M14", name="Twice")
    other = Programme.objects.create(code="fss", name="Faster Switching")
    foreign = Milestone.objects.create(programme=other, code="M1", name="Elsewhere")
    with pytest.raises(ActionError) as refused:
        actions.add_milestone(
            actor=office, programme=gov.programme, code="M20", name="x", predecessor=foreign
        )
    assert refused.value.field == "predecessor"
    foreign_phase = PlanPhase.objects.create(programme=other, code="design", name="Design")
    with pytest.raises(ActionError) as refused:
        actions.update_milestone(actor=office, milestone=gov.m14, phase=foreign_phase)
    assert refused.value.field == "phase"


def test_milestone_updates(gov) -> None:
    office = actor_for(gov.office)
    with pytest.raises(ActionError) as loop:
        actions.update_milestone(
            actor=office, milestone=gov.m10, predecessor=gov.m15
        )  # M15 follows M14 follows M10
    assert loop.value.field == "predecessor"
    with pytest.raises(ActionError) as future:
        actions.update_milestone(
            actor=office,
            milestone=gov.m10,
            actual_date=dt.date(2027, 2, 1),
            now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        )
    assert future.value.field == "actual_date"
    with pytest.raises(TypeError):  # the code is the milestone's address: not changed
        actions.update_milestone(actor=office, milestone=gov.m10, code="M11")
    done = actions.update_milestone(
        actor=office,
        milestone=gov.m10,
        actual_date=dt.date(2027, 2, 1),
        rag="complete",
        now=dt.datetime(2027, 2, 2, 9, tzinfo=dt.UTC),
    )
    assert (done.actual_date, done.rag) == (dt.date(2027, 2, 1), "complete")
    entry = AuditEntry.objects.filter(action="programmes.plan.milestone.update").latest("pk")
    assert entry.changes["rag"] == ["green", "complete"] and entry.actor == gov.office
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk, gov.si):
        with pytest.raises(NotPermitted):
            actions.update_milestone(actor=actor_for(user), milestone=gov.m10, rag="red")


def test_task_and_member_rules(gov) -> None:
    office = actor_for(gov.office)
    base = {
        "programme": gov.programme,
        "ref": "T1",
        "name": "Task",
        "start": dt.date(2027, 1, 4),
        "finish": dt.date(2027, 1, 8),
    }
    with pytest.raises(ActionError) as backwards:
        actions.add_task(actor=office, **{**base, "finish": dt.date(2027, 1, 1)})
    assert backwards.value.field == "finish"
    with pytest.raises(ActionError) as outside:
        actions.add_task(actor=office, **base, responsible=gov.world.provider)
    assert outside.value.field == "responsible"
    with pytest.raises(ActionError) as involved:
        actions.add_task(actor=office, **base, involved=[gov.world.org_a, gov.world.provider])
    assert involved.value.field == "involved[1]"
    with pytest.raises(ActionError) as long:
        actions.add_task(actor=office, **base, duration_days=10_001)
    assert long.value.field == "duration_days"
    task = actions.add_task(
        actor=office, **base, involved=[gov.world.org_a, gov.prog.si_org], responsible=gov.prog.pm_org
    )
    assert task.duration_days == 5 and set(task.involved.all()) == {gov.world.org_a, gov.prog.si_org}
    with pytest.raises(Conflict):
        actions.add_task(actor=office, **base)
    updated = actions.update_task(actor=office, task=task, involved=[gov.world.org_b])
    assert list(updated.involved.all()) == [gov.world.org_b]
    assert AuditEntry.objects.filter(action="programmes.plan.task.update").latest("pk").changes[
        "involved"
    ] == [
        ["Alpha Energy", "Programme SI"],
        ["Bravo Energy"],
    ]
    with pytest.raises(NotPermitted):
        actions.remove_task(actor=actor_for(gov.assurer), task=task)
    actions.remove_task(actor=office, task=task)
    assert AuditEntry.objects.filter(action="programmes.plan.task.remove").exists()
    with pytest.raises(Conflict):
        actions.add_member(actor=office, programme=gov.programme, organisation=gov.world.org_a)
    member = actions.add_member(
        actor=office, programme=gov.programme, organisation=gov.prog.agent_org, constituency="Agent"
    )
    assert (
        AuditEntry.objects.get(action="programmes.plan.member.add").owner_organisation == gov.prog.agent_org
    )
    with pytest.raises(NotPermitted):
        actions.remove_member(actor=actor_for(gov.alpha), member=member)


def test_phase_and_settings_rules(gov) -> None:
    office = actor_for(gov.office)
    with pytest.raises(ActionError) as code:
        actions.add_phase(actor=office, programme=gov.programme, code="Design Phase", name="Design")
    assert code.value.field == "code"
    with pytest.raises(ActionError) as window:
        actions.add_phase(
            actor=office,
            programme=gov.programme,
            code="design",
            name="Design",
            start=dt.date(2026, 5, 1),
            end=dt.date(2026, 4, 1),
        )
    assert window.value.field == "end"
    with pytest.raises(ActionError) as moved:
        actions.update_phase(actor=office, phase=gov.phase_mig, start=dt.date(2028, 1, 1))
    assert moved.value.field == "start"
    with pytest.raises(ActionError) as days:
        actions.settings(actor=office, programme=gov.programme, consultation_days=0)
    assert days.value.field == "consultation_days"
    saved = actions.settings(
        actor=office, programme=gov.programme, consultation_days=15, document_prefix="MHHS-X"
    )
    assert (saved.consultation_days, saved.assurance_days, saved.document_prefix) == (15, 5, "MHHS-X")
    with pytest.raises(NotPermitted):
        actions.settings(actor=actor_for(gov.assurer), programme=gov.programme, consultation_days=12)


def test_subsidiary_plan_rules(gov) -> None:
    with pytest.raises(NotPermitted):
        actions.add_party_milestone(
            actor=actor_for(gov.bravo), plan=gov.alpha_plan, name="x", planned_date=dt.date(2027, 1, 4)
        )
    with pytest.raises(ActionError) as planned:
        actions.add_party_milestone(
            actor=actor_for(gov.alpha), plan=gov.alpha_plan, name="x", planned_date=None
        )
    assert planned.value.field == "planned_date"
    other = Programme.objects.create(code="dcc", name="DCC FSM")
    foreign = Milestone.objects.create(programme=other, code="M1", name="Elsewhere")
    with pytest.raises(ActionError) as linked:
        actions.add_party_milestone(
            actor=actor_for(gov.alpha),
            plan=gov.alpha_plan,
            name="x",
            planned_date=dt.date(2027, 1, 4),
            programme_milestone=foreign,
        )
    assert linked.value.field == "programme_milestone"
    made = actions.add_party_milestone(
        actor=actor_for(gov.alpha),
        plan=gov.alpha_plan,
        name="Alpha PIT done",
        planned_date=dt.date(2027, 1, 4),
    )
    entry = AuditEntry.objects.get(action="programmes.plan.subsidiary.milestone.add")
    assert entry.owner_organisation == gov.world.org_a and entry.actor_organisation == gov.world.org_a
    with pytest.raises(Conflict):
        actions.create_subsidiary_plan(
            actor=actor_for(gov.alpha), programme=gov.programme, organisation=gov.world.org_a, name="Again"
        )
    assert made.plan_id == gov.alpha_plan.pk
