"""Programme governance API: raid."""

from ninja import Router

router = Router(tags=["Programmes: raid"])
