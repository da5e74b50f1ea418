"""Shared steps of the order tests (no tests here): a forecast for Alpha and Bravo, an order placed and
moved along by the actions, as of the world's "now" (Wednesday 16 June 2027)."""

from __future__ import annotations

import datetime as dt

from busbar.orders import actions
from busbar.orders.models import HubOrder
from busbar.orders.tests.conftest import NOW, OmsWorld, actor

AUGUST = dt.date(2027, 8, 1)
DELIVERY = dt.date(2027, 8, 20)


def forecast(
    o: OmsWorld, user, quantity: int = 960, *, month: str = "2027-08", region: str = "north", variant=None
):
    return actions.submit_forecast(
        actor=actor(user),
        lines=[{"month": month, "region": region, "variant": (variant or o.g4).code, "quantity": quantity}],
        now=NOW,
    )


def place(o: OmsWorld, user=None, quantity: int = 480, **extra) -> HubOrder:
    user = user or o.world.user_a
    values = {
        "region": "north",
        "variant": o.g4,
        "quantity": quantity,
        "delivery_date": DELIVERY,
        "address": "Unit 4, Hub Park\nLeeds",
        "postcode": "ls1 4ab",
        "now": NOW,
        **extra,
    }
    return actions.place_order(actor=actor(user), **values)


def forecast_and_place(o: OmsWorld, user=None, quantity: int = 480) -> HubOrder:
    user = user or o.world.user_a
    forecast(o, user)
    return place(o, user, quantity)


def dispatched(o: OmsWorld, user=None) -> HubOrder:
    order = forecast_and_place(o, user)
    actions.confirm_order(actor=actor(o.dcc), order=order, now=NOW)
    actions.dispatch_order(actor=actor(o.dcc), order=order, now=NOW)
    return HubOrder.objects.get(pk=order.pk)
