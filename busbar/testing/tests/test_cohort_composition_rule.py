"""The cohort-composition rule (TA-13, configurable per programme): every cohort shows what it lacks; a
phase does not start while a cohort breaks the rule (each failing cohort named with what it lacks); in a
started phase a withdrawal or a move that would break a cohort is refused naming the rule. Central parties
(mandatory roles) in no cohort count for every cohort."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from busbar.lib.actions import Conflict
from busbar.testing.actions import setup as actions
from busbar.testing.cohorts import composition_problems
from busbar.testing.models import EntryStatus, PhaseStatus
from busbar.testing.tests.setup_fixtures import planned_phase, second_agent, si

pytestmark = pytest.mark.django_db


def test_a_complete_cohort_has_no_problems_and_a_short_one_says_what_it_lacks(prog):
    assert composition_problems(prog.cohort) == []
    actions.update_participant_role(actor=si(prog), role=prog.agent_role, min_per_cohort=2)
    assert composition_problems(prog.cohort) == ["needs 1 more Advanced agent (has 1, needs 2)"]


def test_central_parties_in_no_cohort_count_for_every_cohort(prog):
    dtn = actions.add_participant_role(
        actor=si(prog), programme=prog.programme, code="dtn", label="DTN", min_per_cohort=1, mandatory=True
    )
    assert composition_problems(prog.cohort) == ["needs 1 more DTN (has 0, needs 1)"]
    actions.add_participation(actor=si(prog), phase=prog.phase, organisation=prog.da_org, role=dtn)
    assert composition_problems(prog.cohort) == []


def test_the_phase_does_not_start_while_a_cohort_breaks_the_rule(prog):
    phase = planned_phase(prog)
    short = actions.create_cohort(actor=si(prog), phase=phase, name="Cohort B", order=2)
    actions.add_participation(
        actor=si(prog), phase=phase, organisation=second_agent(prog), role=prog.agent_role, cohort=short
    )
    with pytest.raises(Conflict) as refused:
        actions.start_phase(actor=si(prog), phase=phase, on=dt.date(2026, 9, 7))
    assert "Cohort B needs 2 more Supplier (has 0, needs 2)" in refused.value.message
    assert "Cohort A" not in refused.value.message
    phase.refresh_from_db()
    assert phase.status == PhaseStatus.PLANNED
    # The API says the same, 409, and the cohorts endpoint shows the problem.
    client = prog.world.client(prog.si)
    response = client.post(
        f"/api/v1/testing/phases/{phase.pk}/start", data=json.dumps({}), content_type="application/json"
    )
    assert response.status_code == 409 and "Cohort B needs 2 more Supplier" in response.json()["detail"]
    cohorts = {c["name"]: c for c in client.get(f"/api/v1/testing/phases/{phase.pk}/cohorts").json()}
    assert cohorts["Cohort A"]["composition_problems"] == []
    assert cohorts["Cohort B"]["composition_problems"] == ["needs 2 more Supplier (has 0, needs 2)"]
    page = client.get(f"/testing/{prog.programme.code}/{phase.code}/participants/").content.decode()
    assert "Cohort B breaks the cohort rule" in page and "needs 2 more Supplier (has 0, needs 2)" in page


def test_a_withdrawal_that_breaks_a_started_cohort_is_refused(prog):
    with pytest.raises(Conflict) as refused:
        actions.withdraw(actor=si(prog), participation=prog.part_b, reason="Not ready")
    assert "cohort-composition rule" in refused.value.message
    assert "Cohort 1 needs 1 more Supplier (has 1, needs 2)" in refused.value.message
    prog.part_b.refresh_from_db()
    assert prog.part_b.status == EntryStatus.ENTERED


def test_a_move_that_breaks_a_started_cohort_is_refused_but_not_one_that_keeps_it(prog):
    other = actions.create_cohort(actor=si(prog), phase=prog.phase, name="Cohort 2")
    with pytest.raises(Conflict) as refused:
        actions.move_to_cohort(actor=si(prog), participation=prog.part_agent, cohort=other)
    assert "Cohort 1 needs 1 more Advanced agent (has 0, needs 1)" in refused.value.message
    spare = actions.add_participation(
        actor=si(prog),
        phase=prog.phase,
        organisation=second_agent(prog),
        role=prog.agent_role,
        cohort=prog.cohort,
    )
    moved = actions.move_to_cohort(actor=si(prog), participation=spare, cohort=other)
    assert moved.cohort == other


def test_in_a_planned_phase_cohorts_may_be_incomplete_while_being_built(prog):
    phase = planned_phase(prog)
    bravo = phase.participations.get(organisation=prog.world.org_b)
    withdrawn = actions.withdraw(actor=si(prog), participation=bravo, reason="Pulled out")
    assert withdrawn.status == EntryStatus.WITHDRAWN
    assert composition_problems(phase.cohorts.get()) == ["needs 1 more Supplier (has 1, needs 2)"]


def test_the_phase_page_refuses_to_start_naming_the_failing_cohort(prog):
    phase = planned_phase(prog)
    bravo = phase.participations.get(organisation=prog.world.org_b)
    actions.withdraw(actor=si(prog), participation=bravo, reason="Pulled out")
    client = prog.world.client(prog.si)
    url = f"/testing/{prog.programme.code}/{phase.code}/"
    page = client.get(url).content.decode()
    assert "Cohort A breaks the cohort rule" in page and "?form=start" in page
    refused = client.post(f"{url}?form=start", {"start-on": "2026-09-07"})
    assert refused.status_code == 409
    assert "Cohort A needs 1 more Supplier (has 1, needs 2)" in refused.content.decode()
    assert "?form=start" not in prog.world.client(prog.world.user_a).get(url).content.decode()
    added = client.post(
        f"/testing/{prog.programme.code}/{phase.code}/participants/?form=participant",
        {
            "participant-organisation": second_agent(prog, "Charlie Energy").pk,
            "participant-role": prog.supplier_role.pk,
            "participant-cohort": phase.cohorts.get().pk,
        },
        follow=True,
    )
    assert "Cohort A meets the cohort rule." in added.content.decode()
    assert client.post(f"{url}?form=start", {"start-on": "2026-09-07"}).status_code == 302
    phase.refresh_from_db()
    assert phase.status == PhaseStatus.IN_PROGRESS
