"""A CCG meeting is numbered on from the last and its agenda generated: the changes awaiting review (late
ones as exceptions), emergency changes awaiting their retrospective review and major changes implemented
without their post-implementation review, nearest first. Minutes once held; a cancelled meeting stays."""

import datetime as dt

import pytest

from busbar.changes import agenda
from busbar.changes.actions import (
    cancel_meeting,
    decide,
    record_minutes,
    refresh_agenda,
    retrospective_review,
    schedule_meeting,
)
from busbar.changes.models import CcgAgendaItem, CcgMeeting, ChangeNotification, ChangeType
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import ActionError, Actor, Conflict

pytestmark = pytest.mark.django_db


def _agenda(meeting):
    return [(i.change_id, i.purpose) for i in agenda.items_of(meeting)]


def _emergency(change):
    ChangeNotification.objects.filter(pk=change.pk).update(
        change_type=ChangeType.EMERGENCY, retrospective_review_due=True
    )
    change.refresh_from_db()
    return change


def test_agenda_holds_what_is_due_nearest_first(chg, django_assert_max_num_queries):
    _emergency(chg.accepted)
    ChangeNotification.objects.filter(pk=chg.submitted.pk).update(is_late=True)
    meeting = schedule_meeting(
        actor=Actor(user=chg.ops), held_at=NOW + dt.timedelta(days=1), location="Teams"
    )
    assert meeting.number == 1 and meeting.status == "planned" and meeting.location == "Teams"
    assert _agenda(meeting) == [
        (chg.done.pk, agenda.POST_IMPLEMENTATION),  # major, completed last month, no PIR
        (chg.accepted.pk, agenda.RETROSPECTIVE),
        (chg.submitted.pk, agenda.LATE_EXCEPTION),
    ]
    assert [i.order for i in agenda.items_of(meeting)] == [1, 2, 3]
    with django_assert_max_num_queries(1):
        items = list(agenda.items_of(meeting))
        assert [i.change.provider.name for i in items]


def test_drafts_live_and_reviewed_changes_stay_off(chg):
    ChangeNotification.objects.filter(pk=chg.done.pk).update(pir_completed_at=NOW)
    meeting = schedule_meeting(actor=Actor(user=chg.desk), held_at=NOW + dt.timedelta(days=1))
    assert _agenda(meeting) == [(chg.submitted.pk, agenda.REVIEW)]


def test_numbers_follow_the_highest(chg):
    CcgMeeting.objects.create(number=41, held_at=NOW - dt.timedelta(days=30))
    first = schedule_meeting(actor=Actor(user=chg.ops), held_at=NOW + dt.timedelta(days=1))
    second = schedule_meeting(actor=Actor(user=chg.ops), held_at=NOW + dt.timedelta(days=8))
    assert (first.number, second.number) == (42, 43)


def test_refresh_keeps_what_was_decided_at_the_meeting(chg):
    ops = Actor(user=chg.ops)
    meeting = schedule_meeting(actor=ops, held_at=NOW + dt.timedelta(hours=2), now=NOW)
    decide(actor=ops, change=chg.submitted, outcome="accept", reason="OK", meeting=meeting, now=NOW)
    refresh_agenda(actor=ops, meeting=meeting)
    assert (chg.submitted.pk, agenda.REVIEW) in _agenda(meeting)
    # A change decided at a meeting it was not on is added to the agenda's end.
    ChangeNotification.objects.filter(pk=chg.accepted.pk).update(
        change_type=ChangeType.EMERGENCY, retrospective_review_due=True
    )
    chg.accepted.refresh_from_db()
    CcgAgendaItem.objects.filter(meeting=meeting, change=chg.accepted).delete()
    retrospective_review(actor=ops, change=chg.accepted, reason="Justified", meeting=meeting, now=NOW)
    assert _agenda(meeting)[-1] == (chg.accepted.pk, agenda.RETROSPECTIVE)
    # Decided elsewhere (no meeting): it leaves this agenda at the next refresh.
    other = schedule_meeting(actor=ops, held_at=NOW + dt.timedelta(days=7), now=NOW)
    assert chg.submitted.pk not in [c for c, _ in _agenda(other)]


def test_minutes_once_held_and_cancelling(chg):
    ops = Actor(user=chg.ops)
    held_at = NOW + dt.timedelta(days=1)
    meeting = schedule_meeting(actor=ops, held_at=held_at, now=NOW)
    with pytest.raises(Conflict) as refused:
        record_minutes(actor=ops, meeting=meeting, minutes="Too early", now=NOW)
    assert refused.value.field == "minutes"
    with pytest.raises(ActionError) as refused:
        record_minutes(actor=ops, meeting=meeting, minutes="  ", now=held_at)
    assert refused.value.field == "minutes"
    with pytest.raises(ActionError) as refused:
        record_minutes(actor=ops, meeting=meeting, minutes="x" * 20_001, now=held_at)
    assert refused.value.field == "minutes"
    record_minutes(
        actor=ops, meeting=meeting, minutes="Accepted two changes", attendees=[chg.ops, chg.gas], now=held_at
    )
    meeting.refresh_from_db()
    assert meeting.status == "held" and meeting.minutes == "Accepted two changes"
    assert set(meeting.attendees.all()) == {chg.ops, chg.gas}
    with pytest.raises(Conflict):
        cancel_meeting(actor=ops, meeting=meeting)
    with pytest.raises(Conflict):
        refresh_agenda(actor=ops, meeting=meeting)
    other = schedule_meeting(actor=ops, held_at=held_at + dt.timedelta(days=7), now=NOW)
    cancel_meeting(actor=ops, meeting=other)
    other.refresh_from_db()
    assert other.status == "cancelled" and other.agenda.exists()
    with pytest.raises(Conflict):
        cancel_meeting(actor=ops, meeting=other)
    with pytest.raises(Conflict) as refused:
        decide(actor=ops, change=chg.submitted, outcome="accept", reason="OK", meeting=other, now=NOW)
    assert refused.value.field == "meeting"


@pytest.mark.parametrize(
    ("held_at", "location", "field"),
    [
        (dt.datetime(2027, 6, 17, 10, 0), "", "held_at"),  # no zone
        (NOW + dt.timedelta(days=400), "", "held_at"),
        (None, "", "held_at"),
        (NOW + dt.timedelta(days=1), "x" * 201, "location"),
    ],
)
def test_bad_meeting_input_names_the_field(chg, held_at, location, field):
    with pytest.raises(ActionError) as refused:
        schedule_meeting(actor=Actor(user=chg.ops), held_at=held_at, location=location, now=NOW)
    assert refused.value.field == field
    assert not CcgMeeting.objects.exists()
