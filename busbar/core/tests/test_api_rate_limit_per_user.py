"""The API rate limit is one bucket per user id: renaming cannot reset it, nor another user exhaust it."""

import pytest
from django.test import override_settings

from busbar.accounts import actions as account_actions
from busbar.conftest import World, bearer
from busbar.lib.actions import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mid_window(monkeypatch) -> None:
    """Every request of a test in the middle of one window: a minute turning over between two requests
    would start a new window and the test would fail for the clock, not the code."""
    import types

    from busbar.core import api

    monkeypatch.setattr(api, "time", types.SimpleNamespace(time=lambda: 1_800_000_030.0))


def _token(user) -> str:
    return account_actions.create_api_token(actor=Actor(user=user), user=user, name="t")[1]


@override_settings(BUSBAR_API_RATE="3/m")
def test_the_fourth_request_in_the_window_is_429_with_retry_after(world: World) -> None:
    client = world.client(world.user_a)
    assert [client.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/me")
    assert response.status_code == 429 and response["Content-Type"] == "application/problem+json"
    assert 1 <= int(response["Retry-After"]) <= 60


@override_settings(BUSBAR_API_RATE="3/m")
def test_renaming_does_not_reset_the_bucket(world: World) -> None:
    client = world.client(world.user_a)
    for _ in range(3):
        client.get("/api/v1/me")
    account_actions.update_profile(actor=Actor(user=world.user_a), user=world.user_a, full_name="Renamed")
    assert client.get("/api/v1/me").status_code == 429


@override_settings(BUSBAR_API_RATE="3/m")
def test_a_namesake_cannot_exhaust_another_users_limit(world: World) -> None:
    """User B takes user A's display name and spends their whole allowance: A is unaffected."""
    account_actions.update_profile(actor=Actor(user=world.user_b), user=world.user_b, full_name="Same Name")
    account_actions.update_profile(actor=Actor(user=world.user_a), user=world.user_a, full_name="Same Name")
    b = world.client(world.user_b)
    for _ in range(4):
        b.get("/api/v1/me")
    assert b.get("/api/v1/me").status_code == 429
    assert world.client(world.user_a).get("/api/v1/me").status_code == 200


@override_settings(BUSBAR_API_RATE="3/m")
def test_more_tokens_do_not_multiply_the_limit(world: World) -> None:
    from django.test import Client

    first, second = _token(world.user_a), _token(world.user_a)
    codes = [Client().get("/api/v1/me", **bearer(t)).status_code for t in (first, second, first, second)]
    assert codes == [200, 200, 200, 429]


def test_the_database_counter_counts_in_one_statement_and_resets_each_window(db) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from busbar.core import ratelimit

    with CaptureQueriesContext(connection) as queries:
        counts = [ratelimit.hit("api:u1:60", window=60, now=600.0 + i, table=True) for i in range(3)]
    assert counts == [1, 2, 3] and len(queries) == 3
    assert ratelimit.hit("api:u1:60", window=60, now=660.0, table=True) == 1  # a new window
    assert ratelimit.hit("api:u2:60", window=60, now=660.0, table=True) == 1  # another key
