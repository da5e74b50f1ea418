"""SLA warnings and breaches, raised once each by the scan."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from busbar.audit.journal import record
from busbar.incidents import notify, sla
from busbar.incidents.actions._common import (
    _lock,
)
from busbar.incidents.models import (
    Incident,
    SlaNotice,
)
from busbar.lib.actions import ActionError, Actor, action

# SLA notices --------------------------------------------------------------------------------------


@action
def raise_sla_notice(
    *,
    actor: Actor,
    incident: Incident,
    clock: str,
    kind: str,
    crossed_at: dt.datetime,
    now: dt.datetime | None = None,
) -> SlaNotice | None:
    """Record a warning or breach once (unique per incident, clock and kind), notify and escalate."""
    now = now or timezone.now()
    incident = _lock(incident)
    notice, created = SlaNotice.objects.get_or_create(
        incident=incident, clock=clock, kind=kind, defaults={"crossed_at": crossed_at}
    )
    if not created:
        raise ActionError("Already raised", field="kind")
    incident.sla_notified |= sla.NOTICE_BITS[(clock, kind)]
    # The breached flags and the next check time in the SLA cache move exactly when a notice is recorded.
    changed = sla.refresh_cache(incident, now)
    incident.save(update_fields=sorted({*changed, "sla_notified"}))
    escalate = []
    if kind == SlaNotice.Kind.BREACH:
        escalate = notify.escalation_targets()
        notice.escalated_to.set(escalate)
    record(
        actor=actor,
        action=f"incident.sla_{kind}",
        obj=incident,
        owner=incident.organisation,
        changes={f"{clock}_{kind}": [None, crossed_at]},
        note=f"Escalated to {', '.join(str(u) for u in escalate)}" if escalate else "",
    )
    transaction.on_commit(lambda: notify.sla_notice(notice.pk))
    return notice
