"""Service requests API (requests)."""

from ninja import Router

router = Router(tags=["Service requests"])
