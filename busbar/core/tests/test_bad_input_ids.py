"""Hostile ids in query strings are refused cleanly, never a server error."""

import pytest

from busbar.conftest import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["²", "99999999999999999999999", "-1", "abc"])
def test_api_filters_refuse_bad_ids(world: World, value: str) -> None:
    c = world.client(world.analyst)
    for path in (
        "/api/v1/audit?actor=",
        "/api/v1/audit?organisation=",
        "/api/v1/memberships?organisation=",
        "/api/v1/users?organisation=",
    ):
        response = c.get(path + value)
        assert response.status_code == 422, (path, value, response.status_code)
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("value", ["²", "99999999999999999999999"])
def test_service_list_ignores_bad_provider(world: World, value: str) -> None:
    assert world.client(world.user_a).get(f"/services/?provider={value}").status_code == 200
