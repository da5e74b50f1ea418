"""A standard change given on time with no conflict is pre-approved at submission: accepted at once, with
the CCG decision recorded and the planned-outage bulletin sent; late or in conflict, it waits for the CCG."""

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.changes import actions
from busbar.changes.models import Bulletin, BulletinKind, CcgDecision, CcgOutcome, ChangeStatus, ChangeType
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import Actor

pytestmark = pytest.mark.django_db

UTC = dt.UTC
#: Sunday 11 July 2027, 02:00–04:00 in London: inside the CSS maintenance window, 17 working days on.
QUIET = dt.datetime(2027, 7, 11, 1, 0, tzinfo=UTC)


def _standard(chg, start, *, services=None):
    return actions.raise_change(
        actor=Actor(user=chg.provider),
        provider=chg.world.provider,
        title="Routine index rebuild",
        change_type=ChangeType.STANDARD,
        services=services or [chg.css],
        planned_start=start,
        planned_end=start + dt.timedelta(hours=2),
        is_outage=True,
        now=NOW,
    )


def test_on_time_without_conflict_is_accepted(chg):
    change = actions.submit_change(actor=Actor(user=chg.provider), change=_standard(chg, QUIET), now=NOW)
    assert change.status == ChangeStatus.ACCEPTED and change.conflict_count == 0
    decision = CcgDecision.objects.get(change=change)
    assert decision.outcome == CcgOutcome.ACCEPT and decision.reason == "Standard change: pre-approved"
    assert decision.decided_at == NOW
    assert list(
        AuditEntry.objects.filter(record_id=str(change.pk), action__startswith="change.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["change.raise", "change.submit", "change.accept"]
    bulletin = Bulletin.objects.get(change=change)
    assert bulletin.kind == BulletinKind.PLANNED and bulletin.recipient_count == 1
    assert "Planned outage" in bulletin.title and "CSS" in bulletin.title
    assert "Sun 11 Jul 2027 02:00" in bulletin.body  # London time


def test_late_or_in_conflict_waits_for_the_ccg(chg):
    late = _standard(chg, dt.datetime(2027, 6, 20, 1, 30, tzinfo=UTC))
    late = actions.submit_change(actor=Actor(user=chg.provider), change=late, now=NOW)
    assert late.status == ChangeStatus.SUBMITTED and late.is_late
    # On time, but on the same service and hours as a change already scheduled (the first is accepted).
    clash = _standard(chg, QUIET)
    actions.submit_change(actor=Actor(user=chg.provider), change=clash, now=NOW)
    second = _standard(chg, QUIET + dt.timedelta(minutes=30))
    second = actions.submit_change(actor=Actor(user=chg.provider), change=second, now=NOW)
    assert second.status == ChangeStatus.SUBMITTED and second.conflict_count >= 1
    assert not CcgDecision.objects.filter(change__in=[late, second]).exists()
