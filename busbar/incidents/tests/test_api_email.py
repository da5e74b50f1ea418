"""The mailbox poller posts raw replies to /email/inbound with a desk or platform-admin token."""

import pytest
from django.test import Client

from busbar.accounts import actions as account_actions
from busbar.conftest import World, bearer
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.records.models import Entry as Update

pytestmark = pytest.mark.django_db
PATH = "/api/v1/email/inbound"


def _token(user) -> str:
    _, raw = account_actions.create_api_token(actor=actor_for(user), user=user, name="mailbox")
    return raw


def _reply(
    reference: str, sender: str = "user@alpha.example", message_id: str = "<r1@alpha.example>"
) -> bytes:
    return (
        f"From: Alpha User <{sender}>\r\nTo: desk@busbar.example\r\nSubject: RE: [{reference}] Switches\r\n"
        f"Message-ID: {message_id}\r\nDate: Mon, 1 Jun 2026 10:00:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nStill failing since 09:00.\r\n"
    ).encode()


def _post(raw: bytes, token: str | None, content_type: str = "message/rfc822"):
    headers = bearer(token) if token else {}
    return Client().post(PATH, raw, content_type=content_type, **headers)


@pytest.mark.parametrize("who", ["analyst", "platform_admin"])
def test_desk_token_threads_the_reply(world: World, catalogue, who: str) -> None:
    incident = raise_for(world, catalogue)
    response = _post(_reply(incident.reference), _token(getattr(world, who)))
    assert response.status_code == 201, response.content
    assert response.json()["reference"] == incident.reference
    update = Update.objects.get(pk=response.json()["update_id"])
    assert (
        update.body == "Still failing since 09:00."
        and update.author == world.user_a
        and update.channel == "email"
    )


@pytest.mark.parametrize("who", ["user_a", "resolver"])
def test_other_tokens_are_refused(world: World, catalogue, who: str) -> None:
    incident = raise_for(world, catalogue)
    response = _post(_reply(incident.reference), _token(getattr(world, who)))
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
    assert not Update.objects.exists()


def test_session_and_anonymous_are_401(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    assert _post(_reply(incident.reference), None).status_code == 401
    session = world.client(world.analyst).post(
        PATH, _reply(incident.reference), content_type="message/rfc822"
    )
    assert session.status_code == 401


def test_rejection_is_422_with_the_reason(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    token = _token(world.analyst)
    stranger = _post(_reply(incident.reference, sender="user@bravo.example"), token)
    assert stranger.status_code == 422
    body = stranger.json()
    assert body["title"] == "The email was not accepted" and "may not update" in body["detail"]
    assert body["errors"][0]["field"] == "from"
    assert _post(_reply("INC9999999"), token).json()["detail"] == "No incident INC9999999"
    assert _post(_reply(incident.reference), token).status_code == 201
    replay = _post(_reply(incident.reference), token)
    assert replay.status_code == 422 and "already received" in replay.json()["detail"]
    assert Update.objects.count() == 1


def test_wrong_content_type_is_415(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    response = _post(_reply(incident.reference), _token(world.analyst), content_type="text/plain")
    assert response.status_code == 415
