"""Each CCG outcome leaves the change in its state, with the decision, its reason and the journal entry;
the provider's people are told in their inbox; an accepted outage is announced to the subscribers."""

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.changes import steps
from busbar.changes.actions import decide
from busbar.changes.models import (
    Bulletin,
    CcgDecision,
    ChangeNotification,
    ChangeService,
    ChangeStatus,
)
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.records.models import Notification

pytestmark = pytest.mark.django_db


def _submit(change):
    """Put a draft up for review as the fixture does (the submission itself is the lifecycle's)."""
    ChangeNotification.objects.filter(pk=change.pk).update(
        status=ChangeStatus.SUBMITTED, submitted_at=NOW - dt.timedelta(days=20)
    )
    change.refresh_from_db()
    steps.sync_services(change)
    return change


@pytest.mark.parametrize(
    ("outcome", "status", "extra"),
    [
        ("accept", ChangeStatus.ACCEPTED, {}),
        ("accept_conditions", ChangeStatus.ACCEPTED, {"conditions": "Staff the bridge throughout"}),
        ("reject", ChangeStatus.REJECTED, {}),
        ("more_info", ChangeStatus.MORE_INFO, {}),
    ],
)
def test_each_outcome_moves_the_change(chg, outcome, status, extra):
    change = chg.submitted
    decision = decide(
        actor=Actor(user=chg.desk),
        change=change,
        outcome=outcome,
        reason="Discussed at CCG",
        now=NOW,
        **extra,
    )
    change.refresh_from_db()
    assert change.status == status
    assert set(ChangeService.objects.filter(change=change).values_list("status", flat=True)) == {status}
    assert decision.outcome == outcome and decision.reason == "Discussed at CCG"
    assert decision.decided_by == chg.desk and decision.decided_at == NOW
    assert decision.conditions == extra.get("conditions", "")
    entry = AuditEntry.objects.filter(record_id=str(change.pk), action__startswith="change.").latest("id")
    assert entry.note == "Discussed at CCG"
    assert entry.changes["status"] == ["submitted", status]
    told = Notification.objects.filter(record=change.record)
    assert set(told.values_list("recipient_id", flat=True)) == {chg.provider.pk}
    assert change.reference in told.get().title


def test_a_reason_is_required_and_nothing_is_written_without_one(chg):
    for reason in ("", "   ", None):
        with pytest.raises(ActionError) as refused:
            decide(actor=Actor(user=chg.ops), change=chg.submitted, outcome="accept", reason=reason, now=NOW)
        assert refused.value.field == "reason"
    chg.submitted.refresh_from_db()
    assert chg.submitted.status == ChangeStatus.SUBMITTED
    assert not CcgDecision.objects.filter(change=chg.submitted).exists()


def test_conditions_are_required_for_an_acceptance_with_conditions_and_only_then(chg):
    with pytest.raises(ActionError) as refused:
        decide(
            actor=Actor(user=chg.desk),
            change=chg.submitted,
            outcome="accept_conditions",
            reason="OK",
            now=NOW,
        )
    assert refused.value.field == "conditions"
    with pytest.raises(ActionError) as refused:
        decide(
            actor=Actor(user=chg.desk),
            change=chg.submitted,
            outcome="reject",
            reason="No",
            conditions="Irrelevant",
            now=NOW,
        )
    assert refused.value.field == "conditions"
    assert not CcgDecision.objects.filter(change=chg.submitted).exists()


def test_unknown_outcome_and_wrong_state_are_refused(chg):
    with pytest.raises(ActionError) as refused:
        decide(actor=Actor(user=chg.desk), change=chg.submitted, outcome="approve", reason="x", now=NOW)
    assert refused.value.field == "outcome"
    with pytest.raises(ActionError) as refused:
        decide(actor=Actor(user=chg.desk), change=chg.submitted, outcome="retrospective", reason="x", now=NOW)
    assert refused.value.field == "outcome"
    for change in (chg.draft, chg.accepted, chg.live):
        with pytest.raises(IllegalTransition):
            decide(actor=Actor(user=chg.desk), change=change, outcome="accept", reason="x", now=NOW)
    with pytest.raises(ActionError) as refused:
        decide(
            actor=Actor(user=chg.desk),
            change=chg.submitted,
            outcome="accept",
            reason="x",
            new_start=NOW + dt.timedelta(days=30),
            now=NOW,
        )
    assert refused.value.field == "new_start"


def test_an_accepted_outage_is_announced_as_planned(chg):
    change = _submit(chg.draft)  # CSS outage; alpha subscribes to CSS
    decide(actor=Actor(user=chg.desk), change=change, outcome="accept", reason="Fits the window", now=NOW)
    bulletin = Bulletin.objects.get(change=change)
    assert bulletin.kind == "planned" and list(bulletin.services.all()) == [chg.css]
    assert bulletin.recipient_count == 1
    assert Notification.objects.filter(recipient=chg.alpha, record=change.record, kind="bulletin").exists()


def test_rejecting_or_accepting_a_change_without_outage_sends_no_bulletin(chg):
    decide(actor=Actor(user=chg.desk), change=chg.submitted, outcome="accept", reason="Fine", now=NOW)
    change = _submit(chg.draft)
    decide(actor=Actor(user=chg.desk), change=change, outcome="reject", reason="Clashes", now=NOW)
    assert not Bulletin.objects.exists()
