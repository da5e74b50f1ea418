"""A reschedule checks the new window, moves the change (and its service rows), ends accepted, finds its
conflicts again, and announces a moved outage: "rescheduled" once published, "planned" before."""

import datetime as dt

import pytest

from busbar.changes import steps
from busbar.changes.actions import decide
from busbar.changes.models import (
    Bulletin,
    ChangeConflict,
    ChangeNotification,
    ChangeService,
    ChangeStatus,
    ConflictKind,
    ServiceSubscription,
)
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import ActionError, Actor, IllegalTransition

pytestmark = pytest.mark.django_db


def _move(chg, change, start, end, **extra):
    return decide(
        actor=Actor(user=chg.desk),
        change=change,
        outcome="reschedule",
        reason=extra.pop("reason", "Clashes with another provider"),
        new_start=start,
        new_end=end,
        now=NOW,
        **extra,
    )


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (None, NOW + dt.timedelta(days=30), "new_start"),
        (NOW + dt.timedelta(days=30), None, "new_end"),
        (NOW + dt.timedelta(days=30), NOW + dt.timedelta(days=29), "new_end"),
        (NOW + dt.timedelta(days=30), NOW + dt.timedelta(days=30), "new_end"),
        (NOW + dt.timedelta(days=30), NOW + dt.timedelta(days=400), "new_end"),
        (NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=1), "new_start"),
        (dt.datetime(2027, 7, 1, 1, 0), dt.datetime(2027, 7, 1, 2, 0), "new_start"),  # no zone
    ],
)
def test_bad_windows_are_refused_naming_the_field(chg, start, end, field):
    before = (chg.submitted.planned_start, chg.submitted.planned_end)
    with pytest.raises(ActionError) as refused:
        _move(chg, chg.submitted, start, end)
    assert refused.value.field == field
    chg.submitted.refresh_from_db()
    assert (chg.submitted.planned_start, chg.submitted.planned_end) == before
    assert chg.submitted.status == ChangeStatus.SUBMITTED


def test_the_same_window_is_not_a_reschedule(chg):
    with pytest.raises(ActionError) as refused:
        _move(chg, chg.submitted, chg.submitted.planned_start, chg.submitted.planned_end)
    assert refused.value.field == "new_start"


def test_only_changes_awaiting_review_or_accepted_are_rescheduled(chg):
    start = NOW + dt.timedelta(days=30)
    for change in (chg.draft, chg.live, chg.done):
        with pytest.raises(IllegalTransition):
            _move(chg, change, start, start + dt.timedelta(hours=1))


def test_reschedule_moves_the_window_and_finds_conflicts_again(chg):
    change = chg.submitted  # CSS Registration, a component of CSS
    planned = change.planned_start
    # Onto the window of the CSS change in progress: its parent service is busy.
    start, end = NOW + dt.timedelta(minutes=30), NOW + dt.timedelta(hours=1, minutes=30)
    decision = _move(chg, change, start, end)
    change.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED
    assert (change.planned_start, change.planned_end) == (start, end)
    row = ChangeService.objects.get(change=change)
    assert (row.planned_start, row.planned_end, row.status) == (start, end, ChangeStatus.ACCEPTED)
    assert (decision.previous_start, decision.new_start, decision.new_end) == (
        planned,
        start,
        end,
    )
    found = ChangeConflict.objects.filter(change=change)
    assert found.filter(kind=ConflictKind.RELATED_SERVICE, other_change=chg.live).exists()
    assert change.conflict_count == found.count() >= 1 and change.conflicts_checked_at == NOW
    # Moved again, clear of everything: the stored conflicts are replaced.
    later = NOW + dt.timedelta(days=25)
    _move(chg, change, later, later + dt.timedelta(hours=1), reason="Clear of the firewall upgrade")
    change.refresh_from_db()
    assert change.conflict_count == 0 and not ChangeConflict.objects.filter(change=change).exists()


def test_a_published_outage_moved_is_announced_as_rescheduled(chg):
    ServiceSubscription.objects.create(user=chg.bravo, service=chg.uk_link, by_email=False)
    change = chg.accepted  # UK Link outage, accepted
    planned = change.planned_start
    start = planned + dt.timedelta(days=7)
    decision = _move(chg, change, start, start + dt.timedelta(hours=3))
    bulletin = Bulletin.objects.get(change=change)
    assert bulletin.kind == "rescheduled" and bulletin.recipient_count == 1
    assert "Was:" in bulletin.body
    assert decision.previous_start == planned
    change.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED and change.planned_start == start


def test_an_outage_awaiting_review_moved_is_announced_as_planned(chg):
    change = chg.draft
    ChangeNotification.objects.filter(pk=change.pk).update(
        status=ChangeStatus.SUBMITTED, submitted_at=NOW - dt.timedelta(days=20)
    )
    change.refresh_from_db()
    steps.sync_services(change)
    start = change.planned_start + dt.timedelta(days=7)
    _move(chg, change, start, start + dt.timedelta(hours=3))
    assert Bulletin.objects.get(change=change).kind == "planned"
