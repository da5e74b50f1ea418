"""The SLA scan raises each warning and breach exactly once, notifies and escalates."""

import datetime as dt

import pytest
from django.core import mail

from busbar.audit.models import AuditEntry
from busbar.incidents import actions
from busbar.incidents.tasks import scan_sla
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.records.models import SlaNotice

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def _scan(at: dt.datetime) -> dict:
    return scan_sla.call(at.isoformat())


def test_warning_then_breach_each_once(world, catalogue, django_capture_on_commit_callbacks) -> None:
    incident = raise_for(world, catalogue, severity="2", now=T0)
    actions.assign_incident(
        actor=actor_for(world.analyst), incident=incident, now=T0 + dt.timedelta(minutes=1)
    )
    assert _scan(T0 + dt.timedelta(hours=17)) == {"warning": 0, "breach": 0}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert _scan(T0 + dt.timedelta(hours=19)) == {"warning": 1, "breach": 0}  # 75% of 24 h = 18 h
    assert _scan(T0 + dt.timedelta(hours=20)) == {"warning": 0, "breach": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert _scan(T0 + dt.timedelta(hours=25)) == {"warning": 0, "breach": 1}
    assert _scan(T0 + dt.timedelta(hours=26)) == {"warning": 0, "breach": 0}
    notices = {(n.clock, n.kind): n for n in SlaNotice.objects.filter(record=incident.record)}
    assert set(notices) == {("resolution", "warning"), ("resolution", "breach")}
    assert notices[("resolution", "breach")].crossed_at == T0 + dt.timedelta(hours=24)
    assert list(notices[("resolution", "breach")].escalated_to.all()) == [world.ops]
    incident.refresh_from_db()
    assert incident.resolution_breached
    assert AuditEntry.objects.filter(action="incident.sla_breach", record_id=str(incident.pk)).count() == 1
    breach_mail = [m for m in mail.outbox if "SLA breach" in m.subject]
    told = [m.to[0] for m in breach_mail]
    assert all(len(m.to) == 1 for m in breach_mail) and len(told) == len(set(told))  # one message each
    assert {"analyst@operator.example", "ops@operator.example"} <= set(told)


def test_response_breach_when_nobody_responds(world, catalogue) -> None:
    incident = raise_for(world, catalogue, severity="1", now=T0)
    result = _scan(T0 + dt.timedelta(minutes=11))
    assert result["breach"] == 1
    assert SlaNotice.objects.get(record=incident.record, kind="breach").clock == "response"


def test_paused_incident_does_not_breach(world, catalogue) -> None:
    incident = raise_for(world, catalogue, severity="2", now=T0)
    actions.set_pending(
        actor=actor_for(world.analyst),
        incident=incident,
        awaiting="participant",
        note="logs?",
        now=T0 + dt.timedelta(minutes=2),
    )
    assert _scan(T0 + dt.timedelta(days=5)) == {"warning": 0, "breach": 0}


def test_resolved_in_time_never_breaches(world, catalogue) -> None:
    incident = raise_for(world, catalogue, severity="2", now=T0)
    actions.resolve_incident(
        actor=actor_for(world.analyst), incident=incident, resolution="ok", now=T0 + dt.timedelta(minutes=10)
    )
    assert _scan(T0 + dt.timedelta(days=3)) == {"warning": 0, "breach": 0}


def test_scan_reads_only_incidents_that_are_due(world, catalogue) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        raise_for(world, catalogue, severity="3", now=T0)  # 45 min response: warning due at 33m45s
    with CaptureQueriesContext(connection) as nothing_due:
        assert _scan(T0 + dt.timedelta(minutes=30)) == {"warning": 0, "breach": 0}
    assert len(nothing_due.captured_queries) == 1  # one indexed read, no incident loaded
    assert _scan(T0 + dt.timedelta(minutes=34))["warning"] == 5


def test_breach_after_resolution_is_still_recorded_once(world, catalogue) -> None:
    incident = raise_for(world, catalogue, severity="1", now=T0)
    actions.resolve_incident(
        actor=actor_for(world.analyst),
        incident=incident,
        resolution="late fix",
        now=T0 + dt.timedelta(hours=5),
    )
    # Both clocks stopped late (response 10 min, resolution 4 h) before any scan ran: both breaches recorded.
    assert _scan(T0 + dt.timedelta(hours=6))["breach"] == 2
    assert _scan(T0 + dt.timedelta(hours=7))["breach"] == 0
    kinds = set(SlaNotice.objects.filter(record=incident.record).values_list("clock", "kind"))
    assert ("resolution", "breach") in kinds and ("response", "breach") in kinds
