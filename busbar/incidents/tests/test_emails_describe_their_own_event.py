"""Each notification email describes the event it is about, as it was when it happened, even when the
worker sends it later, after the incident has moved on; in plain words ("Work has started", never
"was start")."""

import datetime as dt

import pytest
from django.core import mail

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def _to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_triage_then_resolve_before_the_worker_runs(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    incident = raise_for(world, catalogue, severity="3", now=T0)
    desk = actor_for(world.analyst)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        actions.triage_incident(
            actor=desk,
            incident=incident,
            severity=catalogue.severities["2"],
            now=T0 + dt.timedelta(minutes=5),
        )
        actions.assign_incident(actor=desk, incident=incident, now=T0 + dt.timedelta(minutes=6))
        actions.start_work(
            actor=actor_for(world.resolver), incident=incident, now=T0 + dt.timedelta(minutes=7)
        )
        actions.resolve_incident(
            actor=desk, incident=incident, resolution="Restarted the adapter", now=T0 + dt.timedelta(hours=1)
        )
        actions.close_incident(actor=desk, incident=incident, now=T0 + dt.timedelta(hours=2))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:  # the worker catches up only now, with the incident closed
            callback()
    raiser = _to(world.user_a.email)
    subjects = [m.subject for m in raiser]
    assert subjects == [
        f"[{incident.reference}] Triaged: Switch requests rejected",
        f"[{incident.reference}] In progress: Switch requests rejected",
        f"[{incident.reference}] Resolved: Switch requests rejected",
        f"[{incident.reference}] Closed: Switch requests rejected",
    ]
    triaged, started, resolved, closed = (m.body for m in raiser)
    assert "The service desk has triaged" in triaged
    assert "Severity: 2" in triaged and "Status: New" in triaged
    assert "Resolved" not in triaged and "Closed" not in triaged
    assert "Work has started on" in started and "Status: In progress" in started
    assert "has been resolved" in resolved and "Status: Resolved" in resolved
    assert "Resolution: Restarted the adapter" in resolved
    assert "Closed" not in resolved
    assert "Status: Closed" in closed
    for body in (triaged, started, resolved, closed):
        assert " was start" not in body and "was pending" not in body
    assert "01 Jun 2026 10:05 UK time" in triaged  # the event's own time, shown in UK time
    # The provider heard of its assignment.
    assert _to(world.resolver.email)[0].subject.startswith(f"[{incident.reference}] Assigned to CSS Provider")


def test_pending_on_the_participant_says_so_with_the_question(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    incident = raise_for(world, catalogue, now=T0)
    desk = actor_for(world.analyst)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        actions.set_pending(
            actor=desk, incident=incident, awaiting="participant", note="Which MPANs are affected?"
        )
        actions.add_update(actor=actor_for(world.user_a), incident=incident, body="1234567890123")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    pending = _to(world.user_a.email)[0]
    assert pending.subject.endswith("Awaiting your reply: Switch requests rejected")
    assert "is waiting for your reply" in pending.body and "Which MPANs are affected?" in pending.body
    assert "Status: Pending: awaiting participant" in pending.body


def test_a_task_queued_without_its_event_still_describes_the_incident(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    """Tasks queued before events were passed (an upgrade with work in the queue) still send."""
    from busbar.incidents import tasks

    incident = raise_for(world, catalogue, now=T0)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notify_incident.call(incident.pk, "cancelled") == 1
    assert mail.outbox[0].subject.endswith("Cancelled: Switch requests rejected")
