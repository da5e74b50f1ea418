"""A token's expiry must carry a time zone: a naive time is a field error, not a guess."""

import pytest

from busbar.conftest import World

pytestmark = pytest.mark.django_db


def test_naive_token_expiry_is_a_field_error(world: World) -> None:
    response = world.client(world.user_a).post(
        "/api/v1/tokens", {"name": "x", "expires_at": "2030-01-01T00:00:00"}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "expires_at"
