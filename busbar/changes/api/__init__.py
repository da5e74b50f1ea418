"""The change app's API (``/api/v1/changes/…``)."""

from ninja import Router

router = Router(tags=["changes"])
