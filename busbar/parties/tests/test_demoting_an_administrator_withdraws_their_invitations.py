"""When an administrator's membership is deactivated, or their role changed away from administrator, the
pending invitations they sent and may no longer grant are withdrawn in the same action, journalled."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import World, make_user
from busbar.lib.actions import Actor
from busbar.parties import actions
from busbar.parties.models import Invitation, MembershipRole
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(world: World, django_capture_on_commit_callbacks):
    other_admin = make_user(world.org_a, "second.admin@alpha.example", MembershipRole.ORG_ADMIN, mfa=True)
    theirs, _ = invite(django_capture_on_commit_callbacks, world.org_a, "a@charlie.example", by=other_admin)
    mine, _ = invite(django_capture_on_commit_callbacks, world.org_a, "b@charlie.example", by=world.admin_a)
    return other_admin, theirs, mine


def _withdrawn_by(invitation: Invitation, actor) -> None:
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    entry = AuditEntry.objects.get(action="invitation.revoke", record_id=str(invitation.pk))
    assert entry.actor == actor and "may no longer invite people to Alpha Energy" in entry.note


@pytest.mark.parametrize("via", ["web", "api"])
def test_deactivating_an_administrator_withdraws_their_pending_invitations(
    world: World, sent, via: str
) -> None:
    other_admin, theirs, mine = sent
    c = world.client(world.admin_a)
    membership = other_admin.memberships.get()
    if via == "web":
        assert c.post(f"/memberships/{membership.pk}/active/", {"active": "0"}).status_code == 302
    else:
        response = c.patch(
            f"/api/v1/memberships/{membership.pk}", {"is_active": False}, content_type="application/json"
        )
        assert response.status_code == 200
    _withdrawn_by(theirs, world.admin_a)
    mine.refresh_from_db()
    assert mine.status == "pending"  # another administrator's invitations stand


def test_demoting_an_administrator_withdraws_their_pending_invitations(world: World, sent) -> None:
    other_admin, theirs, mine = sent
    response = world.client(world.admin_a).patch(
        f"/api/v1/memberships/{other_admin.memberships.get().pk}",
        {"role": "participant"},
        content_type="application/json",
    )
    assert response.status_code == 200
    _withdrawn_by(theirs, world.admin_a)
    mine.refresh_from_db()
    assert mine.status == "pending"


def test_changing_a_role_that_keeps_the_right_withdraws_nothing(world: World, sent) -> None:
    _, theirs, mine = sent
    actions.change_membership_role(
        actor=Actor(user=world.admin_a), membership=world.user_a.memberships.get(), role="resolver"
    )
    actions.set_membership_active(
        actor=Actor(user=world.admin_a), membership=world.user_a.memberships.get(), active=False
    )
    assert set(Invitation.objects.values_list("status", flat=True)) == {"pending"}
    assert not AuditEntry.objects.filter(action="invitation.revoke").exists()


def test_a_demoted_platform_administrator_loses_the_invitations_they_may_no_longer_grant(
    world: World, django_capture_on_commit_callbacks
) -> None:
    second_root = make_user(world.operator, "root2@operator.example", MembershipRole.PLATFORM_ADMIN, mfa=True)
    appoint, _ = invite(
        django_capture_on_commit_callbacks,
        world.operator,
        "next.root@operator.example",
        "platform_admin",
        by=second_root,
    )
    desk, _ = invite(
        django_capture_on_commit_callbacks, world.operator, "desk@operator.example", "analyst", by=second_root
    )
    elsewhere, _ = invite(
        django_capture_on_commit_callbacks, world.org_a, "a@charlie.example", by=second_root
    )
    actions.change_membership_role(
        actor=Actor(user=world.platform_admin), membership=second_root.memberships.get(), role="org_admin"
    )
    for inv, status in ((appoint, "revoked"), (desk, "pending"), (elsewhere, "revoked")):
        inv.refresh_from_db()
        assert inv.status == status, inv
