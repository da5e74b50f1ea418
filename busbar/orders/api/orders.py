"""Hub orders and returns API (orders)."""

from ninja import Router

router = Router(tags=["Hub orders and returns"])
