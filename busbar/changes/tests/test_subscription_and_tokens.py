"""People follow the services they may see (choosing which bulletins and whether by email) and keep their
own calendar-feed tokens: only the hash is stored, a revoked or unknown secret finds no one, and no one
revokes another's token."""

import datetime as dt
import hashlib

import pytest

from busbar.changes import tokens
from busbar.changes.actions import create_feed_token, revoke_feed_token, subscribe, unsubscribe
from busbar.changes.models import FeedToken, ServiceSubscription
from busbar.lib.actions import ActionError, Actor, Conflict, NotPermitted
from busbar.services.models import Service

pytestmark = pytest.mark.django_db


def test_subscribe_creates_then_updates_then_unsubscribe(chg):
    bravo = Actor(user=chg.bravo)
    made = subscribe(actor=bravo, service=chg.css)
    assert made.by_email and made.planned and made.status
    updated = subscribe(actor=bravo, service=chg.css, by_email=False, started=False)
    assert updated.pk == made.pk and not updated.by_email and not updated.started and updated.planned
    assert ServiceSubscription.objects.filter(user=chg.bravo).count() == 1
    unsubscribe(actor=bravo, service=chg.css)
    assert not ServiceSubscription.objects.filter(user=chg.bravo).exists()
    with pytest.raises(ActionError) as refused:
        unsubscribe(actor=bravo, service=chg.css)
    assert refused.value.field == "service"


def test_only_services_the_user_may_see(chg):
    Service.objects.filter(pk=chg.portal.pk).update(is_active=False)
    chg.portal.refresh_from_db()
    with pytest.raises(ActionError) as refused:
        subscribe(actor=Actor(user=chg.bravo), service=chg.portal)
    assert refused.value.field == "service"
    assert subscribe(actor=Actor(user=chg.desk), service=chg.portal)  # the desk sees the whole catalogue
    with pytest.raises(NotPermitted):
        subscribe(actor=Actor.system(), service=chg.css)
    with pytest.raises(NotPermitted):
        create_feed_token(actor=Actor.system())


def test_feed_token_finds_its_owner_until_revoked(chg):
    token, secret = create_feed_token(actor=Actor(user=chg.alpha))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() == tokens.hash_secret(secret)
    assert secret not in {token.token_hash, token.prefix} and secret.startswith(token.prefix)
    assert len(secret) >= 40
    assert tokens.user_for(secret) == chg.alpha
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    assert tokens.user_for(secret, now=first_use + dt.timedelta(minutes=30)) == chg.alpha
    token.refresh_from_db()
    assert token.last_used_at == first_use  # at most once an hour
    later = first_use + dt.timedelta(hours=2)
    tokens.user_for(secret, now=later)
    token.refresh_from_db()
    assert token.last_used_at == later
    revoke_feed_token(actor=Actor(user=chg.alpha), token=token)
    assert tokens.user_for(secret) is None
    with pytest.raises(Conflict):
        revoke_feed_token(actor=Actor(user=chg.alpha), token=token)


def test_unknown_malformed_or_inactive_owner_finds_no_one(chg):
    token, secret = create_feed_token(actor=Actor(user=chg.bravo))
    assert tokens.user_for(tokens.new_secret()) is None
    for bad in ("", "short", "x" * 101, "../../etc/passwd" + "a" * 20, None, secret + "!"):
        assert tokens.user_for(bad) is None
    type(chg.bravo).objects.filter(pk=chg.bravo.pk).update(is_active=False)
    assert tokens.user_for(secret) is None


@pytest.mark.parametrize("persona", ["desk", "ops", "bravo"])
def test_no_one_revokes_another_persons_token(chg, persona):
    token, secret = create_feed_token(actor=Actor(user=chg.alpha))
    with pytest.raises(ActionError) as refused:
        revoke_feed_token(actor=Actor(user=getattr(chg, persona)), token=token)
    assert refused.value.status == 404 and refused.value.field == "token"
    token.refresh_from_db()
    assert token.revoked_at is None and tokens.user_for(secret) == chg.alpha


def test_at_most_ten_live_tokens(chg):
    alpha = Actor(user=chg.alpha)
    made = [create_feed_token(actor=alpha)[0] for _ in range(10)]
    assert len({t.token_hash for t in made}) == 10
    with pytest.raises(Conflict):
        create_feed_token(actor=alpha)
    revoke_feed_token(actor=alpha, token=made[0])
    create_feed_token(actor=alpha)
    assert FeedToken.objects.filter(user=chg.alpha, revoked_at__isnull=True).count() == 10
