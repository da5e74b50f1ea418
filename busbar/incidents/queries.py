"""Who sees which incidents, updates and attachments.

A participant sees incidents their organisation raised or is listed as affected by, plus incidents
published to everyone (service-affecting). A provider sees incidents assigned to its organisation.
Central roles see everything. Internal notes are for central roles and the assigned provider only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.audit.queries import timeline_for
from busbar.incidents.models import OPEN_STATUSES, Incident, MajorIncident
from busbar.parties.models import PROVIDER_ROLES, Organisation, OrganisationRole
from busbar.parties.queries import scope_for
from busbar.records import queries as kernel
from busbar.records.models import Attachment, Entry

Update = Entry


def visible_to(user) -> QuerySet[Incident]:
    scope = scope_for(user)
    qs = Incident.objects.select_related(
        "record", "service", "severity", "organisation", "provider", "assignee"
    )
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_central:
        return qs
    orgs = scope.organisation_ids
    affected = Incident.affected.through.objects.filter(incident_id=OuterRef("pk"), organisation_id__in=orgs)
    return qs.filter(
        Q(organisation_id__in=orgs) | Q(provider_id__in=orgs) | Q(is_published=True) | Exists(affected)
    )


# Field visibility ------------------------------------------------------------------------------------------
#
# Everyone who may see an incident sees its summary, description, service, severity, status, SLA clocks and
# public updates. A few fields are for narrower audiences, and this table is the one rule deciding each:
# pages, API fields and API filters all ask it, so a filter can never reveal what the field hides.

#: Who raised it, how, for whom and whom it affects: the raising organisation, the desk and the provider.
PARTIES = "parties"
#: Who works it: the desk (central roles) and the assigned provider.
INTERNAL = "internal"
#: The provider's people working it (the assignee, who wrote each update): those who work it, and everyone
#: who sees the incident when ``BUSBAR_SHOW_RESOLVERS_TO_PARTICIPANTS`` is on. The provider *organisation*
#: is not in the table: everyone who sees the incident sees which provider works it.
RESOLVER_PEOPLE = "resolver_people"
FIELD_AUDIENCE: dict[str, str] = {
    "organisation": PARTIES,
    "raised_by": PARTIES,
    "contact_name": PARTIES,
    "channel": PARTIES,
    "affected": PARTIES,
    "assignee": RESOLVER_PEOPLE,
}


def resolvers_shown_to_participants() -> bool:
    return bool(getattr(settings, "BUSBAR_SHOW_RESOLVERS_TO_PARTICIPANTS", False))


def in_audience(scope, audience: str, incident: Incident) -> bool:
    if scope.is_central:
        return True
    if audience == RESOLVER_PEOPLE and resolvers_shown_to_participants():
        return True
    orgs = scope.organisation_ids
    works_it = incident.provider_id is not None and incident.provider_id in orgs
    return works_it or (audience == PARTIES and incident.organisation_id in orgs)


def _audience_q(scope, audience: str) -> Q:
    if scope.is_central or (audience == RESOLVER_PEOPLE and resolvers_shown_to_participants()):
        return Q()
    orgs = scope.organisation_ids
    works_it = Q(provider_id__in=orgs)
    return works_it | Q(organisation_id__in=orgs) if audience == PARTIES else works_it


def field_visible(user, incident: Incident, field: str) -> bool:
    """May ``user`` (who can see ``incident``) see its ``field``? Fields not in the table: yes."""
    audience = FIELD_AUDIENCE.get(field)
    return audience is None or in_audience(scope_for(user), audience, incident)


def filter_on_field(qs: QuerySet[Incident], user, field: str, **lookup: object) -> QuerySet[Incident]:
    """``qs.filter(**lookup)`` on ``field``, limited to the rows where ``user`` may see that field.

    Without the limit, filtering published incidents by ``organisation=`` would tell anyone who raised
    each one although the field itself is hidden.
    """
    audience = FIELD_AUDIENCE.get(field)
    limit = Q() if audience is None else _audience_q(scope_for(user), audience)
    return qs.filter(limit, **lookup)


def sees_internal(user, incident: Incident) -> bool:
    """Works the incident: central roles and the assigned provider (internal notes, provider, assignee)."""
    return in_audience(scope_for(user), INTERNAL, incident)


def follows(user, incident: Incident) -> bool:
    """Takes part in the incident: raised it (its organisation) or works it (central or its provider)."""
    return in_audience(scope_for(user), PARTIES, incident)


def _participant_ids(incident: Incident) -> frozenset[int]:
    """The raising and affected organisations (read once per incident object)."""
    cached = getattr(incident, "_busbar_participant_ids", None)
    if cached is None:
        affected = {o.pk for o in incident.affected.all()}
        cached = frozenset({incident.organisation_id, *affected} - {incident.provider_id})
        incident._busbar_participant_ids = cached  # type: ignore[attr-defined]
    return cached


def mention_parties(incident: Incident) -> frozenset[int]:
    """The organisations whose people its provider may @mention (besides the desk and its own): the raising
    and affected organisations, never everyone who sees a published incident (records.mentions)."""
    return _participant_ids(incident) | {incident.provider_id} - {None}


def resolver_people_visible(user, incident: Incident) -> bool:
    """May ``user`` see which of the provider's people work ``incident`` (the assignee, the authors of the
    provider's updates, the actors of its history)? Those who work it; others only when
    ``BUSBAR_SHOW_RESOLVERS_TO_PARTICIPANTS`` is on. Everyone who sees the incident sees the provider
    organisation."""
    return in_audience(scope_for(user), RESOLVER_PEOPLE, incident)


def _resolver_org_ids(incident: Incident) -> frozenset[int]:
    """The organisations whose people work ``incident`` on the provider's side: its provider, and any
    provider organisation that is not one of its participants (an earlier provider). One query per incident
    object."""
    cached = getattr(incident, "_busbar_resolver_org_ids", None)
    if cached is None:
        affected = Incident.affected.through.objects.filter(incident_id=incident.pk).values("organisation_id")
        providers = set(
            OrganisationRole.objects.filter(role__in=PROVIDER_ROLES)
            .exclude(organisation_id=incident.organisation_id)
            .exclude(organisation_id__in=affected)
            .values_list("organisation_id", flat=True)
        )
        cached = frozenset(providers | {incident.provider_id} - {None})
        incident._busbar_resolver_org_ids = cached  # type: ignore[attr-defined]
    return cached


@dataclass(frozen=True)
class Resolver:
    """Who works an incident as ``user`` may see it: the provider organisation and, when they may see the
    people, the assignee."""

    provider: Organisation | None
    assignee: Any | None
    people_visible: bool


def resolver_shown(user, incident: Incident) -> Resolver:
    """The details panel's, the API's and the lists' provider and assignee (the one rule)."""
    people = resolver_people_visible(user, incident)
    return Resolver(incident.provider, incident.assignee if people else None, people)


