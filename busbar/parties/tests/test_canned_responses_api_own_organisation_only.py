"""GET/POST/PATCH/DELETE /api/v1/canned-responses: one's own organisation's only. Another organisation's
response is not found; participants and anonymous callers are refused; bad input is a 4xx naming the field."""

import pytest

from busbar.lib.actions import Actor
from busbar.parties import actions
from busbar.parties.models import CannedResponse

pytestmark = pytest.mark.django_db
URL = "/api/v1/canned-responses"


@pytest.fixture
def responses(world):
    desk = actions.create_canned_response(
        actor=Actor.system(), organisation=world.operator, title="Need logs", body="Please send the logs."
    )
    provider = actions.create_canned_response(
        actor=Actor.system(), organisation=world.provider, title="Fix deployed", body="A fix is deployed."
    )
    return desk, provider


def test_the_desk_lists_creates_changes_and_deletes_its_own(world, responses) -> None:
    client = world.client(world.analyst)
    listed = client.get(URL)
    assert listed.status_code == 200
    assert [c["title"] for c in listed.json()["items"]] == ["Need logs"]
    made = client.post(URL, {"title": "On it", "body": "We are **on it**."}, content_type="application/json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["organisation_id"] == world.operator.pk and body["created_by"] == world.analyst.display_name
    changed = client.patch(f"{URL}/{body['id']}", {"body": "Still on it."}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["body"] == "Still on it."
    assert client.get(f"{URL}/{body['id']}").json()["title"] == "On it"
    assert client.delete(f"{URL}/{body['id']}").status_code == 204
    assert not CannedResponse.objects.filter(pk=body["id"]).exists()


def test_another_organisations_response_is_not_found(world, responses) -> None:
    desk, provider = responses
    analyst = world.client(world.analyst)
    assert analyst.get(f"{URL}/{provider.pk}").status_code == 404
    assert (
        analyst.patch(f"{URL}/{provider.pk}", {"title": "x"}, content_type="application/json").status_code
        == 404
    )
    assert analyst.delete(f"{URL}/{provider.pk}").status_code == 404
    resolver = world.client(world.resolver)
    assert [c["title"] for c in resolver.get(URL).json()["items"]] == ["Fix deployed"]
    assert resolver.get(f"{URL}/{desk.pk}").status_code == 404
    wrong = resolver.post(
        URL,
        {"title": "x", "body": "y", "organisation_id": world.operator.pk},
        content_type="application/json",
    )
    assert wrong.status_code == 403
    assert CannedResponse.objects.count() == 2


@pytest.mark.parametrize("who", ["user_a", "user_b", "admin_a", "platform_admin"])
def test_participants_and_others_are_refused(world, responses, who) -> None:
    client = world.client(getattr(world, who))
    assert client.get(URL).json()["items"] == []
    assert client.post(URL, {"title": "x", "body": "y"}, content_type="application/json").status_code == 403
    for canned in responses:
        assert client.get(f"{URL}/{canned.pk}").status_code == 404
        assert client.delete(f"{URL}/{canned.pk}").status_code == 404


def test_anonymous_is_refused(world, responses) -> None:
    assert world.client(None).get(URL).status_code == 401


def test_bad_input_names_the_field(world, responses) -> None:
    client = world.client(world.analyst)
    for payload, field in (
        ({"title": "", "body": "y"}, "title"),
        ({"title": "t" * 121, "body": "y"}, "title"),
        ({"title": "t", "body": "x" * 1_000_001}, "body"),
        ({"title": "t"}, "body"),
    ):
        response = client.post(URL, payload, content_type="application/json")
        assert response.status_code in (400, 422), (payload, response.status_code)
        assert field in response.content.decode()
    clash = client.post(URL, {"title": "need logs", "body": "y"}, content_type="application/json")
    assert clash.status_code == 409 and "title" in clash.content.decode()
    assert client.get(f"{URL}/99999999999999999999").status_code in (400, 404, 422)
    assert CannedResponse.objects.count() == 2
