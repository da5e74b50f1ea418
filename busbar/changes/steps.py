"""What every change action shares: the journal entry, the checks at the edge (texts, windows, the
services a provider runs) and the status move that keeps the conflict-scan rows in step. Public functions
here are building blocks called inside an ``@action`` (they are not actions themselves)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from busbar.audit.journal import record as _record
from busbar.changes.models import MAX_WINDOW, TRANSITIONS, ChangeNotification, ChangeService
from busbar.lib.actions import ActionError, Actor, check_transition
from busbar.lib.limits import EARLIEST, LATEST
from busbar.lib.limits import clean_text as _clean_text
from busbar.services.models import Service

#: Text bounds at the edge (the action, the form and the API share them).
TITLE_MAX = 200
TEXT_MAX = 20_000
TEAM_MAX = 100
#: At most this many affected services and components on one change.
MAX_SERVICES = 50


def journal(
    actor: Actor, change: ChangeNotification, what: str, *, changes: dict | None = None, note: str = ""
) -> None:
    """One journal entry ``change.<what>`` for ``change``, owned by its provider."""
    _record(
        actor=actor.acting_for(change.provider_id),
        action=f"change.{what}",
        obj=change,
        owner=change.provider,
        changes=changes,
        note=note[:500],
    )


def clean_text(
    value: Any, *, field: str, limit: int = TEXT_MAX, what: str = "This", required: bool = False
) -> str:
    """:func:`busbar.lib.limits.clean_text` with the change app's defaults (optional, TEXT_MAX)."""
    return _clean_text(value, field=field, limit=limit, what=what, required=required)


def check_window(
    start: dt.datetime | None,
    end: dt.datetime | None,
    *,
    start_field: str = "planned_start",
    end_field: str = "planned_end",
) -> None:
    """Both times given, aware, in range, the end after the start, the window at most a year."""
    if start is None:
        raise ActionError("Give the planned start", field=start_field)
    if end is None:
        raise ActionError("Give the planned end", field=end_field)
    for value, field in ((start, start_field), (end, end_field)):
        if value.tzinfo is None:
            raise ActionError("Give the time with its time zone", field=field)
        if not (EARLIEST <= value <= LATEST):
            raise ActionError("That time is out of range", field=field)
    if end <= start:
        raise ActionError("The end must be after the start", field=end_field)
    if end - start > MAX_WINDOW:
        raise ActionError("A change window can be at most a year long", field=end_field)


def check_services(provider, services: Iterable[Service], *, field: str = "services") -> list[Service]:
    """The affected services: at least one, at most MAX_SERVICES, each active and run by ``provider``
    (itself, or as a component of a service it runs)."""
    found = list(dict.fromkeys(services))
    if not found:
        raise ActionError("Name at least one affected service", field=field)
    if len(found) > MAX_SERVICES:
        raise ActionError(f"Name at most {MAX_SERVICES} services", field=field)
    for service in found:
        parent_provider = service.parent.provider_id if service.parent_id else None
        if not service.is_active:
            raise ActionError(f"{service} is no longer in service", field=field)
        if provider.pk not in (service.provider_id, parent_provider):
            raise ActionError(f"{provider} does not run {service}", field=field)
    return found


def sync_services(change: ChangeNotification, services: Iterable[Service] | None = None) -> None:
    """Write the change's service rows (the window and status copied for conflict scans). With
    ``services`` the set is replaced; without, the existing rows are brought up to date."""
    if services is not None:
        ChangeService.objects.filter(change=change).delete()
        ChangeService.objects.bulk_create(
            ChangeService(
                change=change,
                service=s,
                planned_start=change.planned_start,
                planned_end=change.planned_end,
                status=change.status,
            )
            for s in services
        )
    else:
        ChangeService.objects.filter(change=change).update(
            planned_start=change.planned_start, planned_end=change.planned_end, status=change.status
        )


def move(change: ChangeNotification, target: str) -> dict:
    """Check ``change.status → target`` against the transition table (409 otherwise), set it and keep the
    service rows in step. Returns the journal's change entry. The caller saves the change."""
    current = change.status
    check_transition(TRANSITIONS, current, target, what=f"Change {change.reference}")
    change.status = target
    ChangeService.objects.filter(change=change).update(status=target)
    return {"status": [current, target]}


def lock(change: ChangeNotification) -> ChangeNotification:
    return (
        ChangeNotification.objects.select_for_update(of=("self",))
        .select_related("record", "provider")
        .get(pk=change.pk)
    )
