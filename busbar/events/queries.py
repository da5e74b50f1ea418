"""Who sees which events: the desk (central roles) every event; a provider those of services it runs."""

from __future__ import annotations

from django.db.models import QuerySet

from busbar.events.models import Event
from busbar.parties.queries import scope_for


def visible_to(user) -> QuerySet[Event]:
    scope = scope_for(user)
    qs = Event.objects.select_related("service", "incident")
    if scope.is_central:
        return qs
    if scope.resolver_for:
        return qs.filter(service__provider_id__in=scope.resolver_for)
    return qs.none()
