"""API: monitoring events in (one or a batch), and the events list."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.events import actions, permissions, queries
from busbar.events.models import Event, EventSeverity
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import parse_id
from busbar.lib.pagination import Page
from busbar.lib.schema import Id, IdOrSlug, InputSchema, Instant, Ref
from busbar.parties.queries import scope_for
from busbar.services.models import Service

router = Router(tags=["Monitoring events"])

#: Most events in one request.
BATCH_MAX = 1000


class EventIn(InputSchema):
    source: str = Field(..., min_length=1, max_length=100, description="The monitoring system or check")
    service: IdOrSlug
    severity: Literal["info", "warning", "critical"]
    message: str = Field(..., min_length=1, max_length=actions.MESSAGE_MAX)
    dedupe_key: str = Field(
        ..., min_length=1, max_length=200, description="Same key within the window: folded"
    )
    time: Instant | None = Field(None, description="When it happened (default: now)")
    clear: bool = Field(False, description="The alert of this key has ended")


#: A batch: up to BATCH_MAX events.
EventBatch = Annotated[list[EventIn], Field(min_length=1, max_length=BATCH_MAX)]


class IngestOut(Schema):
    received: int
    new: int
    folded: int
    cleared: int
    incidents: list[str] = Field(..., description="Incidents raised or joined by critical events")


class EventOut(Schema):
    id: int
    service: Ref
    source: str
    dedupe_key: str
    severity: str
    message: str
    count: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    cleared_at: dt.datetime | None
    incident: str | None

    @staticmethod
    def resolve_service(obj: Event) -> dict[str, Any]:
        return {"id": obj.service_id, "name": obj.service.name}

    @staticmethod
    def resolve_incident(obj: Event) -> str | None:
        return obj.incident.reference if obj.incident_id else None


class EventFilters(Schema):
    service: Id | None = None
    severity: Literal["info", "warning", "critical"] | None = None
    state: Literal["open", "cleared"] | None = None


def _services(items: list[EventIn]) -> list[Service]:
    """Each event's service, by id (ASCII digits within a database key) or slug; any other is a 422."""
    wanted = {i.service for i in items}
    ids = {pk for v in wanted if (pk := parse_id(v)) is not None}
    slugs = {v for v in wanted if parse_id(v) is None}
    active = Service.objects.filter(is_active=True).select_related("provider")
    found = {str(s.pk): s for s in active.filter(pk__in=ids)}
    found.update({s.slug: s for s in active.filter(slug__in=slugs)})
    out = []
    for index, item in enumerate(items):
        pk = parse_id(item.service)
        service = found.get(str(pk) if pk is not None else item.service)
        if service is None:
            raise ActionError(f"No active service {item.service}", field=f"[{index}].service")
        out.append(service)
    return out


@router.post(
    "/events",
    response={202: IngestOut},
    summary="Send monitoring events (one object, or a list of up to 1,000)",
)
def send_events(request: HttpRequest, payload: EventIn | EventBatch) -> Status:
    """Events with the same ``dedupe_key`` on a service within the fold window are one event; a critical
    one raises an incident (channel "monitoring") unless the service has an open one; ``clear`` ends the
    alert. All or nothing: one refused event refuses the batch, naming it (``[3].service``)."""
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise ActionError("Send at least one event", field="body")
    if len(items) > BATCH_MAX:
        raise ActionError(f"Send at most {BATCH_MAX} events at a time", field="body")
    scope = scope_for(request.user)
    if not (scope.is_desk or scope.is_resolver):
        raise NotPermitted("Only providers' monitoring and the service desk send events")
    now = timezone.now()
    services = _services(items)
    incoming = [
        actions.Incoming(
            service=service,
            source=i.source,
            dedupe_key=i.dedupe_key,
            severity=i.severity,
            message=i.message,
            at=i.time or now,
            clear=i.clear,
        )
        for i, service in zip(items, services, strict=True)
    ]
    done = actions.ingest(actor=Actor.from_request(request, channel="api"), events=incoming, now=now)
    return Status(
        202,
        {
            "received": done.received,
            "new": done.new,
            "folded": done.folded,
            "cleared": done.cleared,
            "incidents": done.incidents,
        },
    )


@router.get(
    "/events", response=list[EventOut], summary="Monitoring events (desk: all; providers: their services)"
)
@paginate(Page)
def list_events(request: HttpRequest, filters: Query[EventFilters]) -> Any:
    reason = permissions.can_read(scope_for(request.user))
    if reason:
        raise NotPermitted(reason)
    qs = queries.visible_to(request.user)
    if filters.service is not None:
        qs = qs.filter(service_id=filters.service)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.state == "open":
        qs = qs.filter(cleared_at__isnull=True)
    elif filters.state == "cleared":
        qs = qs.filter(cleared_at__isnull=False)
    return qs.order_by("-last_seen", "-id")


__all__ = ["EventSeverity", "router"]
