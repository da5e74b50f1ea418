"""Personal API tokens: shown once, stored hashed, carry the owner's visibility, revocable."""

import datetime as dt

import pytest
from django.utils import timezone

from busbar.accounts.models import ApiToken, hash_token
from busbar.conftest import World, bearer

pytestmark = pytest.mark.django_db


def _create(world: World, user) -> str:
    response = world.client(user).post("/api/v1/tokens", {"name": "sync"}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["token"]


def test_token_is_shown_once_and_stored_hashed(world: World) -> None:
    raw = _create(world, world.user_a)
    stored = ApiToken.objects.get(user=world.user_a)
    assert raw.startswith("bb_") and raw not in (stored.digest, stored.prefix)
    assert stored.digest == hash_token(raw)
    listing = world.client(world.user_a).get("/api/v1/tokens").json()["items"]
    assert listing and "token" not in listing[0]


def test_token_carries_owner_visibility(world: World) -> None:
    from django.test import Client

    raw = _create(world, world.user_a)
    c = Client()
    me = c.get("/api/v1/me", **bearer(raw))
    assert me.status_code == 200 and me.json()["email"] == "user@alpha.example"
    assert c.get(f"/api/v1/users/{world.user_b.pk}", **bearer(raw)).status_code == 404
    assert c.get(f"/api/v1/users/{world.admin_a.pk}", **bearer(raw)).status_code == 200


def test_revoked_and_expired_tokens_fail(world: World) -> None:
    from django.test import Client

    raw = _create(world, world.user_a)
    token = ApiToken.objects.get(user=world.user_a)
    other_user = world.client(world.user_b).delete(f"/api/v1/tokens/{token.pk}")
    assert other_user.status_code == 404  # nobody else can revoke it
    assert world.client(world.user_a).delete(f"/api/v1/tokens/{token.pk}").status_code == 200
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401
    raw2 = _create(world, world.user_a)
    ApiToken.objects.filter(digest=hash_token(raw2)).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert Client().get("/api/v1/me", **bearer(raw2)).status_code == 401
    assert Client().get("/api/v1/me", **bearer("bb_nonsense")).status_code == 401


def test_token_of_deactivated_user_fails(world: World) -> None:
    from django.test import Client

    raw = _create(world, world.user_a)
    world.user_a.is_active = False
    world.user_a.save()
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401


def test_web_page_shows_token_once_and_revokes(world: World) -> None:
    c = world.client(world.user_a)
    response = c.post("/profile/tokens/", {"name": "reporting"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=world.user_a)
    assert f"bb_{token.prefix}_".encode() in response.content
    again = c.get("/profile/tokens/")
    assert f"bb_{token.prefix}_".encode() not in again.content
    assert c.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert world.client(world.user_b).post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404


def test_token_name_required(world: World) -> None:
    response = world.client(world.user_a).post(
        "/api/v1/tokens", {"name": ""}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "name"
    assert world.client(world.user_a).post("/profile/tokens/", {"name": ""}).status_code == 422
    assert not ApiToken.objects.exists()
