"""``busbar totp`` prints codes for the demo's accounts only, outside development and tests."""

import pytest
from django.core.management import CommandError, call_command

from busbar.conftest import World

pytestmark = pytest.mark.django_db


def test_totp_command_refuses_real_accounts(world: World, settings) -> None:
    settings.TESTING = False
    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo accounts"):
        call_command("totp", "root@operator.example")  # a real (non-demo) account
