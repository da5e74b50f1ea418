"""The Service requests API: each module adds its endpoints to a router of its own, mounted here."""

from ninja import Router

from busbar.requests.api import catalogue, requests

router = Router(tags=["Service requests"])

for _area in (
    catalogue,
    requests,
):
    router.add_router("", _area.router)

__all__ = ["router"]
