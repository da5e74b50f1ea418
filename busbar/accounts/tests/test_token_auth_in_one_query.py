"""A bearer token is checked in one query: the token, its owner, the owner's active memberships (the
scope) and whether a second factor is set up are one statement. What that statement primes is exactly what
the separate queries would have answered."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from busbar.accounts.apiauth import token_owner
from busbar.accounts.mfa import has_strong_factor
from busbar.accounts.models import ApiToken, hash_token
from busbar.conftest import World, bearer, make_org
from busbar.parties.models import IndustryRole, Membership, MembershipRole
from busbar.parties.queries import forget_scope, scope_for

pytestmark = pytest.mark.django_db


def _token(world: World, user) -> str:
    response = world.client(user).post("/api/v1/tokens", {"name": "t"}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["token"]


@pytest.mark.parametrize("who", ["user_a", "admin_a", "analyst", "resolver", "platform_admin"])
def test_the_token_primes_the_same_scope_and_mfa_state(world: World, who: str) -> None:
    user = getattr(world, who)
    raw = _token(world, user)
    with CaptureQueriesContext(connection) as ctx:
        token = token_owner(hash_token(raw))
    assert len(ctx.captured_queries) == 1
    assert token is not None and token.user.pk == user.pk
    primed = scope_for(token.user)
    fresh_user = type(user).objects.get(pk=user.pk)
    assert primed == scope_for(fresh_user)
    assert [m.pk for m in primed.memberships] == [m.pk for m in scope_for(fresh_user).memberships]
    assert has_strong_factor(token.user) == has_strong_factor(fresh_user)


def test_inactive_memberships_and_organisations_are_left_out(world: World) -> None:
    raw = _token(world, world.user_a)
    other = make_org("Dormant Energy", [IndustryRole.ENERGY_SUPPLIER])
    type(other).objects.filter(pk=other.pk).update(is_active=False)
    Membership.objects.create(user=world.user_a, organisation=other, role=MembershipRole.PARTICIPANT)
    Membership.objects.create(
        user=world.user_a, organisation=world.org_b, role=MembershipRole.PARTICIPANT, is_active=False
    )
    token = token_owner(hash_token(raw))
    assert scope_for(token.user).organisation_ids == {world.org_a.pk}
    fresh = type(world.user_a).objects.get(pk=world.user_a.pk)
    forget_scope(fresh)
    assert scope_for(fresh).organisation_ids == {world.org_a.pk}


def test_an_owner_without_memberships_still_authenticates_with_an_empty_scope(world: World) -> None:
    raw = _token(world, world.user_a)
    Membership.objects.filter(user=world.user_a).update(is_active=False)
    token = token_owner(hash_token(raw))
    assert token is not None and scope_for(token.user).organisation_ids == frozenset()


def test_unknown_and_revoked_tokens_find_nothing(world: World) -> None:
    raw = _token(world, world.user_a)
    assert token_owner(hash_token(raw + "x")) is None
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert token_owner(hash_token(raw)) is None
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401


def test_a_request_by_token_spends_one_query_on_authentication(world: World) -> None:
    raw = _token(world, world.analyst)
    client = Client()
    client.get("/api/v1/me", **bearer(raw))  # the first use records last_used_at (at most every 5 minutes)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/me", **bearer(raw)).status_code == 200
    auth = [q for q in ctx.captured_queries if "accounts_apitoken" in q["sql"]]
    assert len(auth) == 1
    assert not any(
        "parties_membership" in q["sql"] and "apitoken" not in q["sql"] for q in ctx.captured_queries
    )
    assert not any(
        "mfa_authenticator" in q["sql"] and "apitoken" not in q["sql"] for q in ctx.captured_queries
    )
