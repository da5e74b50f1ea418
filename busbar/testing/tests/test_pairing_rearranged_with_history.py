"""Supplier–agent pairings (TA-15): re-arranging ends the old pairing with its reason and starts a new one;
nothing is deleted, and the participants page and the API show the history."""

from __future__ import annotations

import json

import pytest

from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.testing.actions import setup as actions
from busbar.testing.models import Pairing
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.setup_fixtures import second_agent, si

pytestmark = pytest.mark.django_db


def _fast_agent(prog):
    return actions.add_participation(
        actor=si(prog),
        phase=prog.phase,
        organisation=second_agent(prog, "Fast Agent Ltd"),
        role=prog.agent_role,
        cohort=prog.cohort,
    )


def test_rearranging_keeps_the_old_pairing_with_its_reason(prog):
    first = actions.pair(actor=si(prog), phase=prog.phase, supplier=prog.part_a, agent=prog.part_agent)
    fast = _fast_agent(prog)
    new = actions.rearrange_pairing(
        actor=si(prog), pairing=first, agent=fast, reason="Fastest paired with the fastest after 3 months"
    )
    first.refresh_from_db()
    assert first.ended_at is not None and first.ended_reason.startswith("Fastest paired")
    assert new.is_current and new.supplier == prog.part_a and new.agent == fast
    assert Pairing.objects.filter(phase=prog.phase).count() == 2
    with pytest.raises(Conflict):
        actions.rearrange_pairing(actor=si(prog), pairing=first, agent=fast, reason="again")
    with pytest.raises(ActionError) as same:
        actions.rearrange_pairing(actor=si(prog), pairing=new, agent=fast, reason="no change")
    assert same.value.field == "agent"
    with pytest.raises(ActionError) as no_reason:
        actions.rearrange_pairing(actor=si(prog), pairing=new, agent=prog.part_agent, reason=" ")
    assert no_reason.value.field == "reason"


def test_a_pair_twice_is_a_conflict_and_a_participant_is_not_paired_with_itself(prog):
    actions.pair(actor=si(prog), phase=prog.phase, supplier=prog.part_a, agent=prog.part_agent)
    with pytest.raises(Conflict):
        actions.pair(actor=si(prog), phase=prog.phase, supplier=prog.part_a, agent=prog.part_agent)
    with pytest.raises(ActionError):
        actions.pair(actor=si(prog), phase=prog.phase, supplier=prog.part_a, agent=prog.part_a)


def test_only_the_si_pairs(prog):
    for user in (prog.world.user_a, prog.world.user_b, prog.assurer, prog.world.analyst):
        with pytest.raises(NotPermitted):
            actions.pair(actor=actor_for(user), phase=prog.phase, supplier=prog.part_a, agent=prog.part_agent)


def test_a_withdrawal_ends_the_participants_pairings_and_keeps_them(prog):
    pairing = actions.pair(actor=si(prog), phase=prog.phase, supplier=prog.part_b, agent=prog.part_agent)
    fast = _fast_agent(prog)
    actions.pair(actor=si(prog), phase=prog.phase, supplier=prog.part_a, agent=fast)
    actions.add_participation(
        actor=si(prog),
        phase=prog.phase,
        organisation=second_agent(prog, "Third Supplier"),
        role=prog.supplier_role,
        cohort=prog.cohort,
    )
    actions.withdraw(actor=si(prog), participation=prog.part_b, reason="Left the programme")
    pairing.refresh_from_db()
    assert pairing.ended_at is not None and "withdrew: Left the programme" in pairing.ended_reason


def test_the_page_and_the_api_show_the_history(prog):
    first = actions.pair(actor=si(prog), phase=prog.phase, supplier=prog.part_a, agent=prog.part_agent)
    fast = _fast_agent(prog)
    client = prog.world.client(prog.si)
    response = client.post(
        f"/api/v1/testing/pairings/{first.pk}/rearrange",
        data=json.dumps({"agent": fast.pk, "reason": "Faster agent ready"}),
        content_type="application/json",
    )
    assert (
        response.status_code == 201 and response.json()["agent"]["organisation"]["name"] == "Fast Agent Ltd"
    )
    listed = client.get(f"/api/v1/testing/phases/{prog.phase.pk}/pairings").json()
    assert listed["count"] == 2 and [p["current"] for p in listed["items"]] == [True, False]
    ended = client.get(f"/api/v1/testing/phases/{prog.phase.pk}/pairings?current=false").json()["items"]
    assert ended[0]["ended_reason"] == "Faster agent ready"
    for who in (prog.world.user_a, prog.world.user_b, prog.assurer, prog.world.analyst):
        page = prog.world.client(who).get(f"/testing/{prog.programme.code}/{prog.phase.code}/participants/")
        body = page.content.decode()
        assert "Faster agent ready" in body and "Fast Agent Ltd" in body
    denied = prog.world.client(prog.world.user_a).post(
        f"/api/v1/testing/pairings/{first.pk}/end",
        data=json.dumps({"reason": "x"}),
        content_type="application/json",
    )
    assert denied.status_code == 403
    foreign = client.post(
        f"/api/v1/testing/phases/{prog.phase.pk}/pairings",
        data=json.dumps({"supplier": prog.part_a.pk, "agent": 99999}),
        content_type="application/json",
    )
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "agent"
