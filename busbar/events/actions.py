"""Taking monitoring events in: folding, raising incidents for critical ones, clearing, promoting."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.events import permissions
from busbar.events.models import RANK, Event, EventSeverity
from busbar.incidents import actions as incident_actions
from busbar.incidents.models import OPEN_STATUSES, Incident, IntakeChannel
from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.lib.limits import check_text
from busbar.parties.queries import scope_of
from busbar.services.models import Service

#: Longest message kept, in characters.
MESSAGE_MAX = 2000


@dataclass(frozen=True)
class Incoming:
    """One event as sent (already validated for shape)."""

    service: Service
    source: str
    dedupe_key: str
    severity: str
    message: str
    at: dt.datetime
    clear: bool = False


@dataclass
class Ingested:
    received: int = 0
    new: int = 0
    folded: int = 0
    cleared: int = 0
    incidents: list[str] | None = None


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.BUSBAR_EVENT_FOLD_MINUTES)


def _open_monitoring_incident(service: Service) -> Incident | None:
    return (
        Incident.objects.filter(service=service, channel=IntakeChannel.MONITORING, status__in=OPEN_STATUSES)
        .order_by("-created_at")
        .first()
    )


def _raise_for(event: Event, now: dt.datetime) -> Incident:
    """The incident of a critical event: the service's open monitoring incident, else a new one."""
    incident = _open_monitoring_incident(event.service)
    if incident is not None:
        return incident
    service = event.service
    scheme = service.sla_policy.scheme
    severity = scheme.severities.filter(is_major=False).order_by("rank").first()
    return incident_actions.raise_incident(
        actor=Actor.system(),
        service=service,
        summary=f"Monitoring: {event.message.splitlines()[0][:150] or event.dedupe_key}"[:200],
        description=(
            f"Raised by monitoring ({event.source}) for {service}: {event.message}\n\n"
            f"Dedupe key: {event.dedupe_key}"
        ),
        severity=severity,
        organisation=service.provider,
        channel=IntakeChannel.MONITORING,
        now=now,
    )


_TABLE = Event._meta.db_table
# Only the model's own table name is interpolated; the values are parameters.
_UPDATE = (
    f"UPDATE {_TABLE} SET count = %s, last_seen = %s, message = %s, severity = %s, cleared_at = %s, "  # noqa: S608
    "incident_id = %s WHERE id = %s"
)


def _key_lock(service_id: int, key: str) -> int:
    digest = hashlib.blake2b(f"events:{service_id}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lock_keys(keys: set[tuple[int, str]]) -> None:
    """Two batches carrying the same key take turns (else both could start a new event for it, or lock
    each other's rows in opposite orders). PostgreSQL: transaction advisory locks, taken in one order;
    SQLite's IMMEDIATE transactions already run one writer at a time."""
    if connection.vendor != "postgresql" or not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k",
            [sorted({_key_lock(*k) for k in keys})],
        )


def _save_folded(rows: list[Event]) -> None:
    """One prepared UPDATE run for every folded event (executemany): far cheaper than bulk_update's CASE
    expressions over a thousand rows."""
    with connection.cursor() as cursor:
        cursor.executemany(
            _UPDATE,
            [(e.count, e.last_seen, e.message, e.severity, e.cleared_at, e.incident_id, e.pk) for e in rows],
        )


