"""Who may do what with triage scripts: the only place these rules live.

The service desk writes and runs the scripts (first-line diagnosis, seed 001 §11.23); providers read the
scripts of the services they run, so they can say what should change. A run's transcript is an internal
note on the incident: read, like every internal note, by those who work it (the desk and the assigned
provider), never by participants.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from busbar.incidents.models import Incident
    from busbar.parties.queries import Scope


def can_manage(scope: Scope) -> str | None:
    """Write, change, switch on and off the scripts."""
    return None if scope.is_desk else "Only the service desk writes triage scripts"


def can_run(scope: Scope, incident: Incident) -> str | None:
    """Run a script on an incident and record the answers on it."""
    return None if scope.is_desk else "Only the service desk runs triage scripts on incidents"
