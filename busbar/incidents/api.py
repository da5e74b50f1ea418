"""API: incidents (filled in by the incidents API work)."""

from ninja import Router

router = Router(tags=["Incidents"])
