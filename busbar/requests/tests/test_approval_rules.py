"""Who decides an approval: the people it names, in order, never the requester; a rejection needs its
reason; an approval not pending is a 409."""

from __future__ import annotations

import pytest

from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.requests import actions
from busbar.requests.models import ApprovalStatus, RequestStatus
from busbar.requests.tests._lifecycle import raise_network
from busbar.requests.tests.conftest import actor

pytestmark = pytest.mark.django_db


def test_nobody_approves_their_own_request(r) -> None:
    req = raise_network(r, user=r.world.admin_a)  # Alpha's administrator asks; the first step is theirs
    first = req.approvals.get(order=0)
    with pytest.raises(NotPermitted, match="your own request"):
        actions.approve(actor=actor(r.world.admin_a), approval=first)
    first.refresh_from_db()
    assert first.status == ApprovalStatus.PENDING


@pytest.mark.parametrize("who", ["user_a", "user_b", "resolver", "analyst", "ops"])
def test_only_the_named_approver_decides_the_first_step(r, who) -> None:
    req = raise_network(r)
    first = req.approvals.get(order=0)
    with pytest.raises(NotPermitted):
        actions.approve(actor=actor(getattr(r.world, who)), approval=first)
    with pytest.raises(NotPermitted):
        actions.reject(actor=actor(getattr(r.world, who)), approval=first, reason="No")


@pytest.mark.parametrize("who", ["user_a", "admin_a", "resolver", "analyst"])
def test_only_operations_decide_the_operator_step(r, who) -> None:
    req = raise_network(r)
    actions.approve(actor=actor(r.world.admin_a), approval=req.approvals.get(order=0))
    second = req.approvals.get(order=1)
    with pytest.raises(NotPermitted):
        actions.approve(actor=actor(getattr(r.world, who)), approval=second)
    actions.approve(actor=actor(r.world.ops), approval=second)
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_FULFILMENT


def test_a_decided_approval_is_a_conflict(r) -> None:
    req = raise_network(r)
    first = req.approvals.get(order=0)
    actions.approve(actor=actor(r.world.admin_a), approval=first)
    with pytest.raises(IllegalTransition):
        actions.approve(actor=actor(r.world.admin_a), approval=first)


def test_reject_without_reason_names_the_field(r) -> None:
    req = raise_network(r)
    with pytest.raises(ActionError) as exc:
        actions.reject(actor=actor(r.world.admin_a), approval=req.approvals.get(order=0), reason="")
    assert exc.value.field == "reason" and exc.value.status == 422
