"""Raising an incident from the screen: participants for their own organisation, the desk for anyone."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from busbar.incidents.models import Incident, IntakeChannel, MajorIncident
from busbar.services.models import Service, Severity, SeverityScheme, SlaPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


def form_data(catalogue, **extra: object) -> dict:
    return {
        "service": catalogue.service.pk,
        "summary": "Switch requests rejected",
        "description": "Every request since 09:00 fails.",
        "impact": "single",
        **extra,
    }


def test_participant_raises_for_their_own_organisation_only(world, catalogue) -> None:
    client = world.client(world.user_a)
    page = client.get("/incidents/new/").content.decode()
    assert 'name="organisation"' not in page and 'name="contact_name"' not in page
    assert 'enctype="multipart/form-data"' in page and '<label for="id_summary">' in page
    # Naming another organisation is not possible: the field is not offered, so it is ignored.
    response = client.post("/incidents/new/", form_data(catalogue, organisation=world.org_b.pk))
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert incident.organisation == world.org_a and incident.channel == IntakeChannel.PORTAL
    assert incident.severity.code == "4"  # no suggestion: the least severe until the desk triages


def test_desk_raises_for_a_participant_taken_by_phone(world, catalogue) -> None:
    client = world.client(world.analyst)
    page = client.get("/incidents/new/").content.decode()
    assert 'name="organisation"' in page and 'name="contact_name"' in page and 'name="channel"' in page
    response = client.post(
        "/incidents/new/",
        form_data(
            catalogue,
            organisation=world.org_b.pk,
            contact_name="Sam, 0161 496 0000",
            channel="phone",
            severity=catalogue.severities["2"].pk,
        ),
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == f"/incidents/{incident.reference}/"
    assert incident.organisation == world.org_b and incident.contact_name == "Sam, 0161 496 0000"
    assert incident.channel == IntakeChannel.PHONE and incident.raised_by == world.analyst
    assert incident.severity.code == "2"
    # Bravo now sees it as theirs.
    assert world.client(world.user_b).get(response.url).status_code == 200


def test_a_participant_suggesting_severity_1_does_not_open_a_major_incident(world, catalogue) -> None:
    response = world.client(world.user_a).post(
        "/incidents/new/", form_data(catalogue, severity=catalogue.severities["1"].pk)
    )
    assert response.status_code == 302
    # Only the desk's severity opens a major incident (and publishes it to every participant).
    assert not MajorIncident.objects.exists()


def test_invalid_forms_are_shown_again_with_422_and_nothing_is_written(world, catalogue) -> None:
    client = world.client(world.user_a)
    response = client.post("/incidents/new/", form_data(catalogue, summary=""))
    assert response.status_code == 422 and 'id="id_summary_error"' in response.content.decode()
    # A severity of another scheme passes the form but not the action: its message lands on the field.
    scheme = SeverityScheme.objects.create(name="SEC incident categories")
    other = Severity.objects.create(scheme=scheme, code="C1", label="Category 1", rank=1)
    policy = SlaPolicy.objects.create(name="SEC", scheme=scheme)
    Service.objects.create(
        name="DSP", slug="dsp", provider=world.provider, calendar=catalogue.calendar, sla_policy=policy
    )
    response = client.post("/incidents/new/", form_data(catalogue, severity=other.pk))
    assert response.status_code == 422
    assert (
        'id="id_severity_error"' in response.content.decode()
        and "belongs to SEC" in response.content.decode()
    )
    # An inactive service is not offered.
    retired = Service.objects.create(
        name="Retired",
        slug="retired",
        provider=world.provider,
        calendar=catalogue.calendar,
        sla_policy=catalogue.policy,
        is_active=False,
    )
    assert "Retired" not in client.get("/incidents/new/").content.decode()
    response = client.post("/incidents/new/", form_data(catalogue, service=retired.pk))
    assert response.status_code == 422 and 'id="id_service_error"' in response.content.decode()
    assert not Incident.objects.exists()


def test_a_refused_attachment_rolls_the_whole_incident_back(world, catalogue) -> None:
    good = SimpleUploadedFile("log.txt", b"fine", content_type="text/plain")
    bad = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/x-msdownload")
    response = world.client(world.user_a).post(
        "/incidents/new/", form_data(catalogue, attachments=[good, bad])
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert 'id="id_attachments_error"' in text and "application/x-msdownload are not accepted" in text
    assert not Incident.objects.exists()


def test_raising_needs_a_sign_in(world, catalogue) -> None:
    response = world.client(None).post("/incidents/new/", form_data(catalogue))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not Incident.objects.exists()
