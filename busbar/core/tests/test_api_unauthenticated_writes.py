"""A write without working credentials is a 401 with a Bearer challenge — never a CSRF failure.

A script that forgets its token, or sends a revoked one, must learn that it is not authenticated; only a
signed-in browser session is subject to the CSRF check.
"""

import pytest
from django.test import Client

from busbar.accounts import actions as token_actions
from busbar.conftest import World, bearer
from busbar.lib.actions import Actor

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
WRITES = [
    ("post", "/api/v1/tokens", {"name": "sync"}),
    ("post", "/api/v1/incidents", {"service": 1, "summary": "x", "description": "y"}),
    ("post", "/api/v1/organisations", {"name": "Z", "roles": ["energy_supplier"]}),
    ("patch", "/api/v1/memberships/1", {"role": "participant"}),
    ("delete", "/api/v1/tokens/1", None),
]


def _send(client: Client, method: str, path: str, body: dict | None, **headers: str):
    return getattr(client, method)(path, body or {}, content_type="application/json", **headers)


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_anonymous_write_is_401_not_csrf(world: World, method: str, path: str, body: dict | None) -> None:
    response = _send(Client(enforce_csrf_checks=True), method, path, body)
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_bad_token_write_is_401_invalid_token(
    world: World, method: str, path: str, body: dict | None
) -> None:
    response = _send(Client(enforce_csrf_checks=True), method, path, body, **bearer("bb_not-a-real-token"))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert response["Content-Type"] == PROBLEM


def test_revoked_token_is_401_even_beside_a_session(world: World) -> None:
    """A token meant to be used that no longer works is refused, not silently replaced by the session."""
    token, secret = token_actions.create_api_token(
        actor=Actor(user=world.user_a), user=world.user_a, name="old"
    )
    token_actions.revoke_api_token(actor=Actor(user=world.user_a), token=token)
    client = world.client(world.user_a)
    response = client.get("/api/v1/me", **bearer(secret))
    assert response.status_code == 401 and 'error="invalid_token"' in response["WWW-Authenticate"]


def test_signed_in_session_without_csrf_token_is_403_csrf_problem(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user_a)
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    assert "CSRF" in response.json()["title"]
    assert world.user_a.api_tokens.count() == 0


def test_signed_in_session_with_csrf_token_may_write(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user_a)
    client.get("/profile/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/tokens", {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201, response.content
