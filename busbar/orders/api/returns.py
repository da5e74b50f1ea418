"""Hub orders and returns API (returns)."""

from ninja import Router

router = Router(tags=["Hub orders and returns"])
