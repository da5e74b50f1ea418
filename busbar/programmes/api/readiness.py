"""Programme governance API: readiness."""

from ninja import Router

router = Router(tags=["Programmes: readiness"])
