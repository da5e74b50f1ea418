"""Each return action allowed and denied per persona: supplier A (raise, add, remove, cancel, talk),
supplier B (nothing of A's), DCC and the desk (stages, cancel), a provider that is not DCC (nothing)."""

from __future__ import annotations

import pytest

from busbar.lib.actions import NotPermitted
from busbar.orders.actions import returns as actions
from busbar.orders.tests.conftest import OmsWorld, actor
from busbar.orders.tests.test_return_flow import raise_for, serial

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["user_b", "resolver", "analyst"])
def test_only_the_suppliers_people_raise_for_it(o: OmsWorld, who):
    with pytest.raises(NotPermitted):
        raise_for(o, getattr(o.world, who), supplier=o.world.org_a)


@pytest.mark.parametrize(
    "who,may", [("user_a", True), ("admin_a", True), ("user_b", False), ("resolver", False), ("dcc", False)]
)
def test_adding_hubs(o: OmsWorld, who, may):
    hr = raise_for(o, count=2)
    user = o.dcc if who == "dcc" else getattr(o.world, who)

    def call():
        return actions.add_hubs(actor=actor(user), hub_return=hr, hubs=[(serial(7), "s2-cs-int", "F01", "")])

    if may:
        assert call() == 1
    else:
        with pytest.raises(NotPermitted):
            call()


@pytest.mark.parametrize(
    "who,may", [("user_a", True), ("dcc", True), ("analyst", True), ("user_b", False), ("resolver", False)]
)
def test_cancelling(o: OmsWorld, who, may):
    hr = raise_for(o, count=1)
    user = o.dcc if who == "dcc" else getattr(o.world, who)
    if may:
        assert actions.cancel_return(actor=actor(user), hub_return=hr).status == "cancelled"
    else:
        with pytest.raises(NotPermitted):
            actions.cancel_return(actor=actor(user), hub_return=hr)


@pytest.mark.parametrize(
    "who,may", [("dcc", True), ("analyst", True), ("user_a", False), ("user_b", False), ("resolver", False)]
)
def test_processing(o: OmsWorld, who, may):
    hr = raise_for(o, count=1)
    user = o.dcc if who == "dcc" else getattr(o.world, who)
    if may:
        assert actions.mark_collected(actor=actor(user), hub_return=hr).status == "collected"
    else:
        with pytest.raises(NotPermitted):
            actions.mark_collected(actor=actor(user), hub_return=hr)


@pytest.mark.parametrize(
    "who,internal,may",
    [("user_a", False, True), ("user_a", True, False), ("dcc", True, True), ("user_b", False, False)],
)
def test_conversation(o: OmsWorld, who, internal, may):
    hr = raise_for(o, count=1)
    user = o.dcc if who == "dcc" else getattr(o.world, who)

    def call():
        return actions.add_return_update(actor=actor(user), hub_return=hr, body="Hello", internal=internal)

    if may:
        assert call().is_internal == internal
    else:
        with pytest.raises(NotPermitted):
            call()
