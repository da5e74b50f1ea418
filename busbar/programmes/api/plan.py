"""Programme governance API: plan."""

from ninja import Router

router = Router(tags=["Programmes: plan"])
