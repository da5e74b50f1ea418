"""Who hears of what about incidents: read by the notification tasks (busbar.incidents.tasks) when they
run, so a person who has lost access by then is not told."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from busbar.incidents.models import Impact, Incident
from busbar.parties.models import Membership, MembershipRole

# Recipients ------------------------------------------------------------------------------------


def _active_users(**membership_filter: object) -> QuerySet:
    members = Membership.objects.filter(is_active=True, organisation__is_active=True, **membership_filter)
    return get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id")).order_by("pk")


def desk_users() -> QuerySet:
    return _active_users(role__in=[MembershipRole.ANALYST, MembershipRole.OPERATIONS])


def escalation_targets() -> list:
    from django.conf import settings

    return list(_active_users(role__in=settings.BUSBAR_SLA_ESCALATE_TO))


def provider_users(incident: Incident) -> QuerySet:
    if incident.provider_id is None:
        return get_user_model().objects.none()
    return _active_users(organisation_id=incident.provider_id, role=MembershipRole.RESOLVER)


def participant_users(incident: Incident) -> list:
    """The person who raised it (if a participant user) — they follow their own incident."""
    users = []
    if incident.raised_by_id and incident.raised_by.is_active:
        users.append(incident.raised_by)
    return users


def bulletin_recipients(incident: Incident) -> list:
    """Every active participant-side user of the affected organisations (all of them if market-wide)."""
    if incident.impact == Impact.MARKET:
        qs = _active_users()
    else:
        org_ids = {incident.organisation_id, *incident.affected.values_list("pk", flat=True)}
        qs = _active_users(organisation_id__in=org_ids)
    return [u for u in qs if u.wants("major_incident.bulletin")]


def watchers(incident: Incident, *, internal: bool = False) -> list:
    """People following the incident who may still see it (and, for ``internal`` news, who work it)."""
    from busbar.incidents.queries import sees_internal, visible_to
    from busbar.records.queries import watcher_users

    people = [u for u in watcher_users(incident) if u.is_active]
    return [
        u
        for u in people
        if visible_to(u).filter(pk=incident.pk).exists() and (not internal or sees_internal(u, incident))
    ]