def party_shown(
    user,
    incident: Incident,
    *,
    label: str,
    organisation: Organisation | None,
    organisation_id: int | None = None,
) -> tuple[str, Organisation | None]:
    """How someone who acted on ``incident`` (``label``: their name, for ``organisation``) is named to
    ``user``: the author of an update, the actor of a history entry. The one rule:

    - a person of the provider's side (:func:`_resolver_org_ids`) is named by their organisation only to
      those who may not see the provider's people (:func:`resolver_people_visible`);
    - to a viewer who neither raised nor works it (it was published, or lists their organisation as
      affected) a participant reads "Participant", with no organisation;
    - everyone else sees the person and their organisation.
    """
    return _party(
        incident,
        label,
        organisation,
        organisation.pk if organisation is not None else organisation_id,
        people=resolver_people_visible(user, incident),
        follows=follows(user, incident),
    )


def _party(
    incident: Incident,
    label: str,
    organisation: Organisation | None,
    org_id: int | None,
    *,
    people: bool,
    follows: bool,
) -> tuple[str, Organisation | None]:
    if org_id is None or (people and follows):
        return label, organisation
    if not people and (
        org_id == incident.provider_id
        or (org_id != incident.organisation_id and org_id in _resolver_org_ids(incident))
    ):
        org = organisation or Organisation.objects.filter(pk=org_id).first()
        return (org.name if org is not None else "Provider"), org
    if follows or org_id not in _participant_ids(incident):
        return label, organisation
    return "Participant", None


