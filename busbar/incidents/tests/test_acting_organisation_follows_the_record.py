"""A person in two organisations acts for the one the record concerns: raising for Bravo (their second
organisation) is journalled as Bravo, their replies on Bravo's incident are Bravo's (so they are not
emailed back to them as if someone else had written), and the affected organisations are journalled."""

import pytest
from django.core import mail

from busbar.audit.models import AuditEntry
from busbar.conftest import make_user
from busbar.incidents import actions
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import Actor
from busbar.parties import actions as party_actions
from busbar.parties.models import MembershipRole
from busbar.records.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(world):
    """A participant at Alpha (their first, primary organisation) and at Bravo."""
    user = make_user(world.org_a, "both@alpha.example", MembershipRole.PARTICIPANT)
    party_actions.add_member(
        actor=Actor.system(),
        organisation=world.org_b,
        email=user.email,
        full_name="Both",
        role=MembershipRole.PARTICIPANT,
    )
    return type(user).objects.get(pk=user.pk)


def _journal(incident: Incident, action: str) -> AuditEntry:
    return AuditEntry.objects.filter(record_id=str(incident.pk), action=action).latest("id")


def test_the_actor_takes_the_organisation_held_on_the_record(world, both) -> None:
    primary = actor_for(both)
    assert primary.organisation == world.org_a
    assert primary.acting_for(world.org_b).organisation == world.org_b
    assert primary.acting_for(world.org_b.pk, world.org_a.pk).organisation == world.org_a  # keeps its own
    assert primary.acting_for(world.provider).organisation == world.org_a  # not a member: unchanged
    assert Actor.system().acting_for(world.org_b).organisation is None
    desk = actor_for(world.analyst)
    assert desk.acting_for(world.org_b).organisation == world.operator


def test_raising_for_bravo_on_the_screen_is_journalled_as_bravo(world, catalogue, both) -> None:
    client = world.client(both)
    response = client.post(
        "/incidents/new/",
        {
            "service": catalogue.service.pk,
            "summary": "Bravo's switches rejected",
            "description": "Every request since 09:00 fails.",
            "impact": "single",
            "organisation": world.org_b.pk,
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get(summary="Bravo's switches rejected")
    assert incident.organisation == world.org_b
    entry = _journal(incident, "incident.raise")
    assert entry.actor_organisation == world.org_b and entry.actor == both


def test_a_reply_on_bravos_incident_is_bravos_and_not_mailed_back(
    world, catalogue, both, django_capture_on_commit_callbacks
) -> None:
    incident = raise_for(world, catalogue, user=both, organisation=world.org_b)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident)
    mail.outbox.clear()
    client = world.client(both)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/incidents/{incident.reference}/reply/", {"reply-body": "It is still failing at 10:00."}
        )
    assert response.status_code == 302
    update = Entry.objects.get(record=incident.record, body="It is still failing at 10:00.")
    assert update.author_organisation == world.org_b
    assert _journal(incident, "incident.update").actor_organisation == world.org_b
    told = {m.to[0] for m in mail.outbox}
    assert both.email not in told  # not sent back to the person who wrote it
    assert world.resolver.email in told  # the provider working it hears of the participant's reply
    # Not emailed to the raiser as though the provider had written.
    assert all("wrote:" not in m.body or m.to != [both.email] for m in mail.outbox)


def test_denied_raising_for_an_organisation_not_held(world, catalogue, both) -> None:
    """Acting for an organisation needs a membership of it: the third organisation is refused."""
    client = world.client(both)
    response = client.post(
        "/incidents/new/",
        {
            "service": catalogue.service.pk,
            "summary": "Not mine",
            "description": "x",
            "impact": "single",
            "organisation": world.provider.pk,
        },
    )
    assert response.status_code == 422
    assert not Incident.objects.filter(summary="Not mine").exists()


def test_affected_organisations_are_journalled_when_raising(world, catalogue) -> None:
    incident = raise_for(world, catalogue, affected=[world.org_b, world.provider])
    changes = _journal(incident, "incident.raise").changes
    assert changes["affected"] == [None, sorted([str(world.org_b), str(world.provider)])]
    plain = raise_for(world, catalogue, summary="Nothing else affected")
    assert "affected" not in _journal(plain, "incident.raise").changes


def test_raising_and_replying_for_bravo_through_the_api(world, catalogue, both) -> None:
    client = world.client(both)
    body = {"service": "css", "summary": "API raise for Bravo", "description": "E0001 since 09:00"}
    response = client.post(
        "/api/v1/incidents", {**body, "organisation": world.org_b.pk}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(summary="API raise for Bravo")
    assert incident.organisation == world.org_b
    assert _journal(incident, "incident.raise").actor_organisation == world.org_b
    response = client.post(
        f"/api/v1/incidents/{incident.reference}/updates",
        {"body": "Still failing"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Entry.objects.get(record=incident.record, body="Still failing").author_organisation == world.org_b
    # Denied: the organisation they are not a member of.
    response = client.post(
        "/api/v1/incidents", {**body, "organisation": world.provider.pk}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Incident.objects.filter(organisation=world.provider).exists()
