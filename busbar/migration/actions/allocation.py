"""Committing a tranche allocation (issue 16 item 1, QM-06/QM-07): the programme's migration managers choose
one of the three policies after comparing them, with a rationale; the entrants needing qualification move to
the proposal's tranches (or back to "needs qualification" when there is no room), and the decision keeps a
frozen copy of what was placed where, the R525 risk and the three policies compared. Committing again later
is a new decision; entrants already qualifying, qualified, live, exempt or withdrawn stay where they are."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from busbar.audit.journal import Entry, record, record_many
from busbar.lib.actions import ActionError, Actor, action, check_transition, refuse
from busbar.lib.limits import clean_text
from busbar.migration import allocation, permissions
from busbar.migration.models import (
    QUALIFICATION_TRANSITIONS,
    AllocationDecision,
    AllocationPolicy,
    Entrant,
    QualificationStatus,
    QualificationWindow,
)
from busbar.migration.queries import viewer_of

#: The longest rationale of a decision, in characters.
RATIONALE_MAX = 2000


@action
def commit_allocation(
    *, actor: Actor, window: Any, policy: str, rationale: str, now: dt.datetime | None = None
) -> AllocationDecision:
    """Place the window's entrants as ``policy`` proposes and record the decision (journal
    ``migration.allocate`` on the window, and on each entrant moved)."""
    now = now or timezone.now()
    refuse(permissions.can_manage_qualification(viewer_of(actor), window))
    policy = str(policy or "").strip()
    if policy not in AllocationPolicy.values:
        raise ActionError(
            f"Choose a policy: {', '.join(AllocationPolicy.values)}",
            field="policy",
        )
    rationale = clean_text(rationale, field="rationale", limit=RATIONALE_MAX, what="The rationale")
    window = (
        QualificationWindow.objects.select_for_update(of=("self",))
        .select_related("programme")
        .get(pk=window.pk)
    )
    list(Entrant.objects.select_for_update(of=("self",)).filter(window=window).values_list("pk", flat=True))
    proposals = allocation.compare(window)
    chosen = proposals[policy]
    names = {load.tranche.pk: load.tranche.name for load in chosen.loads}
    moved: list[Entrant] = []
    entries: list[Entry] = []
    for load in chosen.loads:
        for e in load.entrants:
            _move(e, load.tranche.pk, names, moved, entries, now)
    for e, _why in chosen.unplaced:
        _move(e, None, names, moved, entries, now)
    if moved:
        Entrant.objects.bulk_update(moved, ["tranche", "status", "updated_at"], batch_size=500)
    before = window.committed_policy
    window.committed_policy = policy
    window.updated_at = now
    window.save(update_fields=["committed_policy", "updated_at"])
    decision = AllocationDecision.objects.create(
        window=window,
        policy=policy,
        rationale=rationale,
        result={
            "placements": {str(k): v for k, v in chosen.placements.items()},
            "risk": allocation.risk_dict(chosen.risk),
            "compared": allocation.compared_summary(proposals),
            "proposal": allocation.proposal_dict(chosen),
        },
        decided_by=actor.user,
        decided_at=now,
    )
    record(
        actor=actor,
        action="migration.allocate",
        obj=window,
        owner=None,
        changes={
            "committed_policy": [before or None, policy],
            "decision": [None, decision.pk],
            "moved": [None, len(moved)],
            "unplaced": [None, len(chosen.unplaced)],
            "late_mpans": [None, chosen.risk.late_mpans],
        },
        note=rationale[:500],
    )
    record_many(actor=actor, entries=entries)
    return decision


def _move(
    e: Entrant,
    tranche_id: int | None,
    names: dict[int, str],
    moved: list[Entrant],
    entries: list[Entry],
    now: dt.datetime,
) -> None:
    """Put ``e`` (an entrant of the proposal) in ``tranche_id``; only NEEDS/ALLOCATED entrants move."""
    if e.status not in allocation.MOVABLE:
        return
    target = QualificationStatus.ALLOCATED if tranche_id is not None else QualificationStatus.NEEDS
    if e.tranche_id == tranche_id and e.status == target:
        return
    if e.status != target or target == QualificationStatus.ALLOCATED:
        check_transition(QUALIFICATION_TRANSITIONS, e.status, target, what=f"{e}")
    changes = {
        "tranche": [
            names.get(e.tranche_id) if e.tranche_id else None,
            names.get(tranche_id) if tranche_id else None,
        ],
        "status": [e.status, str(target)],
    }
    e.tranche_id = tranche_id
    e.status = target
    e.updated_at = now
    moved.append(e)
    entries.append(Entry(action="migration.allocate", obj=e, owner_id=e.organisation_id, changes=changes))
