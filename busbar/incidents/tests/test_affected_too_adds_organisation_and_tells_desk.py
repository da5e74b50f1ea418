"""The "I'm affected too" button on a published major incident: a participant of an organisation not yet
affected adds it (journalled), the desk is told in its inbox and by email; nobody else may, on the page or
the API."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from busbar.audit.models import AuditEntry
from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import Conflict, NotPermitted
from busbar.records.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world, catalogue):
    """A severity-1 major incident raised by Alpha (published to every participant by triage)."""
    incident = raise_for(world, catalogue, user=world.user_a, severity="3", summary="CSS registrations down")
    incident = actions.triage_incident(
        actor=actor_for(world.analyst), incident=incident, severity=catalogue.severities["1"]
    )
    assert incident.is_published and incident.major
    Notification.objects.all().delete()
    return incident


def test_participant_of_another_organisation_joins(
    world,
    published,
    django_capture_on_commit_callbacks,
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        added = actions.join_affected(actor=actor_for(world.user_b), incident=published)
    assert added == world.org_b
    assert list(published.affected.all()) == [world.org_b]
    entry = AuditEntry.objects.filter(action="incident.affected_too").get()
    assert entry.changes["affected"] == [None, ["Bravo Energy"]]
    assert entry.actor_organisation_id == world.org_b.pk
    told = set(Notification.objects.filter(kind="affected").values_list("recipient_id", flat=True))
    assert told == {world.analyst.pk, world.ops.pk}
    to = {m.to[0] for m in mail.outbox if "affected too" in m.body}
    assert to == {world.analyst.email, world.ops.email}
    assert all(len(m.to) == 1 for m in mail.outbox)


@pytest.mark.parametrize("who", ["user_a", "admin_a", "analyst", "ops", "platform_admin", "resolver"])
def test_others_may_not(world, published, who) -> None:
    """The raising organisation is affected already; the desk and providers name affected organisations
    otherwise."""
    with pytest.raises(NotPermitted):
        actions.join_affected(actor=actor_for(getattr(world, who)), incident=published)
    assert not published.affected.exists()


def test_not_twice(world, published) -> None:
    actions.join_affected(actor=actor_for(world.user_b), incident=published)
    with pytest.raises(NotPermitted, match="already affected"):
        actions.join_affected(actor=actor_for(world.user_b), incident=published)


def test_only_on_a_published_major_incident(world, catalogue) -> None:
    incident = raise_for(world, catalogue, user=world.user_a, severity="3")
    with pytest.raises(Conflict):
        actions.join_affected(actor=actor_for(world.user_b), incident=incident)
    assert not incident.affected.exists()


def test_page_offers_it_only_to_those_who_may(world, published) -> None:
    url = reverse("incident_detail", args=[published.reference])
    assert "We are affected too" in world.client(world.user_b).get(url).content.decode()
    for who in ("user_a", "analyst", "resolver"):
        page = world.client(getattr(world, who)).get(url)
        assert page.status_code == 200
        assert "We are affected too" not in page.content.decode()


def test_page_form_without_javascript(world, published) -> None:
    client = world.client(world.user_b)
    action = reverse("incident_action", args=[published.reference, "affected-too"])
    response = client.post(action, {"affected-too-organisation": world.org_b.pk})
    assert response.status_code == 302
    assert published.affected.filter(pk=world.org_b.pk).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Bravo Energy is now among the organisations affected" in page
    assert "We are affected too" not in page


def test_page_form_refused_for_the_raising_organisation(world, published) -> None:
    action = reverse("incident_action", args=[published.reference, "affected-too"])
    response = world.client(world.user_a).post(action, {"affected-too-organisation": world.org_a.pk})
    assert response.status_code in (403, 422)
    assert not published.affected.exists()


def test_api_allowed_and_denied(world, published) -> None:
    url = f"/api/v1/incidents/{published.reference}/affected-too"
    response = world.client(world.user_b).post(url, {}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "reference": published.reference,
        "organisation": {"id": world.org_b.pk, "name": "Bravo Energy"},
    }
    assert world.client(world.user_b).post(url, {}, content_type="application/json").status_code == 403
    assert world.client(world.user_a).post(url, {}, content_type="application/json").status_code == 403
    assert world.client(world.analyst).post(url, {}, content_type="application/json").status_code == 403
    assert world.client(None).post(url, {}, content_type="application/json").status_code == 401


def test_api_lists_it_in_allowed_actions(world, published) -> None:
    body = world.client(world.user_b).get(f"/api/v1/incidents/{published.reference}").json()
    assert "affected-too" in body["allowed_actions"]
    body = world.client(world.user_a).get(f"/api/v1/incidents/{published.reference}").json()
    assert "affected-too" not in body["allowed_actions"]


def test_api_another_organisation_answers_as_no_such_one(world, published) -> None:
    """Naming another organisation's id tells nothing of whether it exists: the same 422 as a made-up id."""
    url = f"/api/v1/incidents/{published.reference}/affected-too"
    client = world.client(world.user_b)
    for org_id in (world.operator.pk, world.org_a.pk, 999_999):
        response = client.post(url, {"organisation": org_id}, content_type="application/json")
        assert response.status_code == 422, (org_id, response.content)
        assert response.json()["errors"][0]["field"] == "organisation"
    assert not published.affected.filter(pk=world.org_b.pk).exists()
