"""API: setting up test assurance — programmes, phases, cohorts, participations, pairings, requirements,
scenarios and script versions.

Every read starts from :mod:`busbar.testing.queries` (what the caller may not see is a 404); every change
goes through :mod:`busbar.testing.actions.setup` (403 for who, 409 for a status or a rule the phase is in,
422 for bad input naming the field or, for an imported file, the line and column).
"""

from ninja import Router

router = Router(tags=["Testing: setup"])

# The endpoints register themselves on ``router`` (imported after it exists).
from busbar.testing.api.setup import participants, programmes, specs  # noqa: E402

__all__ = ["participants", "programmes", "router", "specs"]
