"""A participant cannot widen an incident's audience, and its severity 1 is only a suggestion to the desk."""

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.incidents import actions
from busbar.incidents.models import MajorIncident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import NotPermitted

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def test_participant_cannot_name_affected_organisations(world, catalogue) -> None:
    with pytest.raises(NotPermitted) as refused:
        raise_for(world, catalogue, user=world.user_a, affected=[world.org_b])
    assert refused.value.field == "affected"
    desk_raised = raise_for(
        world, catalogue, user=world.analyst, organisation=world.org_a, affected=[world.org_b]
    )
    assert list(desk_raised.affected.all()) == [world.org_b]


def test_participant_severity_one_is_a_suggestion(world, catalogue) -> None:
    incident = raise_for(world, catalogue, user=world.user_a, severity="1")
    assert not MajorIncident.objects.filter(incident=incident).exists() and not incident.is_published
    incident = actions.triage_incident(
        actor=actor_for(world.analyst), incident=incident, impact="market"
    )  # the desk confirms by triage; a change of impact alone opens nothing
    assert not MajorIncident.objects.filter(incident=incident).exists()
    desk = raise_for(world, catalogue, user=world.analyst, organisation=world.org_a, severity="1")
    opened = AuditEntry.objects.get(action="major_incident.open", record_id=str(desk.major.pk))
    assert opened.changes["is_published"] == [False, True]
