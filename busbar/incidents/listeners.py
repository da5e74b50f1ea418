"""Who is told, on commit, that an incident changed (registered by higher apps in their ``AppConfig.ready``:
the reports app refreshes the incident's KPI facts). Called on commit of every incident action that saves
the incident; the incidents app never imports the listeners."""

from __future__ import annotations

from collections.abc import Callable

#: (incident primary key) -> None
IncidentListener = Callable[[int], None]
_LISTENERS: dict[str, IncidentListener] = {}


def incident_listener(name: str, listener: IncidentListener) -> None:
    _LISTENERS[name] = listener


def incident_changed(incident_id: int) -> None:
    for name in sorted(_LISTENERS):
        _LISTENERS[name](incident_id)
