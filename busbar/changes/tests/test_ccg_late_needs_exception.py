"""A late notification is accepted only as an exception to the notice rule, with a reason; the exception
is kept on the change and on the decision."""

import datetime as dt

import pytest

from busbar.changes.actions import decide
from busbar.changes.models import CcgDecision, ChangeNotification, ChangeStatus
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import ActionError, Actor

pytestmark = pytest.mark.django_db


def _late(change, **fields):
    ChangeNotification.objects.filter(pk=change.pk).update(
        is_late=True, notice_given=3, notice_required=5, **fields
    )
    change.refresh_from_db()
    return change


@pytest.mark.parametrize("outcome", ["accept", "accept_conditions"])
def test_late_change_is_refused_without_the_exception(chg, outcome):
    change = _late(chg.submitted)
    with pytest.raises(ActionError) as refused:
        decide(
            actor=Actor(user=chg.desk),
            change=change,
            outcome=outcome,
            reason="Fine",
            conditions="Bridge staffed" if outcome == "accept_conditions" else "",
            now=NOW,
        )
    assert refused.value.field == "late_exception"
    assert "3 of 5" in refused.value.message
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED and not change.late_exception
    assert not CcgDecision.objects.filter(change=change).exists()


def test_late_change_accepted_as_an_exception(chg):
    change = _late(chg.submitted)
    with pytest.raises(ActionError) as refused:
        decide(
            actor=Actor(user=chg.desk),
            change=change,
            outcome="accept",
            reason="",
            late_exception=True,
            now=NOW,
        )
    assert refused.value.field == "reason"
    decision = decide(
        actor=Actor(user=chg.desk),
        change=change,
        outcome="accept",
        reason="Security fix; the market was told at the last CCG",
        late_exception=True,
        now=NOW,
    )
    change.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED
    assert change.is_late and change.late_exception
    assert decision.late_exception


def test_rejecting_or_asking_more_of_a_late_change_needs_no_exception(chg):
    change = _late(chg.submitted)
    decision = decide(
        actor=Actor(user=chg.desk), change=change, outcome="more_info", reason="Why so late?", now=NOW
    )
    assert not decision.late_exception
    change.refresh_from_db()
    assert change.status == ChangeStatus.MORE_INFO and not change.late_exception


def test_an_exception_asked_for_a_change_on_time_is_not_recorded(chg):
    decision = decide(
        actor=Actor(user=chg.desk),
        change=chg.submitted,
        outcome="accept",
        reason="Fine",
        late_exception=True,
        now=NOW,
    )
    chg.submitted.refresh_from_db()
    assert not decision.late_exception and not chg.submitted.late_exception


def test_a_reschedule_that_leaves_it_late_still_needs_the_exception(chg):
    # Submitted an hour ago for a start three days on: late against the default 5 working days.
    change = _late(chg.submitted, submitted_at=NOW - dt.timedelta(hours=1))
    start = NOW + dt.timedelta(days=4, hours=15)  # Monday 21 Jun 01:00 UTC
    with pytest.raises(ActionError) as refused:
        decide(
            actor=Actor(user=chg.desk),
            change=change,
            outcome="reschedule",
            reason="Move off the weekend",
            new_start=start,
            new_end=start + dt.timedelta(hours=1),
            now=NOW,
        )
    assert refused.value.field == "late_exception"
    change.refresh_from_db()
    assert change.planned_start == chg.submitted.planned_start  # nothing half-written
    decide(
        actor=Actor(user=chg.desk),
        change=change,
        outcome="reschedule",
        reason="Move off the weekend",
        new_start=start,
        new_end=start + dt.timedelta(hours=1),
        late_exception=True,
        now=NOW,
    )
    change.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED and change.is_late and change.late_exception


def test_a_reschedule_far_enough_ahead_is_no_longer_late(chg):
    change = _late(chg.submitted)  # submitted 20 days ago
    start = NOW + dt.timedelta(days=25)
    decide(
        actor=Actor(user=chg.desk),
        change=change,
        outcome="reschedule",
        reason="Give the market its notice",
        new_start=start,
        new_end=start + dt.timedelta(hours=1),
        now=NOW,
    )
    change.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED
    assert not change.is_late and not change.late_exception
    assert change.notice_given >= change.notice_required == 5
