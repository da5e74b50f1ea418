"""Status bulletins: when a service is set degraded, in outage or back to normal (CH-12: suppliers are told
when the service is degraded or suffers an outage), its subscribers who asked for status bulletins are
told in the portal and by email."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.changes.models import Bulletin, BulletinKind
from busbar.lib.actions import Actor, action
from busbar.services.models import Service, ServiceStatus

__all__ = ["announce_service_status"]


@action
def announce_service_status(
    *,
    actor: Actor,
    service: Service,
    previous: str,
    status: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Bulletin | None:
    """A status bulletin for ``service`` (nothing when only planned maintenance starts or ends: the
    change's own bulletins say that)."""
    from busbar.changes import bulletins

    now = now or timezone.now()
    interesting = {ServiceStatus.DEGRADED, ServiceStatus.OUTAGE}
    if status not in interesting and previous not in interesting:
        journal(
            actor=actor, action="change.status_unannounced", obj=service, owner=service.provider, note=status
        )
        return None
    label = dict(ServiceStatus.choices)
    context = {
        "service": service,
        "previous": label.get(previous, previous),
        "status": label.get(status, status),
        "restored": status == ServiceStatus.OPERATIONAL,
        "note": note,
    }
    title = render_to_string("changes/email/status_title.txt", context).strip()[:200]
    body = render_to_string("changes/email/status_body.txt", context).strip()
    bulletin = bulletins.send(kind=BulletinKind.STATUS, services=[service], title=title, body=body, now=now)
    journal(
        actor=actor,
        action="change.status_bulletin",
        obj=service,
        owner=service.provider,
        changes={"status": [previous, status]},
        note=title,
    )
    return bulletin
