"""The CCG's decisions, meetings and members are the operator's (the desk and operations managers); the
providers, other providers and participants are refused."""

import datetime as dt

import pytest

from busbar.changes.actions import (
    add_ccg_member,
    cancel_meeting,
    decide,
    record_minutes,
    refresh_agenda,
    remove_ccg_member,
    retrospective_review,
    schedule_meeting,
)
from busbar.changes.models import CcgMeeting, CcgMember, ChangeNotification, ChangeStatus, ChangeType
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import Actor, NotPermitted

pytestmark = pytest.mark.django_db

ALLOWED = ["desk", "ops"]
DENIED = ["provider", "gas", "alpha"]


@pytest.mark.parametrize("persona", ALLOWED)
def test_desk_and_ops_decide(chg, persona):
    decide(
        actor=Actor(user=getattr(chg, persona)), change=chg.submitted, outcome="accept", reason="OK", now=NOW
    )
    chg.submitted.refresh_from_db()
    assert chg.submitted.status == ChangeStatus.ACCEPTED


@pytest.mark.parametrize("persona", DENIED)
def test_others_may_not_decide(chg, persona):
    actor = Actor(user=getattr(chg, persona))
    for outcome in ("accept", "reject", "more_info"):
        with pytest.raises(NotPermitted):
            decide(actor=actor, change=chg.submitted, outcome=outcome, reason="OK", now=NOW)
    with pytest.raises(NotPermitted):
        decide(
            actor=actor,
            change=chg.submitted,
            outcome="reschedule",
            reason="OK",
            new_start=NOW + dt.timedelta(days=30),
            new_end=NOW + dt.timedelta(days=30, hours=1),
            now=NOW,
        )
    chg.submitted.refresh_from_db()
    assert chg.submitted.status == ChangeStatus.SUBMITTED


def _emergency(chg):
    ChangeNotification.objects.filter(pk=chg.live.pk).update(
        change_type=ChangeType.EMERGENCY, retrospective_review_due=True
    )
    chg.live.refresh_from_db()
    return chg.live


@pytest.mark.parametrize("persona", ALLOWED + DENIED)
def test_retrospective_review_per_persona(chg, persona):
    change = _emergency(chg)
    actor = Actor(user=getattr(chg, persona))
    if persona in DENIED:
        with pytest.raises(NotPermitted):
            retrospective_review(actor=actor, change=change, reason="Justified", now=NOW)
        return
    retrospective_review(actor=actor, change=change, reason="Justified", now=NOW)
    change.refresh_from_db()
    assert not change.retrospective_review_due


@pytest.mark.parametrize("persona", ALLOWED + DENIED)
def test_meetings_and_members_per_persona(chg, persona):
    actor = Actor(user=getattr(chg, persona))
    held_at = NOW + dt.timedelta(days=2)
    member = CcgMember.objects.get(user=chg.gas)
    if persona in DENIED:
        with pytest.raises(NotPermitted):
            schedule_meeting(actor=actor, held_at=held_at, now=NOW)
        meeting = schedule_meeting(actor=Actor(user=chg.ops), held_at=held_at, now=NOW)
        for call in (
            lambda: refresh_agenda(actor=actor, meeting=meeting),
            lambda: record_minutes(actor=actor, meeting=meeting, minutes="m", now=held_at),
            lambda: cancel_meeting(actor=actor, meeting=meeting),
            lambda: add_ccg_member(actor=actor, organisation=chg.world.org_b, user=chg.bravo),
            lambda: remove_ccg_member(actor=actor, member=member),
        ):
            with pytest.raises(NotPermitted):
                call()
        assert CcgMeeting.objects.get(pk=meeting.pk).status == "planned"
        return
    meeting = schedule_meeting(actor=actor, held_at=held_at, now=NOW)
    refresh_agenda(actor=actor, meeting=meeting)
    record_minutes(actor=actor, meeting=meeting, minutes="Agreed the schedule", now=held_at)
    add_ccg_member(actor=actor, organisation=chg.world.org_b, user=chg.bravo)
    remove_ccg_member(actor=actor, member=member)
    assert CcgMeeting.objects.get(pk=meeting.pk).status == "held"
