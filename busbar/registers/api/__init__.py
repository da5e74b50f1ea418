"""The registers' API (``/api/v1/risks``, ``/api/v1/improvements``, ``/api/v1/service-reviews``): each
module adds its endpoints to a router of its own, mounted here."""

from ninja import Router

from busbar.registers.api import items, reviews

router = Router(tags=["Registers"])

for _area in (items, reviews):
    router.add_router("", _area.router)

__all__ = ["router"]
