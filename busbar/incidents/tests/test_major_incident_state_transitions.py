"""A major incident's state moves only as its transition table allows (active → review → closed, back to
active on reopening); anything else is an IllegalTransition, a 409 in the API."""

from __future__ import annotations

import pytest

from busbar.audit.models import AuditEntry
from busbar.incidents import actions
from busbar.incidents.models import MAJOR_TRANSITIONS, Incident, MajorIncident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import IllegalTransition, check_transition

pytestmark = pytest.mark.django_db
State = MajorIncident.State


def test_the_table_covers_every_state_and_only_known_ones() -> None:
    assert set(MAJOR_TRANSITIONS) == set(State.values)
    assert all(targets <= set(State.values) for targets in MAJOR_TRANSITIONS.values())
    with pytest.raises(IllegalTransition) as refused:
        check_transition(MAJOR_TRANSITIONS, State.CLOSED, State.REVIEW, what="Major incident INC1")
    assert refused.value.status == 409 and refused.value.field == "status"


def test_a_major_incident_walks_the_table(world, catalogue) -> None:
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, severity="1")
    major = incident.major
    assert major.state == State.ACTIVE
    actions.resolve_incident(actor=desk, incident=incident, resolution="Queue restarted")
    actions.record_review(actor=desk, major=major, cause="Disk full", actions="Alerting", lessons="Watch it")
    major.refresh_from_db()
    assert major.state == State.REVIEW
    actions.reopen_incident(actor=desk, incident=Incident.objects.get(pk=incident.pk), reason="Back again")
    major.refresh_from_db()
    assert major.state == State.ACTIVE and major.next_update_due_at is not None
    reopened = AuditEntry.objects.get(record_id=str(major.pk), action="major_incident.reopen")
    assert reopened.changes["state"] == ["review", "active"]
    actions.resolve_incident(actor=desk, incident=Incident.objects.get(pk=incident.pk), resolution="Fixed")
    actions.close_incident(actor=desk, incident=Incident.objects.get(pk=incident.pk))
    major.refresh_from_db()
    assert major.state == State.CLOSED and major.next_update_due_at is None


def test_an_illegal_move_is_a_409_problem_in_the_api(world, catalogue) -> None:
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, severity="1")
    actions.resolve_incident(actor=desk, incident=incident, resolution="Fixed")
    # A closed major incident on a resolved incident (as data left by an older release might be): recording
    # the review would move it closed → review, which the table forbids.
    MajorIncident.objects.filter(pk=incident.major.pk).update(state=State.CLOSED)
    review = {"cause": "Disk full", "actions": "Alerting", "lessons": "Watch it"}
    path = f"/api/v1/major-incidents/{incident.major.pk}/review"
    response = world.client(world.analyst).post(path, review, content_type="application/json")
    assert response.status_code == 409
    assert (
        response.json()["errors"][0]["field"] == "status"
        and "'closed' to 'review'" in response.json()["detail"]
    )
    assert MajorIncident.objects.get(pk=incident.major.pk).review_completed_at is None
    # Who may not run the major incident is refused first.
    assert world.client(world.user_a).post(path, review, content_type="application/json").status_code == 403
