"""A list row's SLA cell, read from the record's stored SLA columns, says what the clocks derived from the
clock-event log say, once the scan has run: due, warning, breached, paused, met, and breached-but-resolved."""

import datetime as dt

import pytest

from busbar.incidents import actions, sla
from busbar.incidents.models import Incident
from busbar.incidents.tasks import scan_sla
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.incidents.views import RowSla, row_sla

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def _derived(incident: Incident, now: dt.datetime) -> RowSla:
    """The cell derived in full from the clocks (what the rows showed before reading stored columns)."""
    clocks = sla.clocks_for(incident, now)
    statuses = {c.status for c in clocks}
    running = [c.state.due_at for c in clocks if c.state.due_at is not None and not c.state.stopped]
    if "breached" in statuses:
        return RowSla("Breached", "bad", min(running) if running else None)
    if running:
        warned = "warning" in statuses
        return RowSla("Warning" if warned else "Due", "warn" if warned else "", min(running))
    if "paused" in statuses:
        return RowSla("Paused", "warn")
    return RowSla("Met", "ok")


def test_every_state_reads_the_same(world, catalogue) -> None:
    desk = actor_for(world.analyst)
    minute = dt.timedelta(minutes=1)
    due = raise_for(world, catalogue, severity="3", now=T0)
    responded = raise_for(world, catalogue, severity="2", now=T0)
    actions.assign_incident(actor=desk, incident=responded, now=T0 + minute)
    warned = raise_for(world, catalogue, severity="3", now=T0 - dt.timedelta(minutes=40))
    breached = raise_for(world, catalogue, severity="1", now=T0 - dt.timedelta(hours=2))
    paused = raise_for(world, catalogue, severity="2", now=T0)
    actions.set_pending(actor=desk, incident=paused, awaiting="participant", note="logs?", now=T0 + minute)
    met = raise_for(world, catalogue, severity="2", now=T0)
    actions.resolve_incident(actor=desk, incident=met, resolution="ok", now=T0 + 2 * minute)
    late = raise_for(world, catalogue, severity="1", now=T0 - dt.timedelta(hours=6))
    actions.resolve_incident(actor=desk, incident=late, resolution="late", now=T0)
    now = T0 + 5 * minute
    scan_sla.call(now.isoformat())
    cells = {}
    for incident in sla.with_clock_data(Incident.objects.all()):
        assert row_sla(incident, now) == _derived(incident, now), incident.summary
        cells[incident.pk] = row_sla(incident, now).label
    assert [cells[i.pk] for i in (due, responded, warned, breached, paused, met, late)] == [
        "Due",
        "Due",
        "Warning",
        "Breached",
        "Paused",
        "Met",
        "Breached",
    ]
