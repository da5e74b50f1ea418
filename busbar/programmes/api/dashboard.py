"""Programme governance API: dashboard."""

from ninja import Router

router = Router(tags=["Programmes: dashboard"])
