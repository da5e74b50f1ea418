"""A major severity set by the desk — when triaging, or when raising — opens a major incident, published to
every participant, so it is confirmed first, as declaring is: the page shows who will be told and a confirm
button; the API needs ``confirm: true`` (a 422 naming ``confirm`` says who would be told). Until then nothing
is opened, published, emailed or put in an inbox. A participant's severity 1 is only a suggestion: no
confirmation."""

from __future__ import annotations

import pytest
from django.core import mail

from busbar.incidents import actions
from busbar.incidents.models import Incident, MajorIncident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.records.models import Notification

pytestmark = pytest.mark.django_db


def triage(client, incident: Incident, **fields: object):
    data = {f"triage-{k}": v for k, v in fields.items()}
    return client.post(f"/incidents/{incident.reference}/triage/", data)


def triage_form(incident: Incident, catalogue, **more: object) -> dict:
    return {
        "severity": catalogue.severities["1"].pk,
        "service": catalogue.service.pk,
        "impact": "market",
        **more,
    }


def raise_form(world, catalogue, **more: object) -> dict:
    return {
        "organisation": world.org_a.pk,
        "contact_name": "Jo",
        "channel": "phone",
        "service": catalogue.service.pk,
        "summary": "CSS down for everyone",
        "description": "No switches processed since 10:00",
        "impact": "single",
        "severity": catalogue.severities["1"].pk,
        **more,
    }


def api_raise_body(world, catalogue, **more: object) -> dict:
    return {
        "service": catalogue.service.pk,
        "summary": "CSS down for everyone",
        "description": "No switches processed since 10:00",
        "severity": "1",
        "organisation": world.org_a.pk,
        **more,
    }


def nothing_told() -> bool:
    return not MajorIncident.objects.exists() and not mail.outbox and not Notification.objects.exists()


# Triage ------------------------------------------------------------------------------------------------


