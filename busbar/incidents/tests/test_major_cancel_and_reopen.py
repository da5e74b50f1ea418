"""A cancelled major incident closes with its record; a reopened one restarts its update cycle."""

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.incidents import actions
from busbar.incidents.models import MajorIncident
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def test_cancelling_a_major_closes_its_record(world, catalogue) -> None:
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, user=world.analyst, organisation=world.org_a, severity="1", now=T0)
    actions.cancel_incident(
        actor=desk, incident=incident, reason="raised in error", now=T0 + dt.timedelta(minutes=5)
    )
    major = MajorIncident.objects.get(incident=incident)
    assert major.state == "closed" and major.next_update_due_at is None


def test_reopening_a_major_restarts_its_update_cycle(world, catalogue) -> None:
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, user=world.analyst, organisation=world.org_a, severity="1", now=T0)
    actions.resolve_incident(
        actor=desk, incident=incident, resolution="failover", now=T0 + dt.timedelta(hours=1)
    )
    actions.record_review(
        actor=desk, major=incident.major, cause="c", actions="a", lessons="l", now=T0 + dt.timedelta(hours=2)
    )
    actions.close_incident(actor=desk, incident=incident, now=T0 + dt.timedelta(hours=3))
    actions.reopen_incident(actor=desk, incident=incident, reason="back", now=T0 + dt.timedelta(hours=4))
    major = MajorIncident.objects.get(incident=incident)
    assert major.state == "active"
    assert major.next_update_due_at == T0 + dt.timedelta(hours=4, minutes=major.update_interval_minutes)
    assert AuditEntry.objects.filter(action="major_incident.reopen", record_id=str(major.pk)).exists()
