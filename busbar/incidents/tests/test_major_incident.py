"""A severity 1 runs the major-incident flow: manager, bulletins, reminders, review, closure."""

import datetime as dt

import pytest
from django.core import mail

from busbar.incidents import actions
from busbar.incidents.models import Impact, MajorIncident
from busbar.incidents.tasks import remind_majors
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import ActionError, NotPermitted

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def test_major_incident_flow_to_closure(world, catalogue, django_capture_on_commit_callbacks) -> None:
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, severity="3", now=T0, affected=[world.org_b])
    assert not MajorIncident.objects.exists()
    incident = actions.triage_incident(
        actor=desk, incident=incident, severity=catalogue.severities["1"], now=T0 + dt.timedelta(minutes=3)
    )
    major = MajorIncident.objects.get(incident=incident)
    assert major.trigger == "severity" and major.manager == world.analyst
    assert incident.is_published  # service-affecting: every participant sees it
    assert major.next_update_due_at == T0 + dt.timedelta(minutes=63)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        communication = actions.send_communication(
            actor=desk,
            major=major,
            subject="CSS registrations failing",
            body="We are investigating.",
            now=T0 + dt.timedelta(minutes=10),
        )
    assert communication.recipient_count >= 3  # A's two users and B's user
    bulletins = [m for m in mail.outbox if "CSS registrations failing" in m.subject]
    assert all(len(m.to) == 1 for m in bulletins)  # one recipient per message
    assert {"user@alpha.example", "user@bravo.example"} <= {m.to[0] for m in bulletins}
    major.refresh_from_db()
    assert major.next_update_due_at == T0 + dt.timedelta(minutes=70)

    # Reminders fire once per due time.
    assert remind_majors.call((T0 + dt.timedelta(minutes=69)).isoformat()) == 0
    assert remind_majors.call((T0 + dt.timedelta(minutes=71)).isoformat()) == 1
    assert remind_majors.call((T0 + dt.timedelta(minutes=80)).isoformat()) == 0

    actions.resolve_incident(
        actor=desk, incident=incident, resolution="Failover", now=T0 + dt.timedelta(hours=2)
    )
    with pytest.raises(ActionError, match="post-incident review"):
        actions.close_incident(actor=desk, incident=incident, now=T0 + dt.timedelta(hours=3))
    with pytest.raises(ActionError) as missing:
        actions.record_review(actor=desk, major=major, cause="DB failover", actions="", lessons="x")
    assert missing.value.field == "actions"
    actions.record_review(
        actor=desk,
        major=major,
        cause="DB failover stalled",
        actions="Add monitoring",
        lessons="Test failover monthly",
        now=T0 + dt.timedelta(hours=3),
    )
    incident = actions.close_incident(actor=desk, incident=incident, now=T0 + dt.timedelta(hours=4))
    major.refresh_from_db()
    assert incident.status == "closed" and major.state == "closed"


def test_bcdr_event_is_declared_major(world, catalogue) -> None:
    incident = raise_for(world, catalogue, severity="2", impact=Impact.MARKET)
    major = actions.declare_major_incident(actor=actor_for(world.analyst), incident=incident, trigger="bcdr")
    assert major.trigger == "bcdr"
    assert len(__import__("busbar.incidents.recipients", fromlist=["x"]).bulletin_recipients(incident)) >= 7
    with pytest.raises(ActionError, match="already"):
        actions.declare_major_incident(actor=actor_for(world.analyst), incident=incident, trigger="bcdr")


def test_only_desk_runs_majors(world, catalogue) -> None:
    incident = raise_for(world, catalogue, severity="1")
    major = incident.major
    for who in (world.user_a, world.resolver):
        with pytest.raises(NotPermitted):
            actions.send_communication(actor=actor_for(who), major=major, subject="x", body="y")
    with pytest.raises(NotPermitted):
        actions.declare_major_incident(actor=actor_for(world.user_a), incident=raise_for(world, catalogue))
