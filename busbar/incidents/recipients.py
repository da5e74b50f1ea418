"""Who hears of what about incidents: read by the notification tasks (busbar.incidents.tasks) when they
run, so a person who has lost access by then is not told. What they are told is the event's own data,
captured by the action (``tasks.event_data``). Every message goes to one recipient (``records.mail``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from busbar.incidents.models import Impact, Incident
from busbar.parties.models import (
    OPERATOR_ROLES,
    PROVIDER_ROLES,
    Membership,
    MembershipRole,
    Organisation,
)

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
    return provider_users_of(incident.provider_id)


def provider_users_of(provider_id: int | None) -> QuerySet:
    """The active resolvers of the provider ``provider_id`` (none for None)."""
    if provider_id is None:
        return get_user_model().objects.none()
    return _active_users(organisation_id=provider_id, role=MembershipRole.RESOLVER)


def participant_users(incident: Incident) -> list:
    """The person who raised it (if a participant user) — they follow their own incident."""
    users = []
    if incident.raised_by_id and incident.raised_by.is_active:
        users.append(incident.raised_by)
    return users


def bulletin_audience(incident: Incident) -> list:
    """Every active user of the affected organisations (all of them if market-wide): whose inbox each
    bulletin reaches, whatever their email preferences."""
    if incident.impact == Impact.MARKET:
        return list(_active_users())
    org_ids = {incident.organisation_id, *incident.affected.values_list("pk", flat=True)}
    return list(_active_users(organisation_id__in=org_ids))


def bulletin_recipients(incident: Incident, audience: list | None = None) -> list:
    """Those of the bulletin's audience (:func:`bulletin_audience`, or ``audience`` when given) who want
    bulletins by email."""
    people = bulletin_audience(incident) if audience is None else audience
    return [u for u in people if u.wants("major_incident.bulletin")]


@dataclass(frozen=True)
class Declaration:
    """Who is told when ``incident`` is declared a major incident (the confirmation shows it first)."""

    participant_organisations: int  # every active organisation that is neither operator nor provider
    desk_people: int  # emailed that it was opened
    bulletin_people: int  # each bulletin goes to them, one message each
    bulletin_organisations: list[str]  # whose people those are ("every organisation" when market-wide)
    market_wide: bool

    @property
    def sentence(self) -> str:
        whose = "every organisation" if self.market_wide else ", ".join(self.bulletin_organisations)
        return (
            f"Declaring publishes the incident to every participant ({self.participant_organisations} "
            f"organisation{'s' * (self.participant_organisations != 1)}), emails the desk "
            f"({self.desk_people} {'person' if self.desk_people == 1 else 'people'}), and each bulletin goes "
            f"to {self.bulletin_people} {'person' if self.bulletin_people == 1 else 'people'} at {whose}"
        )


def declaration(incident: Incident) -> Declaration:
    market = incident.impact == Impact.MARKET
    orgs = (
        Organisation.objects.filter(is_active=True)
        if market
        else Organisation.objects.filter(
            pk__in={incident.organisation_id, *incident.affected.values_list("pk", flat=True)}
        )
    )
    return Declaration(
        participant_organisations=Organisation.objects.filter(is_active=True)
        .exclude(roles__role__in=OPERATOR_ROLES | PROVIDER_ROLES)
        .count(),
        desk_people=desk_users().count(),
        bulletin_people=len(bulletin_audience(incident)),
        bulletin_organisations=[] if market else list(orgs.order_by("name").values_list("name", flat=True)),
        market_wide=market,
    )


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
