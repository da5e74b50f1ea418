"""Who may send, read and promote monitoring events: the only place these rules live."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from busbar.events.models import Event
    from busbar.parties.queries import Scope
    from busbar.services.models import Service


def can_send(scope: Scope, service: Service) -> str | None:
    """The provider that runs the service (its monitoring, with a resolver's or system account's token),
    and the desk."""
    if scope.is_desk or service.provider_id in scope.resolver_for:
        return None
    return f"Only {service.provider or 'the provider'} and the service desk send events for {service}"


def can_read(scope: Scope) -> str | None:
    return None if (scope.is_central or scope.is_resolver) else "Events are for the desk and providers"


def can_promote(scope: Scope, event: Event) -> str | None:
    return None if scope.is_desk else "Only the service desk promotes events to incidents"
