"""Answers to an invitation are guarded: the forms need their CSRF token, an answer cannot be replayed,
the API and the page refuse callers who have not proved they are the invitee, and nobody else (another
organisation's administrator, the desk) can answer in the invitee's place."""

import pytest
from django.test import Client

from busbar.conftest import PASSWORD, World, make_user
from busbar.parties.models import Invitation, Membership, MembershipRole
from busbar.parties.tests.invitations import deactivated_account, invite

pytestmark = pytest.mark.django_db


def _csrf_client(user) -> Client:
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    return c


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_the_forms_need_their_csrf_token(
    world: World, django_capture_on_commit_callbacks, decision: str
) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a
    )
    c = _csrf_client(world.user_b)
    assert c.post(f"/invitations/{token}/", {"decision": decision}).status_code == 403
    assert c.post(f"/invitations/{invitation.pk}/{decision}/").status_code == 403
    assert c.post(f"/api/v1/invitations/{invitation.pk}/{decision}").status_code == 403
    # Signed out, through the link (a deactivated account's password form).
    gone = deactivated_account(world)
    _, other = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    anonymous = Client(enforce_csrf_checks=True)
    assert (
        anonymous.post(f"/invitations/{other}/", {"decision": decision, "password": PASSWORD}).status_code
        == 403
    )
    assert Invitation.objects.filter(status="pending").count() == 2
    # With the token from the page, the same answer goes through.
    page = c.get(f"/invitations/{token}/")
    csrf = page.cookies["csrftoken"].value
    answered = c.post(f"/invitations/{token}/", {"decision": decision, "csrfmiddlewaretoken": csrf})
    assert answered.status_code == 302


def test_an_answer_cannot_be_replayed(world: World, django_capture_on_commit_callbacks) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a
    )
    c = world.client(world.user_b)
    assert c.post(f"/invitations/{token}/", {"decision": "accept"}).status_code == 302
    assert c.post(f"/invitations/{token}/", {"decision": "accept"}).status_code == 409
    api = c.post(f"/api/v1/invitations/{invitation.pk}/accept")
    assert api.status_code == 409 and api.json()["errors"][0]["field"] == "status"
    assert c.post(f"/api/v1/invitations/{invitation.pk}/decline").status_code == 409
    assert Membership.objects.filter(user=world.user_b, organisation=world.org_a).count() == 1
    invitation.refresh_from_db()
    assert invitation.status == "accepted"


def test_a_new_account_link_cannot_be_replayed(world: World, django_capture_on_commit_callbacks) -> None:
    _, token = invite(
        django_capture_on_commit_callbacks, world.org_a, "new@charlie.example", by=world.admin_a
    )
    data = {"decision": "accept", "full_name": "Nia", "password": PASSWORD, "password_again": PASSWORD}
    assert Client().post(f"/invitations/{token}/", data).status_code == 302
    assert Client().post(f"/invitations/{token}/", data).status_code == 409
    assert Membership.objects.filter(user__email="new@charlie.example").count() == 1


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_anonymous_api_answers_are_401(
    world: World, django_capture_on_commit_callbacks, decision: str
) -> None:
    invitation, _ = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a
    )
    response = Client().post(f"/api/v1/invitations/{invitation.pk}/{decision}")
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"
    assert Client().post(f"/invitations/{invitation.pk}/{decision}/").status_code == 302  # to sign-in
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"


def test_the_page_refuses_an_existing_active_account_without_a_session(
    world: World, django_capture_on_commit_callbacks
) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a
    )
    for data in (
        {"decision": "accept"},
        {"decision": "accept", "password": PASSWORD},
        {"decision": "accept", "full_name": "X", "password": PASSWORD, "password_again": PASSWORD},
    ):
        assert Client().post(f"/invitations/{token}/", data).status_code == 403
    assert not Membership.objects.filter(user=world.user_b, organisation=world.org_a).exists()
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    world.user_b.refresh_from_db()
    assert world.user_b.check_password(PASSWORD)  # nothing about the account was changed either


@pytest.mark.parametrize("name", ["admin_b", "analyst"])
def test_others_cannot_answer_in_the_invitees_place(
    world: World, django_capture_on_commit_callbacks, name: str
) -> None:
    who = (
        make_user(world.org_b, "admin@bravo.example", MembershipRole.ORG_ADMIN, mfa=True)
        if name == "admin_b"
        else world.analyst
    )
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a
    )
    c = world.client(who)
    for decision in ("accept", "decline"):
        assert c.post(f"/api/v1/invitations/{invitation.pk}/{decision}").status_code == 404
        assert c.post(f"/invitations/{invitation.pk}/{decision}/").status_code == 404
        assert (
            c.post(f"/invitations/{token}/", {"decision": decision}).status_code == 403
        )  # even with the link
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"
    assert not Membership.objects.filter(user=who, organisation=world.org_a).exists()
    # The invitee still can.
    assert world.client(world.user_b).post(f"/invitations/{invitation.pk}/accept/").status_code == 302
