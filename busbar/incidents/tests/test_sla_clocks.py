"""SLA clocks on real incidents: pauses, severity changes, working days, bank holidays, clock changes."""

import datetime as dt

import pytest

from busbar.incidents import actions, sla
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.services.models import Calendar, SlaTarget

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def _clocks(incident, now):
    fresh = sla.with_clock_data(Incident.objects.filter(pk=incident.pk)).get()
    return {c.name: c for c in sla.clocks_for(fresh, now)}


def test_severity_two_targets_and_due_times(world, catalogue) -> None:
    t0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    incident = raise_for(world, catalogue, severity="2", now=t0)
    assert incident.response_due_at == t0 + dt.timedelta(minutes=20)
    assert incident.resolution_due_at == t0 + dt.timedelta(hours=24)
    clocks = _clocks(incident, t0 + dt.timedelta(minutes=5))
    assert clocks["response"].state.remaining == dt.timedelta(minutes=15)
    assert clocks["response"].target_label == "20 minutes"


def test_pause_awaiting_participant_stops_the_resolution_clock(world, catalogue) -> None:
    t0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, severity="2", now=t0)
    actions.assign_incident(actor=desk, incident=incident, now=t0 + dt.timedelta(minutes=5))
    incident = actions.set_pending(
        actor=desk,
        incident=incident,
        awaiting="participant",
        note="Send the logs",
        now=t0 + dt.timedelta(hours=2),
    )
    assert incident.sla_paused and incident.resolution_due_at is None
    during = _clocks(incident, t0 + dt.timedelta(hours=30))["resolution"]
    assert during.status == "paused" and during.state.elapsed == dt.timedelta(hours=2)
    # The participant replies 10 hours into the pause: the clock resumes and the due time moves by 10 hours.
    actions.add_update(
        actor=actor_for(world.user_a),
        incident=incident,
        body="Logs attached",
        now=t0 + dt.timedelta(hours=12),
    )
    incident.refresh_from_db()
    assert incident.status == "in_progress" and not incident.sla_paused
    assert incident.resolution_due_at == t0 + dt.timedelta(hours=34)


def test_awaiting_provider_does_not_pause(world, catalogue) -> None:
    t0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, severity="2", now=t0)
    actions.assign_incident(actor=desk, incident=incident, now=t0)
    incident = actions.set_pending(
        actor=desk, incident=incident, awaiting="provider", note="third party", now=t0 + dt.timedelta(hours=1)
    )
    assert not incident.sla_paused and incident.resolution_due_at == t0 + dt.timedelta(hours=24)


def test_severity_change_mid_pause_keeps_paused_time(world, catalogue) -> None:
    t0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, severity="3", now=t0)  # 72 h resolution
    actions.set_pending(
        actor=desk, incident=incident, awaiting="participant", note="?", now=t0 + dt.timedelta(hours=1)
    )
    # Raised to severity 2 (24 h) while paused: target recomputed from the original start, pause kept.
    incident = actions.triage_incident(
        actor=desk, incident=incident, severity=catalogue.severities["2"], now=t0 + dt.timedelta(hours=5)
    )
    clock = _clocks(incident, t0 + dt.timedelta(hours=6))["resolution"]
    assert clock.status == "paused"
    assert clock.state.target == dt.timedelta(hours=24) and clock.state.elapsed == dt.timedelta(hours=1)
    actions.start_work(actor=desk, incident=incident, now=t0 + dt.timedelta(hours=9))
    incident.refresh_from_db()
    # 1 h ran before the pause, 8 h paused: 23 h left from 18:00 → due 17:00 next day.
    assert incident.resolution_due_at == t0 + dt.timedelta(hours=9 + 23)


def test_severity_raised_late_breaches_in_the_past(world, catalogue) -> None:
    t0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    incident = raise_for(world, catalogue, severity="3", now=t0)
    incident = actions.triage_incident(
        actor=actor_for(world.analyst),
        incident=incident,
        severity=catalogue.severities["2"],
        now=t0 + dt.timedelta(hours=30),
    )
    clock = _clocks(incident, t0 + dt.timedelta(hours=30))["resolution"]
    assert clock.state.breached and clock.state.breached_at == t0 + dt.timedelta(hours=24)
    assert incident.resolution_breached


def _working_service(catalogue):
    """Point severity 4 targets at the working-hours calendar (as installed) and return the service."""
    working = Calendar.objects.get(kind=Calendar.Kind.WORKING_HOURS)
    assert (
        SlaTarget.objects.get(policy=catalogue.policy, severity__code="4", clock="resolution").calendar
        == working
    )
    return catalogue.service


def test_one_working_day_over_weekend_and_bank_holiday(world, catalogue) -> None:
    _working_service(catalogue)
    # Friday 22 August 2025, 17:00 BST; Monday 25 August is the summer bank holiday.
    t0 = dt.datetime(2025, 8, 22, 16, 0, tzinfo=UTC)
    incident = raise_for(world, catalogue, severity="4", now=t0)
    # One working day: by 17:00 local on the next open day, Tuesday 26 August (16:00 UTC).
    assert incident.response_due_at == dt.datetime(2025, 8, 26, 16, 0, tzinfo=UTC)


def test_ten_working_days_across_christmas(world, catalogue) -> None:
    t0 = dt.datetime(2025, 12, 19, 10, 0, tzinfo=UTC)  # Friday 19 Dec 2025, 10:00 GMT
    incident = raise_for(world, catalogue, severity="4", now=t0)
    # Open days after: 22, 23, 24, 29, 30, 31 Dec (25, 26 Dec and 1 Jan are bank holidays), 2, 5, 6, 7 Jan.
    assert incident.resolution_due_at == dt.datetime(2026, 1, 7, 10, 0, tzinfo=UTC)


def test_working_day_across_spring_clock_change(world, catalogue) -> None:
    t0 = dt.datetime(2026, 3, 27, 16, 0, tzinfo=UTC)  # Friday 16:00 GMT; clocks go forward Sunday 29 March
    incident = raise_for(world, catalogue, severity="4", now=t0)
    assert incident.response_due_at == dt.datetime(2026, 3, 30, 15, 0, tzinfo=UTC)  # Monday 16:00 BST


def test_working_day_across_autumn_clock_change(world, catalogue) -> None:
    t0 = dt.datetime(2026, 10, 23, 15, 0, tzinfo=UTC)  # Friday 16:00 BST; clocks go back Sunday 25 October
    incident = raise_for(world, catalogue, severity="4", now=t0)
    assert incident.response_due_at == dt.datetime(2026, 10, 26, 16, 0, tzinfo=UTC)  # Monday 16:00 GMT


def test_24x7_clock_counts_real_time_over_clock_changes(world, catalogue) -> None:
    spring = dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert raise_for(world, catalogue, severity="1", now=spring).resolution_due_at == spring + dt.timedelta(
        hours=4
    )
    autumn = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert raise_for(world, catalogue, severity="2", now=autumn).resolution_due_at == autumn + dt.timedelta(
        hours=24
    )


def test_reopen_continues_the_resolution_clock(world, catalogue) -> None:
    t0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, severity="2", now=t0)
    actions.resolve_incident(
        actor=desk, incident=incident, resolution="restarted", now=t0 + dt.timedelta(hours=4)
    )
    incident = actions.reopen_incident(
        actor=actor_for(world.user_a), incident=incident, reason="back again", now=t0 + dt.timedelta(hours=10)
    )
    assert incident.resolution_due_at == t0 + dt.timedelta(hours=10 + 20)
