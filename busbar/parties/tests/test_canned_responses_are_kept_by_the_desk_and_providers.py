"""Canned responses are kept on their page by the desk (analysts, operations managers) and providers
(resolvers, a provider's administrators), each for its own organisation only; participants, participant
administrators, the platform administrator and anonymous visitors are refused; every change is journalled."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import make_user
from busbar.lib.actions import Actor
from busbar.parties import actions
from busbar.parties.models import CannedResponse, MembershipRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def responses(world):
    desk = actions.create_canned_response(
        actor=Actor.system(), organisation=world.operator, title="Need logs", body="Please send the **logs**."
    )
    provider = actions.create_canned_response(
        actor=Actor.system(), organisation=world.provider, title="Fix deployed", body="A fix is deployed."
    )
    return desk, provider


@pytest.mark.parametrize("who", ["analyst", "ops", "resolver"])
def test_desk_and_provider_people_add_for_their_organisation(world, who) -> None:
    user = getattr(world, who)
    client = world.client(user)
    assert client.get("/canned-responses/").status_code == 200
    response = client.post("/canned-responses/", {"title": "Looking", "body": "We are *looking* into it."})
    assert response.status_code == 302
    canned = CannedResponse.objects.get(title="Looking")
    org = world.provider if who == "resolver" else world.operator
    assert canned.organisation == org and canned.created_by == user
    assert AuditEntry.objects.filter(action="canned_response.create", record_id=str(canned.pk)).exists()


@pytest.mark.parametrize("who", ["user_a", "user_b", "admin_a", "platform_admin"])
def test_others_are_refused(world, responses, who) -> None:
    client = world.client(getattr(world, who))
    assert client.get("/canned-responses/").status_code == 403
    assert client.post("/canned-responses/", {"title": "x", "body": "y"}).status_code == 403
    for canned in responses:
        assert client.get(f"/canned-responses/{canned.pk}/edit/").status_code == 404
        assert client.post(f"/canned-responses/{canned.pk}/delete/").status_code == 404
    assert CannedResponse.objects.count() == 2


def test_anonymous_is_sent_to_sign_in(world, responses) -> None:
    response = world.client(None).get("/canned-responses/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_providers_administrator_keeps_its_responses(world, responses) -> None:
    admin = make_user(world.provider, "admin@provider.example", MembershipRole.ORG_ADMIN, mfa=True)
    response = world.client(admin).get("/canned-responses/")
    assert response.status_code == 200
    assert [c.title for c in response.context["page"].object_list] == ["Fix deployed"]


def test_each_sees_and_changes_only_its_own(world, responses) -> None:
    desk, provider = responses
    analyst = world.client(world.analyst)
    listed = analyst.get("/canned-responses/")
    assert [c.title for c in listed.context["page"].object_list] == ["Need logs"]
    assert "Fix deployed" not in listed.content.decode()
    assert analyst.get(f"/canned-responses/{provider.pk}/edit/").status_code == 404
    assert (
        analyst.post(f"/canned-responses/{provider.pk}/edit/", {"title": "Mine", "body": "now"}).status_code
        == 404
    )
    assert analyst.post(f"/canned-responses/{provider.pk}/delete/").status_code == 404
    assert CannedResponse.objects.filter(pk=provider.pk, title="Fix deployed").exists()

    resolver = world.client(world.resolver)
    assert (
        resolver.post(
            f"/canned-responses/{provider.pk}/edit/", {"title": "Fixed", "body": "Done."}
        ).status_code
        == 302
    )
    provider.refresh_from_db()
    assert (provider.title, provider.body) == ("Fixed", "Done.")
    assert resolver.post(f"/canned-responses/{provider.pk}/delete/").status_code == 302
    assert not CannedResponse.objects.filter(pk=provider.pk).exists()
    assert AuditEntry.objects.filter(action="canned_response.delete", record_id=str(provider.pk)).exists()


def test_bad_input_is_named_and_nothing_written(world, responses) -> None:
    client = world.client(world.analyst)
    empty = client.post("/canned-responses/", {"title": "Empty", "body": "   "})
    assert empty.status_code == 422 and empty.context["form"].errors["body"]
    clash = client.post("/canned-responses/", {"title": "need LOGS", "body": "again"})
    assert clash.status_code == 409 and "already has" in clash.context["form"].errors["title"][0]
    long = client.post("/canned-responses/", {"title": "Long", "body": "x" * 1_000_001})
    assert long.status_code == 422 and long.context["form"].errors["body"]
    assert CannedResponse.objects.count() == 2


def test_the_action_refuses_another_organisation(world) -> None:
    from busbar.incidents.tests.conftest import actor_for
    from busbar.lib.actions import NotPermitted

    with pytest.raises(NotPermitted):
        actions.create_canned_response(
            actor=actor_for(world.analyst), organisation=world.provider, title="x", body="y"
        )
    with pytest.raises(NotPermitted):
        actions.create_canned_response(
            actor=actor_for(world.user_a), organisation=world.org_a, title="x", body="y"
        )


def test_the_navigation_offers_the_page_only_to_those_who_keep_them(world) -> None:
    assert "/canned-responses/" in world.client(world.analyst).get("/").content.decode()
    assert "/canned-responses/" in world.client(world.resolver).get("/").content.decode()
    assert "/canned-responses/" not in world.client(world.user_a).get("/").content.decode()
