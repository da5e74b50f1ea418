"""Raising and updating risks: the score is likelihood × impact, recomputed on update; residual scores
come in pairs no worse than the inherent score; who may raise and change what."""

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, NotPermitted
from busbar.registers import actions
from busbar.registers.models import Risk
from busbar.registers.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db


def test_provider_raises_for_its_own_organisation_with_score(reg) -> None:
    risk = actions.raise_risk(
        actor=actor(reg.world.resolver), title="Certificate expiry", likelihood=2, impact=5, now=NOW
    )
    assert risk.reference.startswith("RSK") and risk.organisation == reg.world.provider
    assert risk.score == 10 and risk.raised_by == reg.world.resolver
    entry = AuditEntry.objects.get(action="risk.raise", record_id=str(risk.pk))
    assert entry.changes["score"] == [None, 10]


def test_provider_cannot_raise_for_another_organisation(reg) -> None:
    with pytest.raises(NotPermitted) as caught:
        actions.raise_risk(
            actor=actor(reg.world.resolver),
            title="X",
            likelihood=1,
            impact=1,
            organisation=reg.gas_org,
            now=NOW,
        )
    assert caught.value.field == "organisation"
    assert not Risk.objects.filter(title="X").exists()


def test_participant_cannot_raise(reg) -> None:
    with pytest.raises(NotPermitted):
        actions.raise_risk(actor=actor(reg.world.user_a), title="X", likelihood=1, impact=1, now=NOW)


def test_desk_raises_for_a_provider_and_owns_operator_items(reg) -> None:
    for_gas = actions.raise_risk(
        actor=actor(reg.world.ops),
        title="Gas risk",
        likelihood=1,
        impact=2,
        organisation=reg.gas_org,
        now=NOW,
    )
    assert for_gas.organisation == reg.gas_org
    own = actions.raise_risk(actor=actor(reg.world.analyst), title="Ours", likelihood=1, impact=2, now=NOW)
    assert own.organisation == reg.world.operator


@pytest.mark.parametrize(
    "field,value", [("likelihood", 0), ("impact", 6), ("likelihood", True), ("impact", "3")]
)
def test_scores_outside_one_to_five_are_refused_naming_the_field(reg, field, value) -> None:
    kwargs = {"likelihood": 3, "impact": 3, field: value}
    with pytest.raises(ActionError) as caught:
        actions.raise_risk(actor=actor(reg.world.analyst), title="Bad", now=NOW, **kwargs)
    assert caught.value.field == field
    assert not Risk.objects.filter(title="Bad").exists()


def test_update_recomputes_the_score_and_journals_it(reg) -> None:
    risk = actions.update_risk(actor=actor(reg.world.resolver), risk=reg.risk, fields={"impact": 2}, now=NOW)
    assert risk.score == 8
    entry = AuditEntry.objects.filter(action="risk.update", record_id=str(risk.pk)).latest("id")
    assert entry.changes["score"] == [16, 8]


def test_residual_scores_pair_and_do_not_exceed_the_inherent(reg) -> None:
    desk = actor(reg.world.analyst)
    with pytest.raises(ActionError) as caught:
        actions.update_risk(actor=desk, risk=reg.risk, fields={"residual_likelihood": 2}, now=NOW)
    assert caught.value.field == "residual_impact"
    with pytest.raises(ActionError) as caught:
        actions.update_risk(
            actor=desk, risk=reg.gas_risk, fields={"residual_likelihood": 5, "residual_impact": 5}, now=NOW
        )
    assert caught.value.field == "residual_likelihood"
    done = actions.update_risk(
        actor=desk, risk=reg.risk, fields={"residual_likelihood": 2, "residual_impact": 2}, now=NOW
    )
    assert (done.residual_likelihood, done.residual_impact) == (2, 2)


def test_another_provider_cannot_update(reg) -> None:
    with pytest.raises(NotPermitted):
        actions.update_risk(actor=actor(reg.gas), risk=reg.risk, fields={"impact": 1}, now=NOW)
    reg.risk.refresh_from_db()
    assert reg.risk.impact == 4


def test_provider_cannot_hand_its_risk_to_another_organisation(reg) -> None:
    with pytest.raises(NotPermitted) as caught:
        actions.update_risk(
            actor=actor(reg.world.resolver), risk=reg.risk, fields={"organisation": reg.gas_org}, now=NOW
        )
    assert caught.value.field == "organisation"


def test_owner_must_belong_to_the_owning_organisation(reg) -> None:
    with pytest.raises(ActionError) as caught:
        actions.update_risk(actor=actor(reg.world.analyst), risk=reg.risk, fields={"owner": reg.gas}, now=NOW)
    assert caught.value.field == "owner"
    done = actions.update_risk(
        actor=actor(reg.world.analyst), risk=reg.risk, fields={"owner": reg.world.resolver}, now=NOW
    )
    assert done.owner == reg.world.resolver


def test_nothing_to_change_is_refused(reg) -> None:
    with pytest.raises(ActionError):
        actions.update_risk(actor=actor(reg.world.analyst), risk=reg.risk, fields={"impact": 4}, now=NOW)


def test_review_date_in_the_past_or_beyond_five_years_is_refused(reg) -> None:
    desk = actor(reg.world.analyst)
    for day in (dt.date(2027, 6, 1), dt.date(2033, 1, 1)):
        with pytest.raises(ActionError) as caught:
            actions.update_risk(actor=desk, risk=reg.risk, fields={"review_by": day}, now=NOW)
        assert caught.value.field == "review_by"
