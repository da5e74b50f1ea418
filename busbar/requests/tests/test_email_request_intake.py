"""Requests by email: a new message raises a request (item from a [slug] tag or the default item), a
reply naming REQ… threads onto it; replays, strangers and unknown requests are refused; only a desk or
platform-administrator token posts."""

from __future__ import annotations

import pytest
from django.test import Client

from busbar.accounts import actions as account_actions
from busbar.conftest import bearer
from busbar.lib.actions import ActionError
from busbar.records.models import Entry
from busbar.requests import mailin
from busbar.requests.models import Request, RequestStatus
from busbar.requests.tests._lifecycle import raise_info
from busbar.requests.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db
PATH = "/api/v1/requests/email"


def _mail(subject: str, sender: str = "user@alpha.example", message_id: str = "<m1@alpha.example>") -> bytes:
    return (
        f"From: Alpha User <{sender}>\r\nTo: desk@busbar.example\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id}\r\nDate: Wed, 16 Jun 2027 10:00:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nWhen does the next CSS release go live?\r\n"
    ).encode()


def test_new_email_raises_from_the_tagged_item(r) -> None:
    done = mailin.receive(raw=_mail("[information] Release date"), now=NOW)
    req = Request.objects.get(reference=done.reference)
    assert done.created and req.item == r.info and req.channel == "email"
    assert req.summary == "Release date" and req.requester == r.world.user_a
    assert req.answers == {"question": "When does the next CSS release go live?"}
    assert req.status == RequestStatus.IN_FULFILMENT
    with pytest.raises(ActionError, match="already received"):
        mailin.receive(raw=_mail("[information] Release date"), now=NOW)
    assert Request.objects.count() == 1


def test_default_item_or_a_clear_refusal(r) -> None:
    with pytest.raises(ActionError) as exc:
        mailin.receive(raw=_mail("A question"), now=NOW)
    assert exc.value.status == 422 and exc.value.field == "subject" and "default" in exc.value.message
    r.info.slug = "information-request"
    r.info.save()
    done = mailin.receive(raw=_mail("A question", message_id="<m2@alpha.example>"), now=NOW)
    assert Request.objects.get(reference=done.reference).item == r.info


def test_reply_threads_onto_a_request_the_sender_sees(r) -> None:
    req = raise_info(r)
    done = mailin.receive(raw=_mail(f"RE: [{req.reference}] Release"), now=NOW)
    assert not done.created and done.reference == req.reference
    entry = Entry.objects.get(pk=done.entry_id)
    assert entry.author == r.world.user_a and entry.channel == "email" and not entry.is_internal
    with pytest.raises(ActionError, match="No request"):
        mailin.receive(raw=_mail(f"RE: [{req.reference}]", sender="user@bravo.example", message_id="<b@x>"))
    with pytest.raises(ActionError, match="not an active Busbar user"):
        mailin.receive(raw=_mail(f"RE: [{req.reference}]", sender="stranger@example.com", message_id="<s@x>"))


def _token(user) -> str:
    _, raw = account_actions.create_api_token(actor=actor(user), user=user, name="mailbox")
    return raw


@pytest.mark.parametrize(
    "who,status", [("analyst", 201), ("platform_admin", 201), ("user_a", 403), ("resolver", 403)]
)
def test_endpoint_takes_desk_tokens_only(r, who, status) -> None:
    response = Client().post(
        PATH,
        _mail("[information] Release"),
        content_type="message/rfc822",
        **bearer(_token(getattr(r.world, who))),
    )
    assert response.status_code == status, response.content
    assert Request.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        assert response.json()["created"] is True


def test_endpoint_refuses_anonymous_and_other_types(r) -> None:
    assert Client().post(PATH, _mail("x"), content_type="message/rfc822").status_code == 401
    token = _token(r.world.analyst)
    wrong = Client().post(PATH, b"{}", content_type="application/json", **bearer(token))
    assert wrong.status_code == 415
    refused = Client().post(PATH, _mail("no item"), content_type="message/rfc822", **bearer(token))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "subject"
