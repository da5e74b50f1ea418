"""Programme governance API: changes."""

from ninja import Router

router = Router(tags=["Programmes: changes"])
