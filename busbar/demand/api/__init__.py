"""The Demand management API: each module adds its endpoints to a router of its own, mounted here."""

from ninja import Router

from busbar.demand.api import notices, tolerances, trends

router = Router(tags=["Demand management"])

for _area in (notices, tolerances, trends):
    router.add_router("", _area.router)

__all__ = ["router"]
