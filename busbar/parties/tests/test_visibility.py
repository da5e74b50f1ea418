"""The one visibility rule, over three parties, on the web and the API."""

import pytest

from busbar.conftest import World

pytestmark = pytest.mark.django_db


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_participant_sees_own_memberships_only_in_api(world: World) -> None:
    c = world.client(world.user_a)
    orgs = {item["organisation_id"] for item in c.get("/api/v1/memberships").json()["items"]}
    assert orgs == {world.org_a.pk}
    other = world.user_b.memberships.get()
    assert c.get(f"/api/v1/memberships/{other.pk}").status_code == 404
    assert c.get(f"/api/v1/organisations/{world.org_b.pk}/memberships").json()["count"] == 0


def test_users_scoped_to_shared_organisations(world: World) -> None:
    a_ids = _ids(world.client(world.user_a).get("/api/v1/users"))
    assert a_ids == {world.user_a.pk, world.admin_a.pk}
    assert world.client(world.user_a).get(f"/api/v1/users/{world.user_b.pk}").status_code == 404
    b_ids = _ids(world.client(world.user_b).get("/api/v1/users"))
    assert b_ids == {world.user_b.pk}


def test_central_roles_see_everyone(world: World) -> None:
    for central in (world.analyst, world.ops, world.platform_admin):
        ids = _ids(world.client(central).get("/api/v1/users?limit=100"))
        assert {world.user_a.pk, world.user_b.pk, world.resolver.pk} <= ids
        assert world.client(central).get(f"/api/v1/users/{world.user_b.pk}").status_code == 200


def test_resolver_is_not_central(world: World) -> None:
    ids = _ids(world.client(world.resolver).get("/api/v1/users"))
    assert ids == {world.resolver.pk}


def test_directory_of_organisations_is_published_to_all_signed_in(world: World) -> None:
    ids = _ids(world.client(world.user_a).get("/api/v1/organisations"))
    assert {world.org_a.pk, world.org_b.pk, world.operator.pk} <= ids
    assert world.client(None).get("/api/v1/organisations").status_code == 401


def test_audit_journal_scoped(world: World) -> None:
    assert world.client(world.user_a).get("/api/v1/audit").json()["count"] == 0  # participants: none
    a_entries = world.client(world.admin_a).get("/api/v1/audit?limit=200").json()["items"]
    assert a_entries and {e["owner_organisation_id"] for e in a_entries} == {world.org_a.pk}
    assert world.client(world.user_a).get("/audit/").status_code == 403
    all_entries = world.client(world.analyst).get("/api/v1/audit?limit=200").json()["items"]
    assert {world.org_a.pk, world.org_b.pk} <= {e["owner_organisation_id"] for e in all_entries}


def test_web_members_list_hidden_from_other_party(world: World) -> None:
    own = world.client(world.user_a).get(f"/organisations/{world.org_a.pk}/")
    assert own.status_code == 200 and b"user@alpha.example" in own.content
    other = world.client(world.user_a).get(f"/organisations/{world.org_b.pk}/")
    assert other.status_code == 200  # the directory entry is public…
    assert b"user@bravo.example" not in other.content  # …its people are not
    assert b"History" not in other.content
    desk = world.client(world.analyst).get(f"/organisations/{world.org_b.pk}/")
    assert b"user@bravo.example" in desk.content


def test_web_pages_need_sign_in(world: World) -> None:
    for path in ("/", "/organisations/", f"/organisations/{world.org_a.pk}/", "/profile/", "/audit/"):
        response = world.client(None).get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path


def test_inactive_organisation_hidden_from_participants(world: World) -> None:
    from busbar.lib.actions import Actor
    from busbar.parties.actions import set_organisation_active

    set_organisation_active(actor=Actor.system(), organisation=world.org_b, active=False)
    assert world.client(world.user_a).get(f"/api/v1/organisations/{world.org_b.pk}").status_code == 404
    assert world.client(world.analyst).get(f"/api/v1/organisations/{world.org_b.pk}").status_code == 200
    # B's own people lose access with their organisation.
    assert world.client(world.user_b).get("/api/v1/memberships").json()["count"] == 0
