"""Which addresses an organisation invited is read by its administrators and platform administrators
only (busbar.parties.permissions.can_read_invited_addresses). The journal follows the same rule: the
desk reads the ``invitation.*`` entries with the addresses hidden. The journal itself is not changed."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import World, make_user
from busbar.parties.models import MembershipRole
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db

ADDRESS = b"secret.candidate@charlie.example"


@pytest.fixture
def journal(world: World, django_capture_on_commit_callbacks):
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, ADDRESS.decode(), by=world.admin_a
    )
    from django.test import Client

    assert Client().post(f"/invitations/{token}/", {"decision": "decline"}).status_code == 302
    return invitation


@pytest.mark.parametrize("name", ["analyst", "ops"])
def test_the_desk_reads_invitation_entries_without_the_address(world: World, journal, name: str) -> None:
    c = world.client(getattr(world, name))
    api = c.get("/api/v1/audit?action=invitation.")
    assert api.status_code == 200
    items = api.json()["items"]
    assert {i["action"] for i in items} == {"invitation.create", "invitation.decline"}
    assert ADDRESS not in api.content and b"[address hidden]" in api.content
    create = next(i for i in items if i["action"] == "invitation.create")
    assert create["changes"]["email"] == [None, "[address hidden]"] and create["changes"]["role"]
    page = c.get("/audit/?action=invitation.")
    assert page.status_code == 200 and ADDRESS not in page.content
    assert page.content.count(b"[address hidden]") >= 3  # record labels, the change, the decliner
    assert ADDRESS not in c.get("/").content  # the desk's home page lists recent entries too
    # Other entries still read in full for the desk.
    assert b"admin@alpha.example" in c.get("/api/v1/audit?action=membership.").content


@pytest.mark.parametrize("name", ["admin_a", "platform_admin"])
def test_administrators_read_the_address(world: World, journal, name: str) -> None:
    api = world.client(getattr(world, name)).get("/api/v1/audit?action=invitation.")
    assert api.json()["count"] == 2 and ADDRESS in api.content and b"[address hidden]" not in api.content


@pytest.mark.parametrize("name", ["user_a", "user_b", "resolver", "admin_b"])
def test_others_read_no_invitation_entries_at_all(world: World, journal, name: str) -> None:
    who = (
        make_user(world.org_b, "admin@bravo.example", MembershipRole.ORG_ADMIN, mfa=True)
        if name == "admin_b"
        else getattr(world, name)
    )
    api = world.client(who).get("/api/v1/audit?action=invitation.")
    assert api.json()["count"] == 0 and ADDRESS not in api.content


def test_the_journal_keeps_what_was_written(world: World, journal) -> None:
    world.client(world.analyst).get("/api/v1/audit?action=invitation.")
    entry = AuditEntry.objects.get(action="invitation.create")
    assert entry.changes["email"] == [None, ADDRESS.decode()] and ADDRESS.decode() in entry.record_label
