"""The Hub orders and returns API: each module adds its endpoints to a router of its own, mounted here."""

from ninja import Router

from busbar.orders.api import forecasts, orders, returns

router = Router(tags=["Hub orders and returns"])

for _area in (
    forecasts,
    orders,
    returns,
):
    router.add_router("", _area.router)

__all__ = ["router"]
