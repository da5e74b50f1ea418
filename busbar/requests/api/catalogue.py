"""Service requests API (catalogue)."""

from ninja import Router

router = Router(tags=["Service requests"])
