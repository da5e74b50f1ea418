"""Assurers are independent of the parties they assure (GV-57): the SI cannot make an assurer the owner of a
testing issue's fix, a board cannot make it (or an organisation outside the programme) the owner of a gate
condition, and neither is offered in the forms. Assessing gate criteria is the SI's alone (not a platform
administrator's)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from busbar.conftest import make_org
from busbar.lib.actions import ActionError, NotPermitted
from busbar.parties.models import IndustryRole
from busbar.testing import queries
from busbar.testing.actions import gates as gate_actions
from busbar.testing.actions import issues as actions
from busbar.testing.models import GateStatus
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.gates_fixtures import gate, manual, meet
from busbar.testing.tests.issue_fixtures import raised


def test_the_work_owners_are_participants_and_working_parties_only(prog):
    owners = set(queries.work_owners(prog.programme.pk))
    w = prog.world
    assert owners == {w.org_a, w.org_b, prog.agent_org, prog.si_org, prog.pm_org, prog.da_org}
    assert prog.assurer_org not in owners


def test_an_assurer_cannot_own_a_fix(prog):
    issue = raised(prog)
    with pytest.raises(ActionError) as refused:
        actions.triage(
            actor=actor_for(prog.si), issue=issue, category=2, root_cause="test_data", owner=prog.assurer_org
        )
    assert refused.value.field == "owner"
    page = prog.client(prog.si).get(f"/testing/issues/{issue.reference}/").content.decode()
    owner_choices = page.split('name="triage-owner"')[1].split("</select>")[0]
    assert "Independent Assurance" not in owner_choices and "Alpha Energy" in owner_choices


@pytest.mark.parametrize("who", ["assurer", "outsider"])
def test_a_condition_is_owned_inside_the_programme_and_never_by_an_assurer(prog, who):
    owner = (
        prog.assurer_org if who == "assurer" else make_org("Elsewhere Ltd", [IndustryRole.ENERGY_SUPPLIER])
    )
    the_gate = gate(prog)
    meet(prog, manual(prog, the_gate))
    due = timezone.localdate() + dt.timedelta(days=7)
    with pytest.raises(ActionError) as refused:
        gate_actions.decide_gate(
            actor=actor_for(prog.pm),
            gate=the_gate,
            outcome=GateStatus.GO_WITH_CONDITIONS,
            conditions=[{"text": "Retest IF-041", "owner": owner, "due_on": due}],
        )
    assert refused.value.field == "conditions[0].owner"
    the_gate.refresh_from_db()
    assert the_gate.status == GateStatus.PENDING


def test_a_platform_administrator_does_not_assess_criteria(prog):
    criterion = manual(prog, gate(prog))
    with pytest.raises(NotPermitted):
        gate_actions.assess_criterion(
            actor=actor_for(prog.world.platform_admin), criterion=criterion, status="met", evidence_note="x"
        )