@action
def ingest(*, actor: Actor, events: Sequence[Incoming], now: dt.datetime | None = None) -> Ingested:
    """Take a batch of events in, all or nothing: each folded into the open event with its key seen within
    the window (count, last seen, worst severity), else a new one; critical ones raise or join the
    service's monitoring incident; ``clear`` ends the alert."""
    now = now or timezone.now()
    scope = scope_of(actor)
    for index, item in enumerate(events):
        refuse(permissions.can_send(scope, item.service), field=f"[{index}].service")
        check_text(item.message, field=f"[{index}].message", limit=MESSAGE_MAX)
        if item.at > now + dt.timedelta(minutes=5):
            raise ActionError("An event cannot come from the future", field=f"[{index}].time")
    result = Ingested(received=len(events), incidents=[])
    keys = {(e.service.pk, e.dedupe_key) for e in events}
    since = min((e.at for e in events), default=now) - _window()
    current: dict[tuple[int, str], Event] = {}
    _lock_keys(keys)
    if keys:
        candidates = Event.objects.select_for_update().filter(
            service_id__in={k[0] for k in keys},
            dedupe_key__in={k[1] for k in keys},
            cleared_at__isnull=True,
            last_seen__gte=since,
        )
        # The batch already holds the services: attach them rather than join them to every row.
        services = {e.service.pk: e.service for e in events}
        for ev in candidates.order_by("last_seen", "pk"):
            ev.service = services[ev.service_id]
            current[(ev.service_id, ev.dedupe_key)] = ev
    created: list[Event] = []
    changed: dict[int, Event] = {}
    critical: list[Event] = []
    cleared: list[Event] = []
    for item in sorted(events, key=lambda e: e.at):
        key = (item.service.pk, item.dedupe_key)
        ev = current.get(key)
        if ev is not None and ev.last_seen < item.at - _window():
            ev = None
        if item.clear:
            if ev is not None and not ev.is_cleared:
                ev.cleared_at, ev.last_seen = item.at, max(ev.last_seen, item.at)
                cleared.append(ev)
                if ev.pk:
                    changed[ev.pk] = ev
                current.pop(key, None)
            result.cleared += 1
            continue
        if ev is None:
            ev = Event(
                service=item.service,
                source=item.source,
                dedupe_key=item.dedupe_key,
                severity=item.severity,
                message=item.message,
                first_seen=item.at,
                last_seen=item.at,
                sent_by=actor.user,
                sender_organisation=actor.organisation,
                created_at=now,
            )
            created.append(ev)
            current[key] = ev
            result.new += 1
        else:
            ev.count += 1
            ev.last_seen = max(ev.last_seen, item.at)
            ev.message = item.message
            if RANK[item.severity] > RANK[ev.severity]:
                ev.severity = item.severity
            if ev.pk:
                changed[ev.pk] = ev
            result.folded += 1
        if ev.severity == EventSeverity.CRITICAL and ev.incident_id is None and ev not in critical:
            critical.append(ev)
    Event.objects.bulk_create(created, batch_size=1000)
    for ev in critical:
        incident = _raise_for(ev, now)
        ev.incident = incident
        if ev.pk and ev not in created:
            changed[ev.pk] = ev
        if incident.reference not in result.incidents:
            result.incidents.append(incident.reference)
    # bulk_create gave the new rows their ids; those that raised an incident need it saved.
    for ev in created:
        if ev.incident_id is not None:
            changed[ev.pk] = ev
    if changed:
        _save_folded(list(changed.values()))
    for ev in cleared:
        if ev.incident_id is not None and ev.incident.status in OPEN_STATUSES:
            incident_actions.add_update(
                actor=Actor.system(),
                incident=ev.incident,
                body=f"Monitoring: the alert {ev.dedupe_key} cleared at "
                f"{timezone.localtime(ev.cleared_at):%d %b %Y %H:%M} UK time ({ev.count} events).",
                now=now,
            )
    services = sorted({e.service for e in events}, key=lambda s: s.pk)
    for service in services:
        journal(
            actor=actor,
            action="event.ingest",
            obj=service,
            owner=service.provider,
            changes={
                "events": [None, sum(1 for e in events if e.service.pk == service.pk)],
                **({"incidents": [None, ", ".join(result.incidents)]} if result.incidents else {}),
            },
        )
    return result


@action
def promote(*, actor: Actor, event: Event, now: dt.datetime | None = None) -> Incident:
    """The desk raises an incident from an event (a warning that matters), or joins the service's open
    monitoring incident."""
    now = now or timezone.now()
    refuse(permissions.can_promote(scope_of(actor), event))
    event = Event.objects.select_for_update(of=("self",)).select_related("service").get(pk=event.pk)
    if event.incident_id is not None:
        raise Conflict(f"The event is already on {event.incident.reference}", field="incident")
    incident = _raise_for(event, now)
    event.incident = incident
    event.save(update_fields=["incident"])
    journal(
        actor=actor,
        action="event.promote",
        obj=event.service,
        owner=event.service.provider,
        changes={"event": [None, event.dedupe_key], "incident": [None, incident.reference]},
    )
    return incident
