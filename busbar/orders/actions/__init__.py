"""Every change to hub forecasts, orders and rules (:mod:`.forecasts`, :mod:`.orders`, :mod:`.rules`) and
returns (:mod:`.returns`), re-exported here."""

from busbar.orders.actions.forecasts import submit_forecast, upload_forecast
from busbar.orders.actions.orders import (
    add_order_update,
    cancel_order,
    close_order,
    confirm_order,
    dispatch_order,
    place_order,
    record_delivery,
    resolve_short,
)
from busbar.orders.actions.returns import *  # noqa: F403
from busbar.orders.actions.rules import set_rule, set_settings

__all__ = [
    "add_order_update",
    "cancel_order",
    "close_order",
    "confirm_order",
    "dispatch_order",
    "place_order",
    "record_delivery",
    "resolve_short",
    "set_rule",
    "set_settings",
    "submit_forecast",
    "upload_forecast",
]
