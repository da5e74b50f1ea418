"""A Change Notification moves only along the transition table; anything else is a 409 naming the status,
and the conflict-scan rows follow every move."""

import datetime as dt

import pytest

from busbar.changes import actions
from busbar.changes.models import ChangeService, ChangeStatus
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import Actor, Conflict, IllegalTransition

pytestmark = pytest.mark.django_db

LATER = NOW + dt.timedelta(hours=1)


def act(user):
    return Actor(user=user)


def _rows(change):
    return set(ChangeService.objects.filter(change=change).values_list("status", flat=True))


def test_accepted_started_completed_reviewed(chg):
    gas = act(chg.gas)
    change = actions.start_change(actor=gas, change=chg.accepted, now=NOW)
    assert change.status == ChangeStatus.IN_PROGRESS and change.actual_start == NOW
    assert _rows(change) == {ChangeStatus.IN_PROGRESS}
    later = NOW + dt.timedelta(hours=2)
    change = actions.complete_change(actor=gas, change=change, now=later, note="Released")
    assert change.status == ChangeStatus.COMPLETED and change.actual_end == later
    assert change.outcome_note == "Released"
    change = actions.mark_reviewed(actor=act(chg.desk), change=change, now=later)
    assert change.status == ChangeStatus.REVIEWED and _rows(change) == {ChangeStatus.REVIEWED}
    with pytest.raises(IllegalTransition) as refused:
        actions.cancel_change(actor=gas, change=change, reason="Too late")
    assert refused.value.status == 409 and refused.value.field == "status"


def test_draft_submitted_then_taken_into_review_then_cancelled(chg):
    provider = act(chg.provider)
    change = actions.submit_change(actor=provider, change=chg.draft, now=NOW)
    assert change.status == ChangeStatus.SUBMITTED and change.submitted_at == NOW
    change = actions.take_into_review(actor=act(chg.desk), change=change, now=NOW)
    assert change.status == ChangeStatus.UNDER_REVIEW and _rows(change) == {ChangeStatus.UNDER_REVIEW}
    change = actions.cancel_change(actor=provider, change=change, reason="Vendor patch withdrawn", now=NOW)
    assert change.status == ChangeStatus.CANCELLED and change.outcome_note == "Vendor patch withdrawn"


def test_live_fails_and_another_backs_out(chg):
    provider = act(chg.provider)
    change = actions.fail_change(actor=provider, change=chg.live, note="Firewall would not boot", now=NOW)
    assert change.status == ChangeStatus.FAILED and change.actual_end == NOW
    assert change.actual_start == NOW - dt.timedelta(hours=1)
    started = actions.start_change(actor=act(chg.gas), change=chg.accepted, now=NOW)
    backed = actions.back_out_change(actor=act(chg.gas), change=started, note="Rolled back", now=LATER)
    assert backed.status == ChangeStatus.BACKED_OUT


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("draft", lambda chg: actions.start_change(actor=act(chg.provider), change=chg.draft, now=NOW)),
        ("accepted", lambda chg: actions.complete_change(actor=act(chg.gas), change=chg.accepted, now=NOW)),
        (
            "submitted",
            lambda chg: actions.submit_change(actor=act(chg.provider), change=chg.submitted, now=NOW),
        ),
        ("done", lambda chg: actions.start_change(actor=act(chg.gas), change=chg.done, now=NOW)),
        ("live", lambda chg: actions.cancel_change(actor=act(chg.provider), change=chg.live, reason="x")),
        ("draft", lambda chg: actions.mark_reviewed(actor=act(chg.desk), change=chg.draft, now=NOW)),
    ],
)
def test_moves_off_the_table_are_409(chg, name, call):
    before = getattr(chg, name).status
    with pytest.raises(IllegalTransition) as refused:
        call(chg)
    assert refused.value.status == 409 and refused.value.field == "status"
    change = getattr(chg, name)
    change.refresh_from_db()
    assert change.status == before and _rows(change) == {before}


def test_only_a_submitted_change_is_taken_into_review(chg):
    for change in (chg.draft, chg.accepted):
        with pytest.raises(Conflict) as refused:
            actions.take_into_review(actor=act(chg.desk), change=change, now=NOW)
        assert refused.value.status == 409 and refused.value.field == "status"


def test_editing_a_submitted_change_is_409_for_its_provider(chg):
    with pytest.raises(Conflict) as refused:
        actions.edit_change(actor=act(chg.provider), change=chg.submitted, title="New title")
    assert refused.value.status == 409 and refused.value.field == "status"


def test_edit_a_draft_moves_its_rows(chg):
    start, end = NOW + dt.timedelta(days=11, hours=-9), NOW + dt.timedelta(days=11, hours=-7)
    change = actions.edit_change(
        actor=act(chg.provider), change=chg.draft, planned_start=start, planned_end=end, title="Patching"
    )
    assert change.title == "Patching"
    row = ChangeService.objects.get(change=change)
    assert (row.planned_start, row.planned_end) == (start, end)
