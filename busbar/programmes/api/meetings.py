"""Programme governance API: meetings."""

from ninja import Router

router = Router(tags=["Programmes: meetings"])
