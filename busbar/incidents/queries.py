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

from busbar.incidents.models import OPEN_STATUSES, Attachment, Incident, MajorIncident, Update
from busbar.parties.queries import scope_for


def visible_to(user) -> QuerySet[Incident]:  # noqa: ANN001
    scope = scope_for(user)
    qs = Incident.objects.select_related("service", "severity", "organisation", "provider", "assignee")
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_central:
        return qs
    orgs = scope.organisation_ids
    affected = Incident.affected.through.objects.filter(incident_id=OuterRef("pk"), organisation_id__in=orgs)
    return qs.filter(
        Q(organisation_id__in=orgs) | Q(provider_id__in=orgs) | Q(is_published=True) | Exists(affected)
    )


def sees_internal(user, incident: Incident) -> bool:  # noqa: ANN001
    scope = scope_for(user)
    return scope.is_central or (
        incident.provider_id is not None and incident.provider_id in scope.organisation_ids
    )


def updates_visible_to(user, incident: Incident) -> QuerySet[Update]:  # noqa: ANN001
    """Updates of an incident the caller has already been shown."""
    qs = incident.updates.select_related("author_organisation").prefetch_related("attachments")
    return qs if sees_internal(user, incident) else qs.filter(is_internal=False)


def attachments_visible_to(user, incident: Incident) -> QuerySet[Attachment]:  # noqa: ANN001
    qs = incident.attachments.all()
    return qs if sees_internal(user, incident) else qs.filter(is_internal=False)


def majors_visible_to(user) -> QuerySet[MajorIncident]:  # noqa: ANN001
    return MajorIncident.objects.select_related("incident", "manager").filter(
        incident__in=visible_to(user).values("pk")
    )


# Desk queues -----------------------------------------------------------------------------------------------


def open_incidents(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    return qs.filter(status__in=OPEN_STATUSES)


def unassigned(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    return qs.filter(status__in=OPEN_STATUSES, provider__isnull=True)


def breaching_soon(
    qs: QuerySet[Incident], within: dt.timedelta = dt.timedelta(hours=2)
) -> QuerySet[Incident]:
    """Open, not yet breached, with a resolution or response due inside ``within``."""
    horizon = timezone.now() + within
    return qs.filter(status__in=OPEN_STATUSES).filter(
        Q(resolution_due_at__lte=horizon, resolution_breached=False)
        | Q(response_due_at__lte=horizon, response_breached=False)
    )


def breached(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    return qs.filter(Q(resolution_breached=True) | Q(response_breached=True))


def search(qs: QuerySet[Incident], text: str) -> QuerySet[Incident]:
    """Reference, summary or description. Uses PostgreSQL full-text search when available."""
    text = text.strip()
    if not text:
        return qs
    if re.fullmatch(r"(?i)inc\d{1,7}", text):
        return qs.filter(reference__iexact=f"INC{int(text[3:]):07d}")
    from django.db import connection

    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector("summary", weight="A", config="english") + SearchVector(
            "description", weight="B", config="english"
        )
        return qs.annotate(_search=vector).filter(
            _search=SearchQuery(text, config="english", search_type="websearch")
        )
    return qs.filter(Q(summary__icontains=text) | Q(description__icontains=text))
