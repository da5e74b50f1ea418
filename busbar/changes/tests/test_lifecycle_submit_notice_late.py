"""Submitting measures the notice against the rule: a planned CSS outage 5 working days ahead is late under
the 8-working-day rule (REC R0055) and goes to the CCG; an emergency change skips the rule but needs its
reason and is due a retrospective review."""

import datetime as dt

import pytest

from busbar.changes import actions
from busbar.changes.models import ChangeNotification, ChangeStatus, ChangeType
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import ActionError, Actor
from busbar.records.models import Notification

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def act(user):
    return Actor(user=user)


def _raise(chg, start, end, **kw):
    fields = {"title": "CSS storage swap", "change_type": ChangeType.NORMAL, "is_outage": True, **kw}
    return actions.raise_change(
        actor=act(chg.provider),
        provider=chg.world.provider,
        services=[chg.css],
        planned_start=start,
        planned_end=end,
        now=NOW,
        **fields,
    )


def test_five_working_days_ahead_is_late(chg):
    # Wed 16 Jun → Thu 24 Jun: 17, 18, 21, 22, 23 are the working days between.
    start = dt.datetime(2027, 6, 24, 1, 0, tzinfo=UTC)
    change = _raise(chg, start, start + dt.timedelta(hours=2), change_type=ChangeType.STANDARD)
    change = actions.submit_change(actor=act(chg.provider), change=change, now=NOW)
    assert change.status == ChangeStatus.SUBMITTED  # a late standard change is not pre-approved
    assert change.is_late and change.notice_required == 8 and change.notice_given == 5
    assert change.notice_rule == chg.css_rule and not change.late_exception
    told = Notification.objects.filter(record=change.record)
    assert set(told.values_list("recipient_id", flat=True)) == {chg.ops.pk, chg.gas.pk}
    assert all("late notice" in n.title for n in told)


def test_on_time_is_not_late(chg):
    start = dt.datetime(2027, 7, 4, 1, 0, tzinfo=UTC)  # 12 working days on
    change = _raise(chg, start, start + dt.timedelta(hours=2))
    change = actions.submit_change(actor=act(chg.provider), change=change, now=NOW)
    assert not change.is_late and change.notice_given == 12 and change.notice_required == 8
    assert change.conflicts_checked_at == NOW


def test_emergency_skips_the_rule_but_needs_a_reason(chg):
    start = NOW + dt.timedelta(hours=3)
    change = _raise(chg, start, start + dt.timedelta(hours=1), change_type=ChangeType.EMERGENCY)
    with pytest.raises(ActionError) as refused:
        actions.submit_change(actor=act(chg.provider), change=change, now=NOW)
    assert refused.value.field == "emergency_reason"
    assert ChangeNotification.objects.get(pk=change.pk).status == ChangeStatus.DRAFT
    change = actions.edit_change(
        actor=act(chg.provider), change=change, emergency_reason="Certificate expires tonight"
    )
    change = actions.submit_change(actor=act(chg.provider), change=change, now=NOW)
    assert change.status == ChangeStatus.SUBMITTED
    assert not change.is_late and change.notice_rule is None and change.notice_required is None
    assert change.retrospective_review_due


def test_a_past_start_is_refused_unless_emergency(chg):
    start = NOW - dt.timedelta(hours=1)
    change = _raise(chg, start, start + dt.timedelta(hours=3))
    with pytest.raises(ActionError) as refused:
        actions.submit_change(actor=act(chg.provider), change=change, now=NOW)
    assert refused.value.field == "planned_start"
