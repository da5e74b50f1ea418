"""Who sees which incidents, updates and attachments.

A participant sees incidents their organisation raised or is listed as affected by, plus incidents
published to everyone (service-affecting). A provider sees incidents assigned to its organisation.
Central roles see everything. Internal notes are for central roles and the assigned provider only.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.audit.queries import timeline_for
from busbar.incidents.models import OPEN_STATUSES, Incident, MajorIncident
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.records import queries as kernel
from busbar.records.models import Attachment, Entry

Update = Entry


def visible_to(user) -> QuerySet[Incident]:  # noqa: ANN001
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
FIELD_AUDIENCE: dict[str, str] = {
    "organisation": PARTIES,
    "raised_by": PARTIES,
    "contact_name": PARTIES,
    "channel": PARTIES,
    "affected": PARTIES,
    "provider": INTERNAL,
    "assignee": INTERNAL,
}


def in_audience(scope, audience: str, incident: Incident) -> bool:  # noqa: ANN001
    if scope.is_central:
        return True
    orgs = scope.organisation_ids
    works_it = incident.provider_id is not None and incident.provider_id in orgs
    return works_it or (audience == PARTIES and incident.organisation_id in orgs)


def _audience_q(scope, audience: str) -> Q:  # noqa: ANN001
    if scope.is_central:
        return Q()
    orgs = scope.organisation_ids
    works_it = Q(provider_id__in=orgs)
    return works_it | Q(organisation_id__in=orgs) if audience == PARTIES else works_it


def field_visible(user, incident: Incident, field: str) -> bool:  # noqa: ANN001
    """May ``user`` (who can see ``incident``) see its ``field``? Fields not in the table: yes."""
    audience = FIELD_AUDIENCE.get(field)
    return audience is None or in_audience(scope_for(user), audience, incident)


def filter_on_field(qs: QuerySet[Incident], user, field: str, **lookup: object) -> QuerySet[Incident]:  # noqa: ANN001
    """``qs.filter(**lookup)`` on ``field``, limited to the rows where ``user`` may see that field.

    Without the limit, filtering published incidents by ``organisation=`` would tell anyone who raised
    each one although the field itself is hidden.
    """
    audience = FIELD_AUDIENCE.get(field)
    limit = Q() if audience is None else _audience_q(scope_for(user), audience)
    return qs.filter(limit, **lookup)


def sees_internal(user, incident: Incident) -> bool:  # noqa: ANN001
    """Works the incident: central roles and the assigned provider (internal notes, provider, assignee)."""
    return in_audience(scope_for(user), INTERNAL, incident)


def follows(user, incident: Incident) -> bool:  # noqa: ANN001
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


def author_shown(user, incident: Incident, update: Update) -> tuple[str, Organisation | None]:  # noqa: ANN001
    """The author label and organisation of ``update`` as ``user`` may see them.

    To a viewer who neither raised nor works the incident (it was published, or lists their organisation
    as affected) a participant's update reads "Participant", with no organisation.
    """
    if follows(user, incident):
        return update.author_label, update.author_organisation
    if update.author_organisation_id is not None and update.author_organisation_id in _participant_ids(
        incident
    ):
        return "Participant", None
    return update.author_label, update.author_organisation


def updates_visible_to(user, incident: Incident) -> QuerySet[Update]:  # noqa: ANN001
    """Updates of an incident the caller has already been shown."""
    return kernel.entries_visible_to(user, incident)


#: Journal entries a participant does not see, the change keys withheld from them, and the only actions whose
#: note they read (any other note may quote internal detail).
PRIVATE_ACTIONS = frozenset({"incident.note", "major_incident.reminder"})
PRIVATE_CHANGES = frozenset({"provider", "assignee", "cause"})
PUBLIC_NOTES = frozenset(
    {"incident.reopen", "incident.cancel", "incident.pending_participant", "incident.start"}
)


def timeline_visible_to(user, incident: Incident) -> list[AuditEntry] | None:  # noqa: ANN001
    """The incident's history (its journal and its major incident's) as ``user`` may read it.

    None for a viewer who neither raised nor works the incident: they get no timeline (the API answers 404).
    Entries are redacted in memory only, for display: the journal is append-only and never saved from here.
    """
    if not follows(user, incident):
        return None
    entries = list(timeline_for(incident).select_related("actor"))
    try:
        major = incident.major
    except MajorIncident.DoesNotExist:
        major = None
    if major is not None:
        entries += list(timeline_for(major).select_related("actor"))
        entries.sort(key=lambda e: (e.at, e.id))
    return kernel.redact_timeline(
        user,
        entries,
        works=sees_internal(user, incident),
        link_actions=frozenset({"incident.link"}),
        private_actions=PRIVATE_ACTIONS,
        private_changes=PRIVATE_CHANGES,
        public_notes=PUBLIC_NOTES,
    )


def attachments_visible_to(user, incident: Incident) -> QuerySet[Attachment]:  # noqa: ANN001
    return kernel.attachments_visible_to(user, incident)


def majors_visible_to(user) -> QuerySet[MajorIncident]:  # noqa: ANN001
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


def search(qs: QuerySet[Incident], text: str, user=None) -> QuerySet[Incident]:  # noqa: ANN001
    """A reference (``INC42``), or every word in the summary, description or public updates; and, for
    those who work the incident (``user``: the desk, its provider), in its internal notes
    (:mod:`busbar.incidents.search`)."""
    from busbar.incidents import search as fulltext

    text = text.strip()
    if not text:
        return qs
    reference = reference_in(text)
    if reference is not None:
        return qs.filter(reference=reference)  # stored upper-case: the unique index answers
    return fulltext.matching(qs, text, works_on_q(user))


def reference_in(text: str) -> str | None:
    """``inc42`` → ``INC0000042`` when the search text is an incident reference, else None."""
    text = text.strip()
    return f"INC{int(text[3:]):07d}" if re.fullmatch(r"(?i)inc\d{1,7}", text) else None


def works_on_q(user) -> Q | None:  # noqa: ANN001
    """The incidents ``user`` works (reads internal notes of), as a condition; None for nobody."""
    if user is None:
        return None
    scope = scope_for(user)
    if not scope.is_authenticated or not (scope.is_central or scope.organisation_ids):
        return None
    return _audience_q(scope, INTERNAL)
