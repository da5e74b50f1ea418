"""The action log (GV-28…GV-33): references <GROUP><meeting 2 digits>-<NN>; owners update and recommend
closed; only the office closes, by ratifying a recommendation at a later meeting (GV-30); updates keep
their history and link the RAID items they mention (GV-33); owners are told in their inbox."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.lib.actions import ActionError, Conflict, IllegalTransition, NotPermitted
from busbar.programmes.actions import meetings as actions
from busbar.programmes.models import Action, ActionStatus, ActionUpdate
from busbar.programmes.tests.conftest import actor_for
from busbar.records.models import Notification


def test_reference_is_group_meeting_two_digits_and_sequence(gov, django_capture_on_commit_callbacks) -> None:
    office = actor_for(gov.office)
    with django_capture_on_commit_callbacks(execute=True):
        a = actions.raise_action(
            actor=office,
            meeting=gov.tmag18,
            description="Publish the Data Cleanse Plan",
            owner_organisation=gov.world.org_a,
            due_date=dt.date(2026, 12, 1),
        )
    assert a.reference == "TMAG18-03" and a.raised_on == gov.tmag18.date  # 01 and 02 exist
    b = actions.raise_action(
        actor=office, meeting=gov.tmag20, description="Consult constituents", owner_label="TMAG members"
    )
    assert b.reference == "TMAG20-01"
    early = actions.schedule_meeting(actor=office, group=gov.tmag, date=dt.date(2026, 1, 1), number=7)
    c = actions.raise_action(actor=office, meeting=early, description="x", owner_label="Programme")
    assert c.reference == "TMAG07-01"  # two digits, as TMAG07-03
    # Alpha's people are told in their inbox, with the action's page.
    notice = Notification.objects.get(recipient=gov.alpha)
    assert "TMAG18-03" in notice.title and notice.url == "/programmes/mhhs/actions/TMAG18-03/"
    assert not Notification.objects.filter(recipient=gov.bravo).exists()
    with pytest.raises(ActionError) as no_owner:
        actions.raise_action(actor=office, meeting=gov.tmag20, description="x")
    assert no_owner.value.field == "owner_organisation"
    with pytest.raises(ActionError) as outsider:
        actions.raise_action(
            actor=office, meeting=gov.tmag20, description="x", owner_organisation=gov.world.provider
        )
    assert outsider.value.field == "owner_organisation"
    with pytest.raises(ActionError):  # due before the meeting
        actions.raise_action(
            actor=office, meeting=gov.tmag20, description="x", owner_label="L", due_date=dt.date(2020, 1, 1)
        )
    for user in (gov.alpha, gov.assurer, gov.desk, gov.si):
        with pytest.raises(NotPermitted):
            actions.raise_action(actor=actor_for(user), meeting=gov.tmag20, description="x", owner_label="L")


def test_direct_close_is_409_and_only_ratification_closes(gov) -> None:
    office, alpha = actor_for(gov.office), actor_for(gov.alpha)
    with pytest.raises(IllegalTransition) as refused:
        actions.update_action(actor=office, action=gov.a18_01, status=ActionStatus.CLOSED, text="done")
    assert refused.value.status == 409 and refused.value.field == "status"
    with pytest.raises(IllegalTransition):  # an open action is not ratified: recommend it first
        actions.ratify_closure(actor=office, action=gov.a18_01, meeting=gov.tmag20)
    # The owner recommends closed (saying why), but may not ratify.
    with pytest.raises(ActionError) as why:
        actions.recommend_close(actor=alpha, action=gov.a18_01, text="")
    assert why.value.field == "text"
    done = actions.recommend_close(actor=alpha, action=gov.a18_01, text="Plan shared; see R1")
    assert done.status == ActionStatus.RECOMMEND_CLOSED and done.recommended_at is not None
    with pytest.raises(NotPermitted):
        actions.ratify_closure(actor=alpha, action=gov.a18_01, meeting=gov.tmag20)
    with pytest.raises(NotPermitted):
        actions.ratify_closure(actor=actor_for(gov.assurer), action=gov.a18_01, meeting=gov.tmag20)
    with pytest.raises(ActionError):  # ratified at a later meeting than the one that raised it
        actions.ratify_closure(actor=office, action=gov.a18_01, meeting=gov.tmag18)
    closed = actions.ratify_closure(actor=office, action=gov.a18_01, meeting=gov.tmag20)
    assert closed.status == ActionStatus.CLOSED
    assert closed.closed_at_meeting == gov.tmag20 and closed.closed_on == gov.tmag20.date
    last = ActionUpdate.objects.filter(action=closed).last()
    assert last.meeting == gov.tmag20 and last.status_to == ActionStatus.CLOSED
    with pytest.raises(IllegalTransition):
        actions.ratify_closure(actor=office, action=gov.a18_01, meeting=gov.tmag20)
    # Reopening a closed action is the office's, not the owner's.
    with pytest.raises(NotPermitted):
        actions.update_action(actor=alpha, action=gov.a18_01, status=ActionStatus.ONGOING, text="Not done")
    reopened = actions.update_action(
        actor=office, action=gov.a18_01, status=ActionStatus.ONGOING, text="Reopened"
    )
    assert reopened.status == ActionStatus.ONGOING and reopened.closed_at_meeting is None


def test_owner_updates_others_may_not(gov) -> None:
    alpha, bravo = actor_for(gov.alpha), actor_for(gov.bravo)
    updated = actions.update_action(
        actor=alpha, action=gov.a18_01, text="In progress", status=ActionStatus.ONGOING
    )
    assert updated.latest_update == "In progress" and updated.status == ActionStatus.ONGOING
    assert ActionUpdate.objects.get(action=updated).author == gov.alpha
    for user in (gov.bravo, gov.assurer, gov.desk, gov.si):
        with pytest.raises(NotPermitted):
            actions.update_action(actor=actor_for(user), action=gov.a18_01, text="Mine")
    with pytest.raises(NotPermitted):  # the due date is the office's
        actions.update_action(actor=alpha, action=gov.a18_01, due_date=dt.date(2027, 1, 31))
    with pytest.raises(ActionError):
        actions.update_action(actor=alpha, action=gov.a18_01)  # nothing to say
    # A named person owns it too, whatever their organisation.
    actions.edit_action(actor=actor_for(gov.office), action=gov.a18_02, owner_people=[gov.bravo])
    assert (
        actions.update_action(actor=bravo, action=gov.a18_02, text="Bravo's update").latest_update
        == "Bravo's update"
    )


def test_r_numbers_in_an_update_link_the_visible_raid_items(gov) -> None:
    alpha = actor_for(gov.alpha)
    actions.update_action(
        actor=alpha, action=gov.a18_01, text="R1 and R2 are open; R3 too; REC CP R0044; R999"
    )
    linked = set(Action.objects.get(pk=gov.a18_01.pk).raid_items.values_list("number", flat=True))
    assert linked == {1, 2}  # R3 is Bravo's private issue: Alpha cannot see it; R999 does not exist


def test_ratify_every_recommendation_at_once(gov) -> None:
    office = actor_for(gov.office)
    actions.recommend_close(actor=actor_for(gov.alpha), action=gov.a18_01, text="Done")
    done = actions.ratify_recommended(actor=office, meeting=gov.tmag20)
    assert sorted(a.reference for a in done) == ["TMAG18-01", "TMAG19-01"]
    assert set(Action.objects.filter(closed_at_meeting=gov.tmag20).values_list("reference", flat=True)) == {
        "TMAG18-01",
        "TMAG19-01",
    }
    with pytest.raises(ActionError):
        actions.ratify_recommended(actor=office, meeting=gov.tmag20)


def test_a_meeting_with_actions_is_not_cancelled(gov) -> None:
    office = actor_for(gov.office)
    actions.raise_action(actor=office, meeting=gov.tmag20, description="x", owner_label="TMAG members")
    with pytest.raises(Conflict):
        actions.cancel_meeting(actor=office, meeting=gov.tmag20)
