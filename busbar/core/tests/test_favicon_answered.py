"""``/favicon.ico`` is answered (browsers ask for it on every site), for everyone, and every page names its
icons."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", [None, "user_a", "analyst"])
def test_favicon_is_an_icon(world, who) -> None:
    response = world.client(getattr(world, who) if who else None).get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age=86400" in response["Cache-Control"]


def test_favicon_reached_before_mfa_is_set_up(world) -> None:
    from busbar.conftest import make_user
    from busbar.parties.models import MembershipRole

    analyst = make_user(world.operator, "new.analyst@operator.example", MembershipRole.ANALYST)
    assert world.client(analyst).get("/favicon.ico").status_code == 200


def test_favicon_refuses_writes(world) -> None:
    assert world.client(None).post("/favicon.ico").status_code == 405


def test_pages_name_their_icons(world) -> None:
    for user in (None, world.user_a):
        body = world.client(user).get("/accounts/login/" if user is None else "/").content.decode()
        assert '<link rel="icon" href="/favicon.ico" sizes="any">' in body
        assert 'favicon.svg" type="image/svg+xml">' in body
