"""Committing an allocation: the managers only; the entrants move to the chosen policy's tranches, the
window records the policy, a decision keeps the frozen result (placements, risk, the three policies
compared), the journal says who moved where; bad input names its field and writes nothing; committing
again later leaves entrants already qualifying where they are."""

from __future__ import annotations

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, NotPermitted
from busbar.migration.actions.allocation import commit_allocation
from busbar.migration.models import AllocationDecision, Entrant, QualificationStatus
from busbar.migration.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db


def test_commit_moves_entrants_and_writes_the_journal(m) -> None:
    t1, t2, t3 = m.tranches
    decision = commit_allocation(
        actor=actor(m.si), window=m.window, policy="by_size", rationale="Largest first (R525)", now=NOW
    )
    assert decision.policy == "by_size" and decision.decided_by == m.si and decision.decided_at == NOW
    placed = {e.pk: (e.tranche_id, e.status) for e in Entrant.objects.filter(window=m.window)}
    assert placed[m.delta.pk] == (t1.pk, QualificationStatus.ALLOCATED)
    assert placed[m.alpha.pk] == (t2.pk, QualificationStatus.ALLOCATED)
    assert placed[m.bravo.pk] == (t3.pk, QualificationStatus.ALLOCATED)
    m.window.refresh_from_db()
    assert m.window.committed_policy == "by_size"
    result = decision.result
    assert result["placements"][str(m.alpha.pk)] == t2.pk
    assert result["risk"]["late_mpans"] == 80_000
    assert set(result["compared"]) == {"as_ready", "by_portfolio", "by_size"}
    assert result["proposal"]["policy"] == "by_size"
    entries = AuditEntry.objects.filter(action="migration.allocate")
    on_window = entries.get(record_id=str(m.window.pk), record_type__model="qualificationwindow")
    assert on_window.changes["committed_policy"] == [None, "by_size"]
    assert on_window.changes["moved"] == [None, 3]
    on_alpha = entries.get(record_id=str(m.alpha.pk), record_type__model="entrant")
    assert on_alpha.changes == {"tranche": [None, "Tranche 2"], "status": ["needs", "allocated"]}
    assert on_alpha.owner_organisation_id == m.world.org_a.pk


def test_recommit_is_a_new_decision_and_qualifying_entrants_stay(m) -> None:
    first = commit_allocation(
        actor=actor(m.si), window=m.window, policy="by_size", rationale="First", now=NOW
    )
    alpha = Entrant.objects.get(pk=m.alpha.pk)
    alpha.status = QualificationStatus.QUALIFYING
    alpha.save()
    second = commit_allocation(
        actor=actor(m.si), window=m.window, policy="as_ready", rationale="Again", now=NOW
    )
    assert second.pk != first.pk and AllocationDecision.objects.filter(window=m.window).count() == 2
    alpha.refresh_from_db()
    assert (alpha.tranche_id, alpha.status) == (m.tranches[1].pk, QualificationStatus.QUALIFYING)
    # Nothing else moves (the same places): only the window is journalled the second time.
    entrant_entries = AuditEntry.objects.filter(action="migration.allocate", record_type__model="entrant")
    assert entrant_entries.count() == 3


def test_unplaced_entrants_go_back_to_needs(m) -> None:
    commit_allocation(actor=actor(m.si), window=m.window, policy="as_ready", rationale="First", now=NOW)
    m.tranches[2].capacities.update(max_participants=0)
    commit_allocation(actor=actor(m.si), window=m.window, policy="as_ready", rationale="Again", now=NOW)
    bravo = Entrant.objects.get(pk=m.bravo.pk)
    assert bravo.tranche_id is None and bravo.status == QualificationStatus.NEEDS


@pytest.mark.parametrize("who", ["assurer", "code_body_user", "agent", "dno", "user_a", "resolver"])
def test_only_managers_commit(m, who) -> None:
    user = getattr(m, who, None) or getattr(m.world, who)
    with pytest.raises(NotPermitted):
        commit_allocation(actor=actor(user), window=m.window, policy="by_size", rationale="x", now=NOW)
    assert not AllocationDecision.objects.exists()


@pytest.mark.parametrize(
    ("policy", "rationale", "field"),
    [
        ("lottery", "Because", "policy"),
        ("", "Because", "policy"),
        ("by_size", "   ", "rationale"),
        ("by_size", "x" * 2001, "rationale"),
        ("by_size", "nul\x00", "rationale"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(m, policy, rationale, field) -> None:
    with pytest.raises(ActionError) as caught:
        commit_allocation(actor=actor(m.si), window=m.window, policy=policy, rationale=rationale, now=NOW)
    assert caught.value.field == field and caught.value.status == 422
    assert not AllocationDecision.objects.exists()
    assert not Entrant.objects.filter(status=QualificationStatus.ALLOCATED).exists()
