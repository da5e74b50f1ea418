"""Helpers shared by the lifecycle tests (H2's files)."""

from __future__ import annotations

import datetime as dt

from busbar.requests import actions
from busbar.requests.models import Request
from busbar.requests.tests.conftest import NOW, TODAY, actor


def network_answers(r) -> dict:
    return {
        "wanted_by": (TODAY + dt.timedelta(days=10)).isoformat(),
        "circuits": "2",
        "service": str(r.css.pk),
    }


def raise_network(r, user=None, now=NOW, **kw) -> Request:
    return actions.raise_request(
        actor=actor(user or r.world.user_a),
        item=r.network,
        organisation=r.world.org_a,
        answers=network_answers(r),
        summary="Connect our new data centre",
        now=now,
        **kw,
    )


def raise_info(r, user=None, organisation=None, now=NOW, question="When is the next release?") -> Request:
    user = user or r.world.user_a
    return actions.raise_request(
        actor=actor(user),
        item=r.info,
        organisation=organisation or r.world.org_a,
        answers={"question": question},
        now=now,
    )


def to_fulfilment(r, req: Request, now=NOW) -> Request:
    """Both approvals of a network request given."""
    first, second = req.approvals.order_by("order")
    actions.approve(actor=actor(r.world.admin_a), approval=first, now=now)
    actions.approve(actor=actor(r.world.ops), approval=second, now=now)
    req.refresh_from_db()
    return req