def email_author(incident: Incident, update: Update, *, follows: bool = True) -> str:
    """The author of ``update`` as an email about it names them to participants: the provider's people by
    their organisation unless ``BUSBAR_SHOW_RESOLVERS_TO_PARTICIPANTS`` is on. ``follows``: the body is for
    those who raised or work it (:func:`follows`); False for the others (watchers of a published incident),
    to whom another participant is "Participant", as on the web (:func:`party_shown`)."""
    return _party(
        incident,
        update.author_label,
        update.author_organisation,
        update.author_organisation_id,
        people=resolvers_shown_to_participants(),
        follows=follows,
    )[0]


def author_shown(user, incident: Incident, update: Update) -> tuple[str, Organisation | None]:
    """The author label and organisation of ``update`` as ``user`` may see them (:func:`party_shown`)."""
    return party_shown(
        user,
        incident,
        label=update.author_label,
        organisation=update.author_organisation,
        organisation_id=update.author_organisation_id,
    )


def updates_visible_to(user, incident: Incident) -> QuerySet[Update]:
    """Updates of an incident the caller has already been shown."""
    return kernel.entries_visible_to(user, incident)


#: Journal entries a participant does not see, the change keys withheld from them, and the only actions whose
#: note they read (any other note may quote internal detail).
PRIVATE_ACTIONS = frozenset({"incident.note", "major_incident.reminder"})
PRIVATE_CHANGES = frozenset({"assignee", "cause"})
PUBLIC_NOTES = frozenset(
    {"incident.reopen", "incident.cancel", "incident.pending_participant", "incident.start"}
)


def timeline_visible_to(user, incident: Incident) -> list[AuditEntry] | None:
    """The incident's history (its journal and its major incident's) as ``user`` may read it.

    None for a viewer who neither raised nor works the incident: they get no timeline (the API answers 404).
    Entries are redacted in memory only, for display: the journal is append-only and never saved from here.
    """
    if not follows(user, incident):
        return None
    entries = list(timeline_for(incident).select_related("actor", "actor_organisation"))
    try:
        major = incident.major
    except MajorIncident.DoesNotExist:
        major = None
    if major is not None:
        entries += list(timeline_for(major).select_related("actor", "actor_organisation"))
        entries.sort(key=lambda e: (e.at, e.id))
    people = resolver_people_visible(user, incident)
    shown = kernel.redact_timeline(
        user,
        entries,
        works=sees_internal(user, incident),
        link_actions=frozenset({"incident.link"}),
        private_actions=PRIVATE_ACTIONS,
        private_changes=PRIVATE_CHANGES if not people else PRIVATE_CHANGES - {"assignee"},
        public_notes=PUBLIC_NOTES,
    )
    if not people:
        for e in shown:
            # The provider's people are named by their organisation (the one rule: party_shown).
            e.actor_label, _ = party_shown(
                user,
                incident,
                label=e.actor_label,
                organisation=e.actor_organisation,
                organisation_id=e.actor_organisation_id,
            )
    return shown


def attachments_visible_to(user, incident: Incident) -> QuerySet[Attachment]:
    return kernel.attachments_visible_to(user, incident)


def majors_visible_to(user) -> QuerySet[MajorIncident]:
    return MajorIncident.objects.select_related("incident", "manager").filter(
        incident__in=visible_to(user).values("pk")
    )


# Desk queues -----------------------------------------------------------------------------------------------


#: Open: not resolved, closed or cancelled.
OPEN_Q = Q(status__in=OPEN_STATUSES)
#: Either clock breached.
BREACHED_Q = Q(record__resolution_breached=True) | Q(record__response_breached=True)


