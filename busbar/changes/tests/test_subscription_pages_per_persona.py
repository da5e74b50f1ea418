""" "My subscriptions" and the bulletins page: each signed-in person follows the services they see and
chooses what they are told, creates feed addresses (the secret shown once) and revokes their own; nothing
of anyone else's can be touched; bad input is a form error with nothing written."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from busbar.changes.models import Bulletin, BulletinKind, FeedToken, ServiceSubscription
from busbar.changes.tests.conftest import NOW, ChangeWorld
from busbar.changes.views import feeds
from busbar.services.models import Service

pytestmark = pytest.mark.django_db
PAGE = "my_subscriptions"


def _act(chg: ChangeWorld, user, verb: str, data: dict):
    return chg.client(user).post(reverse("subscription_act", args=[verb]), data)


@pytest.mark.parametrize("who", ["alpha", "bravo", "provider", "desk", "ops"])
def test_everyone_signed_in_has_the_page(chg: ChangeWorld, who: str) -> None:
    response = chg.client(getattr(chg, who)).get(reverse(PAGE))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Services I follow" in body and "Calendar feeds" in body


def test_the_anonymous_are_sent_to_sign_in(chg: ChangeWorld) -> None:
    for name in (PAGE, "bulletin_list"):
        response = chg.client(None).get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = chg.client(None).post(reverse("subscription_act", args=["subscribe"]), {"service": "css"})
    assert response.status_code == 302 and not ServiceSubscription.objects.filter(service=chg.css).exclude(
        user=chg.alpha
    )


def test_my_subscriptions_are_listed_and_the_rest_offered(chg: ChangeWorld) -> None:
    body = chg.client(chg.alpha).get(reverse(PAGE)).content.decode()
    assert 'id="sub-css"' in body
    offered = body[body.index('id="id_service"') : body.index("</select>", body.index('id="id_service"'))]
    assert 'value="css"' not in offered and 'value="uk-link"' in offered
    assert not re.search(r'id="sub-(?!css")', body)  # only alpha's own


def test_subscribe_with_preferences_then_change_them_and_unsubscribe(chg: ChangeWorld) -> None:
    client = chg.client(chg.bravo)
    url = reverse("subscription_act", args=["subscribe"])
    response = client.post(url, {"service": "uk-link", "planned": "on", "overrun": "on"})
    assert response.status_code == 302
    sub = ServiceSubscription.objects.get(user=chg.bravo, service=chg.uk_link)
    assert (sub.by_email, sub.planned, sub.started, sub.completed, sub.overrun, sub.status) == (
        False,
        True,
        False,
        False,
        True,
        False,
    )
    page = client.get(reverse(PAGE)).content.decode()
    assert "You are subscribed to UK Link." in page and 'id="sub-uk-link"' in page
    _act(chg, chg.bravo, "subscribe", {"service": "uk-link", "by_email": "on", "status": "on"})
    sub.refresh_from_db()
    assert (sub.by_email, sub.planned, sub.status) == (True, False, True)
    assert _act(chg, chg.bravo, "unsubscribe", {"service": "uk-link"}).status_code == 302
    assert not ServiceSubscription.objects.filter(user=chg.bravo).exists()


def test_bad_subscriptions_are_form_errors_and_write_nothing(chg: ChangeWorld) -> None:
    Service.objects.filter(pk=chg.portal.pk).update(is_active=False)
    for service in ("gas-portal", "no-such-service", ""):
        response = _act(chg, chg.bravo, "subscribe", {"service": service, "planned": "on"})
        assert response.status_code == 422
        assert "field-error" in response.content.decode()
    assert not ServiceSubscription.objects.filter(user=chg.bravo).exists()
    # Unsubscribing from what one does not follow is refused, and nothing of alpha's is touched.
    response = _act(chg, chg.bravo, "unsubscribe", {"service": "css"})
    assert response.status_code in (404, 409, 422)
    assert ServiceSubscription.objects.filter(user=chg.alpha, service=chg.css).exists()


def test_a_new_feed_shows_its_secret_once_and_it_opens_the_feed(chg: ChangeWorld, monkeypatch) -> None:
    monkeypatch.setattr(feeds, "_now", lambda: NOW)
    response = _act(chg, chg.alpha, "token-new", {})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    urls = re.findall(r'value="(http[^"]+/changes/feed/([A-Za-z0-9_-]+)/(schedule|services/css)\.ics)"', body)
    assert [kind for _, _, kind in urls] == ["schedule", "services/css"]  # alpha follows CSS
    secret = urls[0][1]
    token = FeedToken.objects.get(user=chg.alpha)
    assert secret.startswith(token.prefix) and secret not in token.token_hash
    assert chg.client(None).get(reverse("fsc_feed", args=[secret])).status_code == 200
    again = chg.client(chg.alpha).get(reverse(PAGE)).content.decode()
    assert secret not in again and f"{token.prefix}…" in again


def test_revoke_my_feed_but_never_anothers(chg: ChangeWorld) -> None:
    _act(chg, chg.alpha, "token-new", {})
    _act(chg, chg.bravo, "token-new", {})
    mine = FeedToken.objects.get(user=chg.alpha)
    theirs = FeedToken.objects.get(user=chg.bravo)
    refused = _act(chg, chg.alpha, "token-revoke", {"token": str(theirs.pk)})
    assert refused.status_code == 422
    assert "No such feed token of yours" in refused.content.decode()
    for bad in ("abc", "99999999999999999999999999", ""):
        assert _act(chg, chg.alpha, "token-revoke", {"token": bad}).status_code == 422
    assert FeedToken.objects.filter(revoked_at__isnull=False).count() == 0
    assert _act(chg, chg.alpha, "token-revoke", {"token": str(mine.pk)}).status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    page = chg.client(chg.alpha).get(reverse(PAGE)).content.decode()
    assert "Revoked" in page
    assert _act(chg, chg.alpha, "token-revoke", {"token": str(mine.pk)}).status_code == 422  # already


def test_the_action_address_only_posts(chg: ChangeWorld) -> None:
    response = chg.client(chg.alpha).get(reverse("subscription_act", args=["subscribe"]))
    assert response.status_code == 302 and response["Location"] == reverse(PAGE)
    assert _act(chg, chg.alpha, "explode", {}).status_code == 404


def _bulletin(kind, title, services, *, hours_ago=1, change=None) -> Bulletin:
    bulletin = Bulletin.objects.create(
        kind=kind,
        title=title,
        body=f"{title}: details",
        change=change,
        sent_at=NOW - dt.timedelta(hours=hours_ago),
    )
    bulletin.services.set(services)
    return bulletin


def test_bulletins_page_filters_and_pages(chg: ChangeWorld, django_assert_max_num_queries) -> None:
    _bulletin(BulletinKind.STARTED, "Started: CSS firewall upgrade", [chg.css], change=chg.live)
    _bulletin(
        BulletinKind.PLANNED, "Planned: UK Link release", [chg.uk_link], hours_ago=2, change=chg.accepted
    )
    _bulletin(BulletinKind.STATUS, "Registration degraded", [chg.css_reg], hours_ago=3)
    client = chg.client(chg.bravo)
    everything = client.get(reverse("bulletin_list")).content.decode()
    assert (
        everything.index("Started: CSS")
        < everything.index("Planned: UK Link")
        < everything.index("Registration degraded")
    )
    css = client.get(reverse("bulletin_list"), {"service": "css"}).content.decode()
    assert "Started: CSS" in css and "Registration degraded" in css and "UK Link release" not in css
    planned = client.get(reverse("bulletin_list"), {"kind": "planned"}).content.decode()
    assert "UK Link release" in planned and "Started: CSS" not in planned
    alpha_mine = chg.client(chg.alpha).get(reverse("bulletin_list"), {"mine": "1"}).content.decode()
    assert "Started: CSS" in alpha_mine and "UK Link release" not in alpha_mine  # alpha follows CSS only
    for n in range(30):
        _bulletin(BulletinKind.STATUS, f"Bulletin {n}", [chg.portal, chg.css], hours_ago=10 + n)
    client.get(reverse("bulletin_list"))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("bulletin_list"), {"page": "2"})
    assert "Page 2 of 2" in page.content.decode()


@pytest.mark.parametrize(
    ("params", "field"), [({"service": "nope"}, "service"), ({"kind": "gossip"}, "kind")]
)
def test_bulletins_bad_filters_are_a_400(chg: ChangeWorld, params: dict, field: str) -> None:
    response = chg.client(chg.alpha).get(reverse("bulletin_list"), params)
    assert response.status_code == 400 and f"{field}:" in response.content.decode()
