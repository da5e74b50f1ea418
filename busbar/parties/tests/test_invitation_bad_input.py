"""Bad invitation input is a 4xx naming the field, never a server error."""

import pytest
from django.test import Client

from busbar.conftest import World
from busbar.parties.models import Invitation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "role": "participant"}, "email"),
        ({"email": "a" * 250 + "@charlie.example", "role": "participant"}, "email"),
        ({"email": "", "role": "participant"}, "email"),
        ({"email": "a@charlie.example", "role": "wizard"}, "role"),
        ({"email": "a@charlie.example", "role": "participant", "full_name": "x" * 151}, "full_name"),
        ({"role": "participant"}, "email"),
    ],
)
def test_api_names_the_bad_field(world: World, payload: dict, field: str) -> None:
    response = world.client(world.admin_a).post(
        f"/api/v1/organisations/{world.org_a.pk}/invitations", payload, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("value", ["99999999999999999999999", "0", "-1", "abc"])
def test_api_refuses_bad_ids(world: World, value: str) -> None:
    c = world.client(world.admin_a)
    for method, path in (
        ("get", f"/api/v1/organisations/{value}/invitations"),
        ("post", f"/api/v1/organisations/{world.org_a.pk}/invitations/{value}/revoke"),
        ("post", f"/api/v1/invitations/{value}/accept"),
        ("post", f"/api/v1/invitations/{value}/decline"),
    ):
        response = getattr(c, method)(path)
        assert response.status_code in (404, 422), (path, response.status_code)
        assert response["Content-Type"] == "application/problem+json"


def test_web_form_names_the_bad_field(world: World) -> None:
    c = world.client(world.admin_a)
    bad = c.post(f"/organisations/{world.org_a.pk}/invite/", {"email": "not-an-email", "role": "participant"})
    assert bad.status_code == 422 and b"Enter a valid email address" in bad.content
    long = c.post(
        f"/organisations/{world.org_a.pk}/invite/",
        {"email": "a@charlie.example", "role": "participant", "full_name": "x" * 151},
    )
    assert long.status_code == 422 and b"at most 150 characters" in long.content
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("token", ["short", "x" * 101, "not-a-real-token-but-long-enough-00000"])
def test_a_bad_link_is_a_clear_not_found(db, token: str) -> None:
    response = Client().get(f"/invitations/{token}/")
    assert response.status_code == 404
    if len(token) >= 20 and len(token) <= 100:
        assert b"does not work" in response.content


def test_huge_web_ids_are_not_found(world: World) -> None:
    c = world.client(world.admin_a)
    assert c.post("/invitations/99999999999999999999999/revoke/").status_code == 404
    assert c.post("/invitations/999999999999999999/accept/").status_code == 404


def test_new_account_fields_are_bounded(world: World, django_capture_on_commit_callbacks) -> None:
    from busbar.parties.tests.invitations import invite

    _, token = invite(django_capture_on_commit_callbacks, world.org_a, "a@charlie.example", by=world.admin_a)
    response = Client().post(
        f"/invitations/{token}/",
        {"decision": "accept", "full_name": "x" * 151, "password": "p" * 300, "password_again": "p" * 300},
    )
    assert response.status_code == 422
    assert b"at most 150 characters" in response.content and b"at most 256 characters" in response.content