def breaching_soon_q(within: dt.timedelta = dt.timedelta(hours=2)) -> Q:
    """Open, not yet breached, with a resolution or response due inside ``within``."""
    horizon = timezone.now() + within
    return OPEN_Q & (
        Q(record__resolution_due_at__lte=horizon, record__resolution_breached=False)
        | Q(record__response_due_at__lte=horizon, record__response_breached=False)
    )


def open_incidents(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    return qs.filter(OPEN_Q)


def breaching_soon(
    qs: QuerySet[Incident], within: dt.timedelta = dt.timedelta(hours=2)
) -> QuerySet[Incident]:
    return qs.filter(breaching_soon_q(within))


def breached(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    return qs.filter(BREACHED_Q)


def search(qs: QuerySet[Incident], text: str, user=None) -> QuerySet[Incident]:
    """What a search box finds (:mod:`busbar.incidents.search`), any of:

    - a reference, whole or partial: ``INC0000013``, ``inc13``, ``0000013`` or ``13`` find INC0000013;
    - every word in the summary, description, public updates or major-incident bulletins; and, for those
      who work the incident (``user``: the desk, its provider), in its internal notes;
    - every word in the name of an organisation the viewer may see on the incident: the raiser and the
      affected organisations (:data:`PARTIES`), the provider (as ``FIELD_AUDIENCE`` says), so a search
      never tells who raised an incident to someone the field is hidden from.
    """
    from busbar.incidents import search as fulltext
    from busbar.lib.fulltext import terms

    text = text.strip()
    if not text:
        return qs
    condition = Q(pk__in=[])
    reference = reference_in(text)
    if reference is not None:
        condition |= Q(reference=reference)  # stored upper-case: the unique index answers
    if terms(text):
        condition |= fulltext.matching_q(text, works_on_q(user))
        condition |= _organisation_q(text, user)
    return qs.filter(condition)


#: A search matches organisation names only among this many organisations (the best-named first).
MAX_NAMED_ORGANISATIONS = 50


def _organisation_q(text: str, user) -> Q:
    """Incidents naming, in a field ``user`` may see, an organisation whose name has every word of
    ``text``."""
    from busbar.lib.fulltext import terms

    words = terms(text)
    names = Organisation.objects.all()
    for word in words:
        names = names.filter(Q(name__icontains=word) | Q(slug__icontains=word))
    ids = list(names.order_by("name").values_list("pk", flat=True)[:MAX_NAMED_ORGANISATIONS])
    if not ids or user is None:
        return Q(pk__in=[])
    scope = scope_for(user)
    affected = Incident.affected.through.objects.filter(incident_id=OuterRef("pk"), organisation_id__in=ids)
    return (
        (Q(organisation_id__in=ids) & _field_q(scope, "organisation"))
        | (Q(Exists(affected)) & _field_q(scope, "affected"))
        | (Q(provider_id__in=ids) & _field_q(scope, "provider"))
    )


def _field_q(scope, field: str) -> Q:
    """The incidents whose ``field`` the viewer of ``scope`` may see, as a condition."""
    audience = FIELD_AUDIENCE.get(field)
    return Q() if audience is None else _audience_q(scope, audience)


def reference_in(text: str) -> str | None:
    """``inc42``, ``INC0000042``, ``0000042`` or ``42`` → ``INC0000042`` when the search text is an
    incident reference, whole or partial; else None."""
    match = re.fullmatch(r"(?i)(?:inc)?0*(\d{1,7})", text.strip())
    return f"INC{int(match.group(1)):07d}" if match and int(match.group(1)) > 0 else None


def works_on_q(user) -> Q | None:
    """The incidents ``user`` works (reads internal notes of), as a condition; None for nobody."""
    if user is None:
        return None
    scope = scope_for(user)
    if not scope.is_authenticated or not (scope.is_central or scope.organisation_ids):
        return None
    return _audience_q(scope, INTERNAL)
