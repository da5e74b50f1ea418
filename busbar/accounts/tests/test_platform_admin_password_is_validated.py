"""A platform administrator created from the command line gets a password that passes the validators."""

import pytest

from busbar.accounts.actions import create_platform_admin
from busbar.conftest import World
from busbar.lib.actions import ActionError, Actor

pytestmark = pytest.mark.django_db


def test_platform_admin_password_is_validated(world: World) -> None:
    with pytest.raises(ActionError) as weak:
        create_platform_admin(
            actor=Actor.system(),
            email="new@operator.example",
            full_name="New Admin",
            password="1234567890",
            organisation=world.operator,
        )
    assert weak.value.field == "password"
