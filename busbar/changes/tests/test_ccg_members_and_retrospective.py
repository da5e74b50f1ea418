"""CCG members: one empowered representative per organisation (deputies besides), members of the
organisation they sit for; leaving keeps the row. The retrospective review of an emergency change."""

import pytest

from busbar.changes.actions import add_ccg_member, remove_ccg_member, retrospective_review
from busbar.changes.models import CcgDecision, CcgMember, ChangeNotification, ChangeType
from busbar.changes.tests.conftest import NOW
from busbar.conftest import make_user
from busbar.lib.actions import ActionError, Actor, Conflict
from busbar.parties.models import MembershipRole

pytestmark = pytest.mark.django_db


def test_one_representative_per_organisation(chg):
    ops = Actor(user=chg.ops)
    deputy = make_user(chg.gas_org, "deputy@gascds.example", MembershipRole.RESOLVER)
    with pytest.raises(Conflict) as refused:
        add_ccg_member(actor=ops, organisation=chg.gas_org, user=deputy)
    assert refused.value.field == "role"
    member = add_ccg_member(actor=ops, organisation=chg.gas_org, user=deputy, role="deputy")
    assert member.is_active and member.role == "deputy"
    with pytest.raises(Conflict) as refused:
        add_ccg_member(actor=ops, organisation=chg.gas_org, user=deputy, role="deputy")
    assert refused.value.field == "user"
    # The representative leaves; the deputy steps up (the same row, made active again).
    remove_ccg_member(actor=ops, member=CcgMember.objects.get(user=chg.gas))
    with pytest.raises(Conflict):
        remove_ccg_member(actor=ops, member=CcgMember.objects.get(user=chg.gas))
    remove_ccg_member(actor=ops, member=member)
    again = add_ccg_member(actor=ops, organisation=chg.gas_org, user=deputy)
    assert again.pk == member.pk and again.role == "representative" and again.is_active


def test_member_must_belong_to_the_organisation(chg):
    ops = Actor(user=chg.ops)
    with pytest.raises(ActionError) as refused:
        add_ccg_member(actor=ops, organisation=chg.gas_org, user=chg.alpha, role="deputy")
    assert refused.value.field == "user"
    with pytest.raises(ActionError) as refused:
        add_ccg_member(actor=ops, organisation=chg.world.org_a, user=chg.alpha, role="observer")
    assert refused.value.field == "role"
    assert not CcgMember.objects.filter(user=chg.alpha).exists()


def test_retrospective_review_of_an_emergency_change(chg):
    change = chg.live
    with pytest.raises(Conflict) as refused:
        retrospective_review(actor=Actor(user=chg.ops), change=change, reason="x", now=NOW)
    assert refused.value.field == "retrospective"  # not an emergency change
    ChangeNotification.objects.filter(pk=change.pk).update(
        change_type=ChangeType.EMERGENCY, retrospective_review_due=True
    )
    with pytest.raises(ActionError) as refused:
        retrospective_review(actor=Actor(user=chg.ops), change=change, reason="", now=NOW)
    assert refused.value.field == "reason"
    decision = retrospective_review(
        actor=Actor(user=chg.ops), change=change, reason="The fix was needed that night", now=NOW
    )
    change.refresh_from_db()
    assert not change.retrospective_review_due and change.retrospective_reviewed_at == NOW
    assert decision.outcome == "retrospective" and decision.reason == "The fix was needed that night"
    with pytest.raises(Conflict):
        retrospective_review(actor=Actor(user=chg.ops), change=change, reason="Again", now=NOW)
    assert CcgDecision.objects.filter(change=change).count() == 1
