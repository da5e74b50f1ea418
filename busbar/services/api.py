"""API: services (filled in by the services API work)."""

from ninja import Router

router = Router(tags=["Services"])
