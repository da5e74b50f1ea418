"""The major-incident flow in the browser: opened by severity 1 or declared (BCDR), manager, bulletins to the
affected participants, update reminders, and the post-incident review required before closure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from busbar.incidents import actions
from busbar.incidents.models import Incident, MajorIncident, Status
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def act(client, incident: Incident, verb: str, **fields: object):
    return client.post(
        f"/incidents/{incident.reference}/{verb}/", {f"{verb}-{k}": v for k, v in fields.items()}
    )


def page_of(client, incident: Incident) -> str:
    response = client.get(f"/incidents/{incident.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def test_major_incident_from_severity_1_to_closure(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    desk, participant = world.client(world.analyst), world.client(world.user_a)
    form = {
        "organisation": world.org_a.pk,
        "contact_name": "Jo",
        "channel": "phone",
        "service": catalogue.service.pk,
        "summary": "CSS down for everyone",
        "description": "No switches processed since 10:00",
        "impact": "market",
        "severity": catalogue.severities["1"].pk,
    }
    # A major severity opens a major incident: the desk first sees who would be told, then confirms.
    response = desk.post("/incidents/new/", form)
    assert response.status_code == 200 and "Who will be told" in response.content.decode()
    assert not Incident.objects.exists()
    response = desk.post("/incidents/new/", {**form, "confirm": "True"})
    incident = Incident.objects.get()
    major = incident.major
    assert response.status_code == 302 and major.state == MajorIncident.State.ACTIVE
    assert major.manager == world.analyst  # the desk person who raised it, until someone else is named
    page = page_of(desk, incident)
    assert 'id="major"' in page and "Major incident" in page and "No bulletins sent yet." in page

    # The desk names the manager, sets the update interval and sends a bulletin to every participant.
    assert act(desk, incident, "major-manager", manager=world.ops.pk).status_code == 302
    response = act(desk, incident, "major-interval", minutes=3)
    assert response.status_code == 422 and 'id="id_major-interval-minutes_error"' in response.content.decode()
    assert act(desk, incident, "major-interval", minutes=30).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = act(
            desk,
            incident,
            "major-communicate",
            subject="CSS outage: update 1",
            body="Engineers are restoring the message gateway.",
        )
    assert response.status_code == 302
    bulletins = [m for m in mail.outbox if "CSS outage: update 1" in m.subject]
    assert {world.user_b.email, world.user_a.email} <= {to for m in bulletins for to in m.to}  # market-wide
    major.refresh_from_db()
    assert major.manager == world.ops and major.update_interval_minutes == 30
    assert timezone.now() < major.next_update_due_at <= timezone.now() + dt.timedelta(minutes=30)

    # Every participant sees the communications timeline; none may send one.
    for client in (participant, world.client(world.user_b)):
        text = page_of(client, incident)
        assert "CSS outage: update 1" in text and "Engineers are restoring the message gateway." in text
        assert "/major-communicate/" not in text
    response = act(participant, incident, "major-communicate", subject="Hello", body="Us too")
    assert response.status_code == 403

    # No review before resolution, and no closure before the review.
    assert "/major-review/" not in page_of(desk, incident)
    response = act(desk, incident, "major-review", cause="x", actions="y", lessons="z")
    assert response.status_code == 409 and "Resolve the incident before recording its review" in (
        response.content.decode()
    )
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    assert (
        act(world.client(world.resolver), incident, "resolve", resolution="Gateway restarted").status_code
        == 302
    )
    response = act(participant, incident, "close")
    assert response.status_code == 422 and "record its post-incident review before closing" in (
        response.content.decode()
    )
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED

    response = act(
        desk, incident, "major-review", cause="Expired certificate", actions="Monitor expiry", lessons=""
    )
    assert response.status_code == 422 and 'id="id_major-review-lessons_error"' in response.content.decode()
    assert (
        act(
            desk,
            incident,
            "major-review",
            cause="Expired certificate",
            actions="Monitor expiry",
            lessons="Alert 30 days ahead",
        ).status_code
        == 302
    )
    major.refresh_from_db()
    assert major.state == MajorIncident.State.REVIEW and major.review_completed_by == world.analyst
    assert "Expired certificate" in page_of(desk, incident)
    assert "Expired certificate" not in page_of(participant, incident)  # the review is the desk's record

    assert act(participant, incident, "close").status_code == 302
    incident.refresh_from_db()
    major.refresh_from_db()
    assert incident.status == Status.CLOSED and major.state == MajorIncident.State.CLOSED
    assert major.next_update_due_at is None
    closed_page = page_of(desk, incident)
    assert "/major-communicate/" not in closed_page and "/major-review/" not in closed_page


def test_desk_declares_a_bcdr_major_incident_others_cannot(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    response = act(world.client(world.user_a), incident, "major-declare", trigger="bcdr")
    assert response.status_code == 403 and not MajorIncident.objects.exists()
    response = act(world.client(world.analyst), incident, "major-declare", trigger="bcdr", confirm="True")
    assert response.status_code == 302
    major = MajorIncident.objects.get()
    assert major.trigger == MajorIncident.Trigger.BCDR
    incident.refresh_from_db()
    assert incident.is_published
    page = page_of(world.client(world.analyst), incident)
    assert "/major-declare/" not in page and "BCDR event" in page
    # Major-incident forms on an incident that is not one: not found.
    other = raise_for(world, catalogue)
    assert act(world.client(world.analyst), other, "major-interval", minutes=30).status_code == 404


def test_an_overdue_update_is_highlighted_and_active_majors_come_first(world, catalogue) -> None:
    earlier = timezone.now() - dt.timedelta(hours=3)
    finished = raise_for(world, catalogue, severity="1", now=earlier, summary="Old outage")
    desk = actor_for(world.analyst)
    actions.resolve_incident(actor=desk, incident=finished, resolution="Fixed")
    actions.record_review(actor=desk, major=finished.major, cause="a", actions="b", lessons="c")
    actions.close_incident(actor=desk, incident=finished)
    overdue = raise_for(
        world, catalogue, severity="1", now=earlier + dt.timedelta(minutes=5), summary="Outage"
    )

    page = page_of(world.client(world.analyst), overdue)
    assert '<strong class="badge bad" role="status">Overdue</strong>' in page
    listing = world.client(world.analyst).get("/major-incidents/").content.decode()
    assert listing.index(overdue.reference) < listing.index(finished.reference)
    assert '<span class="badge bad">Overdue</span>' in listing
    # Participants see the published majors; another party sees the ones it may see.
    assert overdue.reference in world.client(world.user_b).get("/major-incidents/").content.decode()


def test_major_list_is_scoped(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.declare_major_incident(actor=actor_for(world.analyst), incident=incident)
    actions.triage_incident(actor=actor_for(world.analyst), incident=incident, is_published=False)
    assert incident.reference in world.client(world.user_a).get("/major-incidents/").content.decode()
    assert incident.reference not in world.client(world.user_b).get("/major-incidents/").content.decode()
    assert world.client(None).get("/major-incidents/").status_code == 302
