"""Service reviews (SL-10): the desk schedules, holds (minutes) and cancels them and agrees actions, which
may raise or feed an improvement; the owning provider completes its actions; others cannot."""

import datetime as dt

import pytest

from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.registers import actions
from busbar.registers.models import Improvement, ServiceReview
from busbar.registers.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db


def _review(reg, when=NOW - dt.timedelta(days=1)) -> ServiceReview:
    return actions.schedule_review(
        actor=actor(reg.world.ops),
        provider=reg.world.provider,
        title="CSS monthly review",
        held_on=when,
        period=dt.date(2027, 5, 1),
        agenda="May KPIs",
        now=NOW,
    )


def test_desk_schedules_and_holds(reg) -> None:
    review = _review(reg)
    assert review.status == "planned" and review.period == dt.date(2027, 5, 1)
    held = actions.hold_review(
        actor=actor(reg.world.analyst), review=review, minutes="Discussed May.", now=NOW
    )
    assert held.status == "held" and held.minutes == "Discussed May."


def test_provider_and_participant_cannot_schedule(reg) -> None:
    for user in (reg.world.resolver, reg.world.user_a):
        with pytest.raises(NotPermitted):
            actions.schedule_review(
                actor=actor(user), provider=reg.world.provider, title="X", held_on=NOW, now=NOW
            )


def test_schedule_refuses_a_non_provider_and_a_future_month(reg) -> None:
    with pytest.raises(ActionError) as caught:
        actions.schedule_review(
            actor=actor(reg.world.ops), provider=reg.world.org_a, title="X", held_on=NOW, now=NOW
        )
    assert caught.value.field == "provider"
    with pytest.raises(ActionError) as caught:
        actions.schedule_review(
            actor=actor(reg.world.ops),
            provider=reg.world.provider,
            title="X",
            held_on=NOW,
            period=dt.date(2027, 8, 1),
            now=NOW,
        )
    assert caught.value.field == "period"


def test_a_review_planned_for_later_is_not_held_yet(reg) -> None:
    review = _review(reg, when=NOW + dt.timedelta(days=7))
    with pytest.raises(ActionError) as caught:
        actions.hold_review(actor=actor(reg.world.ops), review=review, minutes="Early", now=NOW)
    assert caught.value.field == "held_on"


def test_cancelled_review_takes_no_minutes(reg) -> None:
    review = _review(reg)
    actions.cancel_review(actor=actor(reg.world.ops), review=review, reason="Provider unavailable", now=NOW)
    with pytest.raises(Conflict):
        actions.hold_review(actor=actor(reg.world.ops), review=review, minutes="x", now=NOW)


def test_action_raising_an_improvement_and_provider_completes_it(reg) -> None:
    review = _review(reg)
    done = actions.add_review_action(
        actor=actor(reg.world.ops),
        review=review,
        text="Shorten failover",
        due_on=dt.date(2027, 7, 1),
        raise_improvement=True,
        now=NOW,
    )
    assert done.owner_organisation == reg.world.provider
    improvement = Improvement.objects.get(pk=done.improvement_id)
    assert improvement.source == "service_review" and improvement.organisation == reg.world.provider
    with pytest.raises(NotPermitted):
        actions.complete_review_action(actor=actor(reg.gas), review_action=done, now=NOW)
    finished = actions.complete_review_action(actor=actor(reg.world.resolver), review_action=done, now=NOW)
    assert finished.status == "done" and finished.done_at == NOW
    with pytest.raises(Conflict):
        actions.drop_review_action(actor=actor(reg.world.ops), review_action=done, reason="late", now=NOW)


def test_action_feeding_an_existing_improvement(reg) -> None:
    review = _review(reg)
    done = actions.add_review_action(
        actor=actor(reg.world.ops),
        review=review,
        text="Report failover times",
        improvement=reg.improvement,
        now=NOW,
    )
    assert done.improvement == reg.improvement


def test_provider_cannot_add_actions_and_dropping_needs_a_reason(reg) -> None:
    review = _review(reg)
    with pytest.raises(NotPermitted):
        actions.add_review_action(actor=actor(reg.world.resolver), review=review, text="X", now=NOW)
    done = actions.add_review_action(actor=actor(reg.world.ops), review=review, text="Y", now=NOW)
    with pytest.raises(ActionError) as caught:
        actions.drop_review_action(actor=actor(reg.world.ops), review_action=done, reason="", now=NOW)
    assert caught.value.field == "note"
