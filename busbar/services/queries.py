"""Reads of the service catalogue. The catalogue is published to every signed-in user."""

from __future__ import annotations

from django.db.models import QuerySet

from busbar.parties.queries import scope_for
from busbar.services.models import Calendar, Service, SeverityScheme, SlaPolicy


def services_visible_to(user) -> QuerySet[Service]:
    scope = scope_for(user)
    qs = Service.objects.select_related("provider", "parent", "calendar", "sla_policy")
    if not scope.is_authenticated:
        return qs.none()
    return qs if scope.is_central else qs.filter(is_active=True)


def calendars_visible_to(user) -> QuerySet[Calendar]:
    return Calendar.objects.all() if scope_for(user).is_authenticated else Calendar.objects.none()


def policies_visible_to(user) -> QuerySet[SlaPolicy]:
    qs = SlaPolicy.objects.select_related("scheme")
    return qs if scope_for(user).is_authenticated else qs.none()


def schemes_visible_to(user) -> QuerySet[SeverityScheme]:
    return SeverityScheme.objects.all() if scope_for(user).is_authenticated else SeverityScheme.objects.none()
