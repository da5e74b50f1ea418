"""Inviting an address answers the administrator the same way whoever it belongs to.

A brand-new address, an active account of another organisation, a deactivated account, a desk analyst and
an existing member all get the same web answer, the same API body (bar id, address and times) and the same
kind of journal entry; none of them reveals the person's name or creates a membership.
"""

import json

import pytest
from django.contrib.messages import get_messages

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.parties.models import Invitation, Membership
from busbar.parties.tests.invitations import deactivated_account

pytestmark = pytest.mark.django_db

TARGETS = ["new", "other_org", "deactivated", "analyst", "member"]


def _target(world: World, kind: str) -> tuple[str, str]:
    """(email, the person's name, which must not show) for each kind of address."""
    if kind == "new":
        return "brand.new@charlie.example", "Nobody Yet"
    if kind == "deactivated":
        user = deactivated_account(world, name="Quentin Dormant")
        return user.email, user.full_name
    user = {"other_org": world.user_b, "analyst": world.analyst, "member": world.user_a}[kind]
    user.full_name = {"other_org": "Beatrice Bravo", "analyst": "Anneka Desk", "member": "Alfie Alpha"}[kind]
    user.save(update_fields=["full_name"])
    return user.email, user.full_name


def _members(world: World) -> list[tuple[int, int, str, bool]]:
    return sorted(Membership.objects.values_list("user_id", "organisation_id", "role", "is_active"))


def _web(world: World, email: str) -> tuple[int, str, bytes, list[str]]:
    response = world.client(world.admin_a).post(
        f"/organisations/{world.org_a.pk}/invite/",
        {"email": email.upper(), "full_name": "", "role": "participant"},
    )
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    return response.status_code, response["Location"], response.content, shown


def _api(world: World, email: str) -> tuple[int, bytes, dict]:
    response = world.client(world.admin_a).post(
        f"/api/v1/organisations/{world.org_a.pk}/invitations",
        {"email": email, "role": "participant"},
        content_type="application/json",
    )
    body = response.json()
    return response.status_code, response.content, body


def _shape(body: dict, email: str) -> bytes:
    """The API body with what legitimately differs (id, address, times) blanked out."""
    assert body["email"] == email
    blank = {**body, "id": 0, "email": "", "created_at": "", "expires_at": ""}
    return json.dumps(blank, sort_keys=True).encode()


def test_every_kind_of_address_gets_the_same_answer_and_no_name(world: World) -> None:
    answers = {}
    for kind in TARGETS:
        email, name = _target(world, kind)
        before = _members(world)
        last_entry = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
        web_status, location, content, shown = _web(world, email)
        assert (web_status, location) == (302, f"/organisations/{world.org_a.pk}/")
        assert shown == [f"Invitation sent to {email}."]
        page = world.client(world.admin_a).get(location).content.decode()
        if kind != "member":  # an existing member is listed among the people, as before
            assert name not in page
        api_status, raw, body = _api(world, email)
        assert api_status == 202
        assert name not in raw.decode()
        assert set(body) == {"id", "organisation_id", "email", "role", "status", "created_at", "expires_at"}
        assert _members(world) == before, kind  # nobody was added
        entries = AuditEntry.objects.filter(id__gt=last_entry).order_by("id")
        journal = tuple(
            (e.action, e.record_type.model, tuple(sorted(e.changes)), e.owner_organisation_id, e.actor_id)
            for e in entries
        )
        assert all(name not in json.dumps(e.changes) + e.record_label + e.note for e in entries)
        answers[kind] = (
            web_status,
            content,
            shown[0].replace(email, "<email>"),
            _shape(body, email),
            journal,
        )
    assert len(set(answers.values())) == 1, answers  # byte for byte the same for every kind
    assert Invitation.objects.filter(organisation=world.org_a, status="pending").count() == len(TARGETS)


def test_the_pending_list_shows_the_address_as_typed_and_no_name(world: World) -> None:
    world.user_b.full_name = "Beatrice Bravo"
    world.user_b.save(update_fields=["full_name"])
    _api(world, world.user_b.email)
    page = world.client(world.admin_a).get(f"/organisations/{world.org_a.pk}/").content.decode()
    assert "Pending invitations" in page and world.user_b.email in page
    assert "Beatrice Bravo" not in page
    listed = world.client(world.admin_a).get(f"/api/v1/organisations/{world.org_a.pk}/invitations").json()
    assert listed["count"] == 1 and "Beatrice" not in json.dumps(listed)
