"""Registered with the catalogue: a status bulletin when a service's hand-set status changes."""

from __future__ import annotations

from busbar.lib.actions import Actor


def on_status_changed(service, previous: str, status: str, note: str) -> None:
    from busbar.changes.actions.status import announce_service_status

    announce_service_status(
        actor=Actor.system(), service=service, previous=previous, status=status, note=note
    )
