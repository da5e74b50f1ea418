"""A major change is closed as reviewed only after its post-implementation review (409 naming "pir"); an
emergency change only after the CCG's retrospective review (409 naming "retrospective")."""

import datetime as dt

import pytest

from busbar.changes import actions
from busbar.changes.models import ChangeNotification, ChangeStatus, ChangeType
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import Actor, Conflict

pytestmark = pytest.mark.django_db


def test_major_needs_its_pir(chg):
    desk = Actor(user=chg.desk)
    with pytest.raises(Conflict) as refused:
        actions.mark_reviewed(actor=desk, change=chg.done, now=NOW)
    assert refused.value.status == 409 and refused.value.field == "pir"
    assert ChangeNotification.objects.get(pk=chg.done.pk).status == ChangeStatus.COMPLETED
    change = actions.record_pir(
        actor=desk,
        change=chg.done,
        summary="Moved on time; one queue needed a restart",
        successful=True,
        lessons="Restart the queue before the switch-over",
        now=NOW,
    )
    assert change.pir_completed_at == NOW and change.pir_by == chg.desk and change.pir_successful is True
    change = actions.mark_reviewed(actor=desk, change=change, note="PIR accepted", now=NOW)
    assert change.status == ChangeStatus.REVIEWED


def test_pir_only_for_implemented_major_changes(chg):
    desk = Actor(user=chg.desk)
    with pytest.raises(Conflict) as refused:
        actions.record_pir(actor=desk, change=chg.live, summary="x", successful=True, now=NOW)
    assert refused.value.field == "change_type"
    ChangeNotification.objects.filter(pk=chg.accepted.pk).update(change_type=ChangeType.MAJOR)
    chg.accepted.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        actions.record_pir(actor=desk, change=chg.accepted, summary="x", successful=True, now=NOW)
    assert refused.value.field == "status"


def test_emergency_needs_its_retrospective_review(chg):
    provider = Actor(user=chg.provider)
    start = NOW + dt.timedelta(hours=1)
    change = actions.raise_change(
        actor=provider,
        provider=chg.world.provider,
        title="Emergency certificate replacement",
        change_type=ChangeType.EMERGENCY,
        services=[chg.css_reg],
        planned_start=start,
        planned_end=start + dt.timedelta(hours=1),
        emergency_reason="The certificate expires at noon",
        now=NOW,
    )
    change = actions.submit_change(actor=provider, change=change, now=NOW)
    ChangeNotification.objects.filter(pk=change.pk).update(
        status=ChangeStatus.COMPLETED, actual_start=start, actual_end=start + dt.timedelta(minutes=40)
    )
    change.refresh_from_db()
    desk = Actor(user=chg.desk)
    with pytest.raises(Conflict) as refused:
        actions.mark_reviewed(actor=desk, change=change, now=NOW)
    assert refused.value.field == "retrospective"
    ChangeNotification.objects.filter(pk=change.pk).update(retrospective_reviewed_at=NOW)
    change.refresh_from_db()
    assert actions.mark_reviewed(actor=desk, change=change, now=NOW).status == ChangeStatus.REVIEWED
