"""Who sees a request: the desk all; the requesting organisation its own (access requests only the
requester and its administrators); a provider those with its task or approval; nobody else."""

from __future__ import annotations

import pytest

from busbar.conftest import make_user
from busbar.parties.models import MembershipRole
from busbar.requests import actions
from busbar.requests.queries import visible_to, works_on
from busbar.requests.tests._lifecycle import raise_info, raise_network
from busbar.requests.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db


def _seen(user) -> set[str]:
    return set(visible_to(user).values_list("reference", flat=True))


def test_bravo_sees_none_of_alpha(r) -> None:
    a1, a2 = raise_info(r), raise_network(r)
    b1 = raise_info(r, user=r.world.user_b, organisation=r.world.org_b)
    assert _seen(r.world.user_b) == {b1.reference}
    assert _seen(r.world.user_a) == {a1.reference, a2.reference}
    assert _seen(r.world.analyst) == {a1.reference, a2.reference, b1.reference}
    assert r.client(r.world.user_b).get(f"/requests/{a1.reference}/").status_code == 404
    assert r.client(r.world.user_b).get(f"/api/v1/requests/{a1.reference}").status_code == 404


def test_access_requests_are_hidden_from_other_members(r) -> None:
    colleague = make_user(r.world.org_a, "colleague@alpha.example", MembershipRole.PARTICIPANT)
    req = actions.raise_request(
        actor=actor(r.world.user_a),
        item=r.mfa_reset,
        organisation=r.world.org_a,
        answers={"person": str(r.world.user_a.pk)},
        now=NOW,
    )
    assert req.reference in _seen(r.world.user_a)  # the requester
    assert req.reference in _seen(r.world.admin_a)  # the administrator
    assert req.reference not in _seen(colleague)
    assert r.client(colleague).get(f"/requests/{req.reference}/").status_code == 404


def test_a_provider_sees_only_requests_with_its_task_or_approval(r) -> None:
    info, network = raise_info(r), raise_network(r)
    assert _seen(r.world.resolver) == {network.reference}  # the CSS provider configures the connection
    assert _seen(r.dcc) == set()
    assert works_on(r.world.resolver, network) and not works_on(r.world.user_a, network)
    assert works_on(r.world.analyst, info)
