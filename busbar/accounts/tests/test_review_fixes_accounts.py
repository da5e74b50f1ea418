"""Token expiry needs a time zone; platform administrators get a real password; totp is for demo accounts."""

import pytest
from django.core.management import CommandError, call_command

from busbar.accounts.actions import create_platform_admin
from busbar.conftest import World
from busbar.lib.actions import ActionError, Actor

pytestmark = pytest.mark.django_db


def test_naive_token_expiry_is_a_field_error(world: World) -> None:
    response = world.client(world.user_a).post(
        "/api/v1/tokens", {"name": "x", "expires_at": "2030-01-01T00:00:00"}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "expires_at"


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


def test_totp_command_refuses_real_accounts(world: World, settings) -> None:  # noqa: ANN001
    settings.TESTING = False
    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo accounts"):
        call_command("totp", "root@operator.example")  # a real (non-demo) account