def test_triage_page_shows_who_will_be_told_before_a_major_severity(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    incident = raise_for(world, catalogue)
    desk = world.client(world.analyst)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = triage(desk, incident, **triage_form(incident, catalogue))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Set {incident.reference} to severity 1 and open a major incident?" in page
    assert "Who will be told" in page and "published to every participant" in page
    assert "every organisation (market-wide impact)" in page  # the impact being set, not the one it had
    assert 'name="triage-confirm" value="True"' in page and 'name="triage-impact" value="market"' in page
    assert "Confirm: open a major incident and publish to every participant" in page
    incident.refresh_from_db()
    assert incident.severity.code == "3" and incident.impact == "single" and not incident.is_published
    assert nothing_told()
    # The confirm button triages and opens the major incident.
    with django_capture_on_commit_callbacks(execute=True):
        response = triage(desk, incident, **triage_form(incident, catalogue, confirm="True"))
    assert response.status_code == 302
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.severity.code == "1" and incident.is_published
    assert MajorIncident.objects.get().incident_id == incident.pk


def test_triage_to_a_lesser_severity_needs_no_confirmation(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    form = triage_form(incident, catalogue, severity=catalogue.severities["2"].pk)
    assert triage(world.client(world.analyst), incident, **form).status_code == 302
    assert Incident.objects.get(pk=incident.pk).severity.code == "2" and not MajorIncident.objects.exists()


def test_triage_confirmation_page_only_for_the_desk(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    form = triage_form(incident, catalogue)
    for user, status in ((world.user_a, 403), (world.resolver, 403), (world.user_b, 404)):
        response = triage(world.client(user), incident, **form)
        assert response.status_code == status
        assert "Who will be told" not in response.content.decode()
    assert triage(world.client(None), incident, **form).status_code == 302  # to the login page
    assert not MajorIncident.objects.exists()


def test_triage_api_needs_confirm_true_for_a_major_severity(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    incident = raise_for(world, catalogue)
    path = f"/api/v1/incidents/{incident.reference}/triage"
    desk = world.client(world.analyst)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(path, {"severity": "1"}, content_type="application/json")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "confirm" and "every participant" in error["message"]
    assert "Alpha Energy" in error["message"] and "confirm: true" in error["message"]
    assert Incident.objects.get(pk=incident.pk).severity.code == "3"
    assert nothing_told()
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(path, {"severity": "1", "confirm": True}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["is_major"] is True and response.json()["is_published"] is True
    assert MajorIncident.objects.filter(incident=incident).exists()
    # A lesser severity needs no confirm.
    other = raise_for(world, catalogue)
    response = desk.post(
        f"/api/v1/incidents/{other.reference}/triage", {"severity": "2"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["is_major"] is False


def test_triage_api_refuses_others_before_asking_to_confirm(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    path = f"/api/v1/incidents/{incident.reference}/triage"
    for user, status in ((world.user_a, 403), (world.resolver, 403), (world.user_b, 404), (None, 401)):
        response = world.client(user).post(path, {"severity": "1"}, content_type="application/json")
        assert response.status_code == status
    assert not MajorIncident.objects.exists()


# Raise -------------------------------------------------------------------------------------------------


def test_desk_raise_page_shows_who_will_be_told_before_a_major_severity(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    desk = world.client(world.analyst)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post("/incidents/new/", raise_form(world, catalogue))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Raise “CSS down for everyone” as a major incident?" in page
    assert "Who will be told" in page and "Alpha Energy" in page
    assert 'name="confirm" value="True"' in page and 'name="summary" value="CSS down for everyone"' in page
    assert not Incident.objects.exists() and nothing_told()
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post("/incidents/new/", raise_form(world, catalogue, confirm="True"))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.is_published and MajorIncident.objects.get().incident_id == incident.pk


def test_desk_raise_of_a_lesser_severity_needs_no_confirmation(world, catalogue) -> None:
    form = raise_form(world, catalogue, severity=catalogue.severities["2"].pk)
    assert world.client(world.analyst).post("/incidents/new/", form).status_code == 302
    assert Incident.objects.get().severity.code == "2" and not MajorIncident.objects.exists()


def test_participant_severity_1_is_a_suggestion_without_confirmation(world, catalogue) -> None:
    form = raise_form(world, catalogue)
    for key in ("organisation", "contact_name", "channel"):
        del form[key]
    response = world.client(world.user_a).post("/incidents/new/", form)
    assert response.status_code == 302 and "Who will be told" not in response.content.decode()
    incident = Incident.objects.get()
    assert incident.severity.code == "1" and not incident.is_published and not MajorIncident.objects.exists()
    # The same through the API: no confirm asked, no major opened.
    body = api_raise_body(world, catalogue)
    del body["organisation"]
    response = world.client(world.user_a).post("/api/v1/incidents", body, content_type="application/json")
    assert response.status_code == 201 and response.json()["is_major"] is False
    assert not MajorIncident.objects.exists()


def test_desk_raise_api_needs_confirm_true_for_a_major_severity(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    desk = world.client(world.analyst)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            "/api/v1/incidents", api_raise_body(world, catalogue), content_type="application/json"
        )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "confirm" and "every participant" in error["message"]
    assert "Alpha Energy" in error["message"] and "confirm: true" in error["message"]
    assert not Incident.objects.exists() and nothing_told()
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            "/api/v1/incidents",
            api_raise_body(world, catalogue, confirm=True),
            content_type="application/json",
        )
    assert response.status_code == 201
    assert response.json()["is_major"] is True and response.json()["is_published"] is True
    assert MajorIncident.objects.count() == 1


def test_raise_api_anonymous_is_refused(world, catalogue) -> None:
    body = api_raise_body(world, catalogue, confirm=True)
    response = world.client(None).post("/api/v1/incidents", body, content_type="application/json")
    assert response.status_code == 401 and not Incident.objects.exists()
