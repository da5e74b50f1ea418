"""Every answer under /api/ that is an error is application/problem+json — whoever produced it."""

import pytest
from django.test import Client

from busbar.conftest import World

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/incidents/INC0000001/nope", "/api/v2/incidents", "/api/"]
)
def test_unknown_api_path_is_a_404_problem(world: World, path: str) -> None:
    for client in (Client(), world.client(world.user_a)):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == PROBLEM
        assert response.json()["status"] == 404 and response.json()["instance"] == path


def test_wrong_method_is_a_405_problem_naming_the_allowed_ones(world: World) -> None:
    response = world.client(world.user_a).put("/api/v1/me", {}, content_type="application/json")
    assert response.status_code == 405 and response["Content-Type"] == PROBLEM
    assert "GET" in response["Allow"]


def test_unknown_page_outside_the_api_stays_an_html_page(world: World) -> None:
    response = world.client(world.user_a).get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert b"Page not found" in response.content


def test_csrf_failure_on_a_page_is_an_html_page(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user_a)
    response = client.post("/profile/", {"full_name": "x"})
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")


def test_an_oversized_body_is_refused_before_it_is_read(world: World) -> None:
    from django.conf import settings

    too_big = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    client = world.client(world.user_a)
    response = client.generic(
        "POST", "/api/v1/incidents", b"{}", "application/json", CONTENT_LENGTH=str(too_big)
    )
    assert response.status_code == 413 and response["Content-Type"] == PROBLEM
    page = client.generic(
        "POST", "/incidents/new/", b"", "multipart/form-data; boundary=x", CONTENT_LENGTH=str(too_big)
    )
    assert page.status_code == 413
