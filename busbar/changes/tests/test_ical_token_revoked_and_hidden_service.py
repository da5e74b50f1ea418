"""A feed URL with a revoked, unknown or malformed token, of a person no longer active, or for a service
its owner may not see (inactive services are seen by the central roles only) is a 404 with a short
plain-text body that tells nothing more."""

from __future__ import annotations

import pytest
from django.urls import reverse

from busbar.accounts.models import User
from busbar.changes.actions import create_feed_token, revoke_feed_token
from busbar.changes.tests.conftest import NOW, ChangeWorld
from busbar.changes.views import feeds
from busbar.lib.actions import Actor
from busbar.services.models import Service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _feed_now(monkeypatch) -> None:
    monkeypatch.setattr(feeds, "_now", lambda: NOW)


def _get(chg: ChangeWorld, token: str, slug: str | None = None, **params):
    if slug is None:
        url = reverse("fsc_feed", args=[token])
    else:
        url = reverse("fsc_service_feed", args=[token, slug])
    return chg.client(None).get(url, params)


def assert_not_found(response, text: str = "No such feed.") -> None:
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().strip() == text
    assert response["Cache-Control"] == "no-store"


def test_a_revoked_token_is_a_404(chg: ChangeWorld) -> None:
    token, secret = create_feed_token(actor=Actor(user=chg.alpha))
    assert _get(chg, secret).status_code == 200
    assert _get(chg, secret, "css").status_code == 200
    revoke_feed_token(actor=Actor(user=chg.alpha), token=token)
    assert_not_found(_get(chg, secret))
    assert_not_found(_get(chg, secret, "css"))


@pytest.mark.parametrize(
    "secret",
    ["A" * 43, "not-a-token", "x" * 400, "..", "'; DROP TABLE changes_feedtoken; --"],
)
def test_an_unknown_or_malformed_token_is_a_404(chg: ChangeWorld, secret: str) -> None:
    assert_not_found(chg.client(None).get(f"/changes/feed/{secret}/schedule.ics"))


def test_a_person_no_longer_active_has_no_feed(chg: ChangeWorld) -> None:
    _, secret = create_feed_token(actor=Actor(user=chg.bravo))
    User.objects.filter(pk=chg.bravo.pk).update(is_active=False)
    assert_not_found(_get(chg, secret))


def test_an_inactive_service_is_hidden_from_participants_but_not_the_desk(chg: ChangeWorld) -> None:
    Service.objects.filter(pk=chg.portal.pk).update(is_active=False)
    _, alpha = create_feed_token(actor=Actor(user=chg.alpha))
    _, desk = create_feed_token(actor=Actor(user=chg.desk))
    assert_not_found(_get(chg, alpha, "gas-portal"), "No such service.")
    assert_not_found(_get(chg, alpha, service="gas-portal"), "service: no such service.")
    assert _get(chg, desk, "gas-portal").status_code == 200
    assert _get(chg, desk, service="gas-portal").status_code == 200


def test_an_unknown_service_is_a_404_and_a_bad_provider_a_400(chg: ChangeWorld) -> None:
    _, secret = create_feed_token(actor=Actor(user=chg.alpha))
    assert_not_found(_get(chg, secret, "no-such-service"), "No such service.")
    bad = _get(chg, secret, provider="abc")
    assert bad.status_code == 400 and bad.content.decode().startswith("provider:")


def test_one_persons_token_reads_as_that_person(chg: ChangeWorld) -> None:
    """The feed is what the token's owner may see, whoever asks (the request carries no session)."""
    _, alpha = create_feed_token(actor=Actor(user=chg.alpha))
    client = chg.client(chg.desk)  # signed in as the desk: the session does not matter
    body = client.get(reverse("fsc_feed", args=[alpha])).content.decode()
    assert chg.draft.reference not in body and chg.submitted.reference not in body
