"""The Demand management API: each module adds its endpoints to a router of its own, mounted here."""

from ninja import Router

from busbar.demand.api import notices

router = Router(tags=["Demand management"])

for _area in (notices,):
    router.add_router("", _area.router)

__all__ = ["router"]
