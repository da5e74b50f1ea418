"""Hub orders and returns API (forecasts)."""

from ninja import Router

router = Router(tags=["Hub orders and returns"])
