"""The direct path (account and membership at once) is for bootstrap code only, never for people."""

import pytest

from busbar.conftest import World
from busbar.lib.actions import Actor, NotPermitted
from busbar.parties import actions

pytestmark = pytest.mark.django_db


def test_add_member_is_for_the_system_only(world: World) -> None:
    for actor in (
        Actor(user=world.platform_admin),
        Actor(user=world.admin_a),
        Actor(user=None, channel="web"),
    ):
        with pytest.raises(NotPermitted):
            actions.add_member(
                actor=actor,
                organisation=world.org_a,
                email=world.user_b.email,
                full_name="",
                role="participant",
            )
    assert not world.user_b.memberships.filter(organisation=world.org_a).exists()
    membership = actions.add_member(
        actor=Actor.system(),
        organisation=world.org_a,
        email=world.user_b.email,
        full_name="",
        role="participant",
    )
    assert membership.user == world.user_b
