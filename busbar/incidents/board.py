"""What incidents tell the service status board (registered with
:func:`busbar.services.status.impact_source`).

A live major incident is one that is open with its major-incident record not closed. When it is published
it drives the status of its service for everyone, mapped by severity
(:func:`busbar.services.status.severity_status`); it is linked for those who may open it
(:func:`busbar.incidents.queries.visible_to`: every participant may open a published incident). An
unpublished one changes no status and is linked only for those who may already see it.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from busbar.incidents import queries
from busbar.incidents.models import OPEN_STATUSES, Incident, MajorIncident
from busbar.parties.queries import scope_for
from busbar.services.status import Impact, severity_status


def live_majors(user: Any, service_ids: list[int]) -> list[Impact]:
    """Two queries whatever the number of services: the live majors, and which the viewer may open."""
    if not service_ids or not scope_for(user).is_authenticated:
        return []
    live = list(
        Incident.objects.filter(
            service_id__in=service_ids,
            status__in=OPEN_STATUSES,
            major__isnull=False,
        )
        .exclude(major__state=MajorIncident.State.CLOSED)
        .select_related("severity")
        .only("pk", "reference", "summary", "service_id", "is_published", "severity__rank", "severity__code")
    )
    if not live:
        return []
    may_open = set(queries.visible_to(user).filter(pk__in=[i.pk for i in live]).values_list("pk", flat=True))
    impacts = []
    for incident in live:
        opens = incident.pk in may_open
        if not incident.is_published and not opens:
            continue
        impacts.append(
            Impact(
                service_id=incident.service_id,
                status=severity_status(incident.severity.rank),
                reference=incident.reference,
                title=incident.summary if opens else "",
                url=reverse("incident_detail", args=[incident.reference]) if opens else "",
                counts=incident.is_published,
                label=f"Major incident, severity {incident.severity.code}",
            )
        )
    return impacts
