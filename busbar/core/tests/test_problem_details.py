"""API errors are RFC 9457 problem details naming what is wrong."""

import pytest

from busbar.conftest import World

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def test_anonymous_gets_401_with_bearer_challenge(db) -> None:
    from django.test import Client

    for path in ("/api/v1/organisations", "/api/v1/me", "/api/v1/users", "/api/v1/audit", "/api/v1/tokens"):
        response = Client().get(path)
        assert response.status_code == 401, path
        assert response["Content-Type"] == PROBLEM
        assert response["WWW-Authenticate"].startswith("Bearer")
        body = response.json()
        assert body["status"] == 401 and body["title"] and body["instance"] == path


def test_not_found_is_a_problem(world: World) -> None:
    response = world.client(world.user_a).get("/api/v1/organisations/999999")
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 404


def test_validation_error_names_the_field(world: World) -> None:
    response = world.client(world.user_a).get("/api/v1/organisations?limit=0")
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["limit"]
    response = world.client(world.user_a).get("/api/v1/organisations?limit=100000")
    assert response.status_code == 422


def test_bad_json_body_is_a_problem(world: World) -> None:
    response = world.client(world.platform_admin).post(
        "/api/v1/organisations", "{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422) and response["Content-Type"] == PROBLEM


def test_session_api_writes_need_csrf(world: World) -> None:
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(world.user_a)
    response = c.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)
