"""SLA warnings and breaches, raised once each by the scan."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from busbar.audit.journal import record
from busbar.incidents import recipients, sla, tasks
from busbar.incidents.actions._common import _lock
from busbar.incidents.models import OPEN_STATUSES, Incident
from busbar.lib.actions import ActionError, Actor, action
from busbar.records.models import SlaNotice

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
        record_id=incident.record_id, clock=clock, kind=kind, defaults={"crossed_at": crossed_at}
    )
    if not created:
        raise ActionError("Already raised", field="kind")
    incident.record.sla_notified |= sla.NOTICE_BITS[(clock, kind)]
    # The breached flags and the next check time in the SLA cache move exactly when a notice is recorded.
    changed = sla.refresh_cache(incident, now)
    incident.record.save(update_fields=sorted({*changed, "sla_notified"}))
    escalate = []
    if kind == SlaNotice.Kind.BREACH:
        escalate = recipients.escalation_targets()
        notice.escalated_to.set(escalate)
    record(
        actor=actor,
        action=f"incident.sla_{kind}",
        obj=incident,
        owner=incident.organisation,
        changes={f"{clock}_{kind}": [None, crossed_at]},
        note=f"Escalated to {', '.join(str(u) for u in escalate)}" if escalate else "",
    )
    transaction.on_commit(lambda: tasks.notify_sla_notice.enqueue(notice.pk))
    return notice


@action
def recompute_sla_for_policy(*, actor: Actor, policy_id: int, now: dt.datetime | None = None) -> int:
    """After a policy, target or calendar change, bring every open incident's SLA cache up to date.

    Journalled once on the policy (how many incidents moved), not once per incident: the clocks themselves
    are derived, and each incident's history already holds every event they are derived from.
    """
    from busbar.services.models import SlaPolicy

    now = now or timezone.now()
    policy = SlaPolicy.objects.get(pk=policy_id)
    moved = 0
    open_incidents = sla.with_clock_data(
        Incident.objects.select_for_update(of=("self",)).filter(
            service__sla_policy_id=policy_id, status__in=OPEN_STATUSES
        )
    )
    for incident in open_incidents.iterator(chunk_size=500):
        changed = sla.refresh_cache(incident, now)
        if changed:
            incident.record.save(update_fields=changed)
            moved += 1
    record(
        actor=actor,
        action="sla_policy.recompute",
        obj=policy,
        owner=None,
        changes={"open_incidents_recomputed": [None, moved]},
    )
    return moved
