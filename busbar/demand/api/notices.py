"""Demand management API (notices)."""

from ninja import Router

router = Router(tags=["Demand management"])
