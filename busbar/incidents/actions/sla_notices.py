"""SLA warnings and breaches, raised once each by the scan."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from busbar.audit.journal import Entry, record, record_many
from busbar.incidents import inbox, recipients, sla, tasks
from busbar.incidents.actions._common import _lock
from busbar.incidents.models import OPEN_STATUSES, Incident
from busbar.lib.actions import ActionError, Actor, action
from busbar.records.models import Record, SlaNotice

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
    notice.incident = incident  # for the inbox; not a field
    inbox.sla_notices([notice], escalate)
    event = tasks.brief(incident, now=now)
    transaction.on_commit(lambda: tasks.notify_sla_notice.enqueue(notice.pk, event))
    return notice


@action
def raise_sla_notices(*, actor: Actor, incident_ids: list[int], now: dt.datetime) -> dict[str, int]:
    """Raise every warning and breach due by ``now`` on these incidents (a batch of the SLA scan), each
    exactly once, with set-based writes in one transaction.

    The incidents are locked in key order and re-read with their clocks (what was due when the scan
    looked may have changed since), the notices already recorded are skipped (and the unique constraint
    stands behind that), the new ones inserted together, every record's SLA cache written in one
    statement, the breaches escalated, one journal entry per notice appended in one insert, and one
    notification task enqueued for the batch. Refused when nothing is due any more (a concurrent scan
    raised it): nothing is written.
    """
    locked = list(
        sla.with_clock_data(
            Incident.objects.select_for_update(of=("self",)).filter(pk__in=incident_ids).order_by("pk")
        )
    )
    raised: dict[int, set[tuple[str, str]]] = {}
    for record_id, clock, kind in SlaNotice.objects.filter(
        record_id__in=[i.record_id for i in locked]
    ).values_list("record_id", "clock", "kind"):
        raised.setdefault(record_id, set()).add((clock, kind))
    new: list[SlaNotice] = []
    changed_records: list[Record] = []
    fields: set[str] = {"sla_notified"}
    for incident in locked:
        due = sla.due_notices(incident, now, raised.get(incident.record_id, set()))
        if not due:
            continue
        for notice in due:
            notice.raised_at = now
            incident.record.sla_notified |= sla.NOTICE_BITS[(notice.clock, notice.kind)]
            notice.incident = incident  # for the journal below; not a field
        fields.update(sla.refresh_cache(incident, now))
        changed_records.append(incident.record)
        new += due
    if not new:
        raise ActionError("Nothing is due on these incidents any more", field="incident_ids")
    SlaNotice.objects.bulk_create(new)
    Record.objects.bulk_update(changed_records, sorted(fields))
    breaches = [n for n in new if n.kind == SlaNotice.Kind.BREACH]
    escalate = recipients.escalation_targets() if breaches else []
    if escalate:
        through = SlaNotice.escalated_to.through
        through.objects.bulk_create(
            [through(slanotice_id=n.pk, user_id=u.pk) for n in breaches for u in escalate]
        )
    escalated = f"Escalated to {', '.join(str(u) for u in escalate)}" if escalate else ""
    record_many(
        actor=actor,
        entries=[
            Entry(
                action=f"incident.sla_{n.kind}",
                obj=n.incident,
                owner_id=n.incident.organisation_id,
                changes={f"{n.clock}_{n.kind}": [None, n.crossed_at]},
                note=escalated if n.kind == SlaNotice.Kind.BREACH else "",
            )
            for n in new
        ],
    )
    inbox.sla_notices(new, escalate)
    ids = [n.pk for n in new]
    # Each notice's incident as it was when the notice was raised (already read: no further queries).
    events = {str(n.pk): tasks.brief(n.incident, now=now) for n in new}
    transaction.on_commit(lambda: tasks.notify_sla_notices.enqueue(ids, events))
    return {
        "warning": sum(n.kind == SlaNotice.Kind.WARNING for n in new),
        "breach": len(breaches),
    }


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
