"""Status changes follow RISK_TRANSITIONS and CSI_TRANSITIONS (409 otherwise); the desk decides on
accepting and closing risks and on approving, rejecting and closing improvements; closing an improvement
needs its outcome; a review sets when it was reviewed and when it is next due."""

import datetime as dt

import pytest

from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.registers import actions
from busbar.registers.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db


def test_owner_mitigates_but_desk_accepts_and_closes(reg) -> None:
    done = actions.change_risk_status(
        actor=actor(reg.world.resolver), risk=reg.risk, status="mitigating", now=NOW
    )
    assert done.status == "mitigating"
    with pytest.raises(NotPermitted):
        actions.change_risk_status(actor=actor(reg.world.resolver), risk=reg.risk, status="accepted", now=NOW)
    assert (
        actions.change_risk_status(actor=actor(reg.world.ops), risk=reg.risk, status="closed", now=NOW).status
        == "closed"
    )


def test_illegal_risk_move_is_409(reg) -> None:
    actions.change_risk_status(actor=actor(reg.world.analyst), risk=reg.risk, status="closed", now=NOW)
    with pytest.raises(IllegalTransition) as caught:
        actions.change_risk_status(actor=actor(reg.world.analyst), risk=reg.risk, status="accepted", now=NOW)
    assert caught.value.status == 409


def test_another_provider_and_participant_cannot_move(reg) -> None:
    for user in (reg.gas, reg.world.user_a):
        with pytest.raises(NotPermitted):
            actions.change_risk_status(actor=actor(user), risk=reg.risk, status="mitigating", now=NOW)


def test_closing_an_improvement_needs_its_outcome(reg) -> None:
    desk = actor(reg.world.analyst)
    for status in ("approved", "in_progress", "implemented"):
        actions.change_improvement_status(actor=desk, improvement=reg.improvement, status=status, now=NOW)
    with pytest.raises(ActionError) as caught:
        actions.change_improvement_status(actor=desk, improvement=reg.improvement, status="closed", now=NOW)
    assert caught.value.field == "outcome"
    reg.improvement.refresh_from_db()
    assert reg.improvement.status == "implemented"
    done = actions.change_improvement_status(
        actor=desk, improvement=reg.improvement, status="closed", outcome="Outages 40% shorter", now=NOW
    )
    assert done.status == "closed" and done.outcome == "Outages 40% shorter"


def test_provider_cannot_approve_its_own_recommendation(reg) -> None:
    with pytest.raises(NotPermitted):
        actions.change_improvement_status(
            actor=actor(reg.world.resolver), improvement=reg.improvement, status="approved", now=NOW
        )
    actions.change_improvement_status(
        actor=actor(reg.world.ops), improvement=reg.improvement, status="approved", now=NOW
    )
    done = actions.change_improvement_status(
        actor=actor(reg.world.resolver), improvement=reg.improvement, status="in_progress", now=NOW
    )
    assert done.status == "in_progress"


def test_illegal_improvement_move_is_409(reg) -> None:
    with pytest.raises(IllegalTransition):
        actions.change_improvement_status(
            actor=actor(reg.world.analyst), improvement=reg.improvement, status="implemented", now=NOW
        )


def test_review_sets_last_reviewed_and_next_review(reg) -> None:
    done = actions.review_risk(
        actor=actor(reg.world.resolver),
        risk=reg.risk,
        next_review_by=dt.date(2027, 9, 1),
        note="Still high",
        now=NOW,
    )
    assert done.last_reviewed_at == NOW and done.review_by == dt.date(2027, 9, 1)
    assert done.record.entries.filter(body="Still high").exists()


def test_review_next_date_must_be_after_today(reg) -> None:
    with pytest.raises(ActionError) as caught:
        actions.review_improvement(
            actor=actor(reg.world.analyst),
            improvement=reg.improvement,
            next_review_by=dt.date(2027, 6, 16),
            now=NOW,
        )
    assert caught.value.field == "next_review_by"


def test_another_provider_cannot_review(reg) -> None:
    with pytest.raises(NotPermitted):
        actions.review_risk(actor=actor(reg.gas), risk=reg.risk, next_review_by=dt.date(2027, 9, 1), now=NOW)
