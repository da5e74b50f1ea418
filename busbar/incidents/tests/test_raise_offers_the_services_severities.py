"""Raising an incident offers only the severity levels of the chosen service's scheme, in full: refreshed
by HTMX when the service changes, shown again without JavaScript, and a level of another scheme is refused
on the ``severity`` field (web and API alike)."""

from __future__ import annotations

import pytest

from busbar.incidents.models import Incident
from busbar.services.models import Service, Severity, SeverityScheme, SlaPolicy

pytestmark = pytest.mark.django_db

REC_1 = "Major incident: prevents a large group of participants from using live services"
SEC_1 = "Category 1: widespread loss of smart metering services, across every region and every participant"


@pytest.fixture
def sec_service(world, catalogue) -> Service:
    scheme = SeverityScheme.objects.create(name="SEC incident categories")
    Severity.objects.create(scheme=scheme, code="C1", label=SEC_1, rank=1, is_major=True)
    Severity.objects.create(scheme=scheme, code="C2", label="Category 2: loss of a critical function", rank=2)
    policy = SlaPolicy.objects.create(name="SEC", scheme=scheme)
    return Service.objects.create(
        name="DSP", slug="dsp", provider=world.provider, calendar=catalogue.calendar, sla_policy=policy
    )


def field(client, service: Service | None) -> str:
    response = client.get("/incidents/new/severity/", {"service": service.pk if service else ""})
    assert response.status_code == 200
    return response.content.decode()


def test_the_form_offers_no_levels_until_a_service_is_chosen(world, catalogue, sec_service) -> None:
    page = world.client(world.user_a).get("/incidents/new/").content.decode()
    assert 'id="severity-field"' in page and 'hx-get="/incidents/new/severity/"' in page
    assert "Choose the service first" in page
    assert REC_1 not in page and "Category 2" not in page
    assert "Let the service desk decide" in page


def test_the_refresh_offers_only_the_chosen_services_scheme_in_full(world, catalogue, sec_service) -> None:
    client = world.client(world.user_a)
    rec = field(client, catalogue.service)
    assert f"1 — {REC_1}" in rec and "4 — Minor or minimal adverse impact" in rec
    assert "Category" not in rec
    sec = field(client, sec_service)
    assert f"C1 — {SEC_1}" in sec and "C2 — Category 2" in sec  # never cut short
    assert REC_1 not in sec
    assert "Let the service desk decide" in sec  # a participant's severity is a suggestion


def test_the_desk_is_not_offered_to_let_the_service_desk_decide(world, catalogue) -> None:
    desk = world.client(world.analyst)
    html = field(desk, catalogue.service)
    assert "Let the service desk decide" not in html and "(optional)" not in html
    assert "<legend>Severity" in html and REC_1 in html
    page = desk.get("/incidents/new/").content.decode()
    assert "Let the service desk decide" not in page
    # The desk must choose one.
    response = desk.post(
        "/incidents/new/",
        {
            "organisation": world.org_a.pk,
            "channel": "phone",
            "service": catalogue.service.pk,
            "summary": "Switches failing",
            "description": "Since 09:00",
            "impact": "single",
        },
    )
    assert response.status_code == 422 and 'id="id_severity_error"' in response.content.decode()
    assert not Incident.objects.exists()


def test_an_unknown_or_missing_service_offers_no_levels(world, catalogue) -> None:
    client = world.client(world.user_a)
    for value in ("", "999999", "x", "²"):
        html = client.get("/incidents/new/severity/", {"service": value}).content.decode()
        assert REC_1 not in html and "Choose the service first" in html


def test_the_refresh_needs_a_sign_in(world, catalogue) -> None:
    response = world.client(None).get("/incidents/new/severity/", {"service": catalogue.service.pk})
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_level_of_another_scheme_is_refused_and_the_right_list_shown(world, catalogue, sec_service) -> None:
    other = Severity.objects.get(code="C2")
    response = world.client(world.user_a).post(
        "/incidents/new/",
        {
            "service": catalogue.service.pk,
            "summary": "Switches failing",
            "description": "Since 09:00",
            "impact": "single",
            "severity": other.pk,
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_severity_error"' in page and "belongs to SEC incident categories" in page
    assert REC_1 in page and "C2 — Category 2" not in page
    assert not Incident.objects.exists()


def test_without_javascript_the_form_shows_the_chosen_services_levels(world, catalogue, sec_service) -> None:
    response = world.client(world.user_a).post(
        "/incidents/new/",
        {"service": sec_service.pk, "summary": "Meters offline", "refresh": "severity"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "C2 — Category 2" in page and REC_1 not in page
    assert 'value="Meters offline"' in page and "<noscript>" in page
    assert not Incident.objects.exists()


def test_the_api_refuses_a_level_of_another_scheme_naming_severity(world, catalogue, sec_service) -> None:
    response = world.client(world.user_a).post(
        "/api/v1/incidents",
        {"service": "css", "summary": "Switches failing", "description": "Since 09:00", "severity": "C2"},
        content_type="application/json",
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "severity" and "1, 2, 3, 4" in error["message"]
    assert not Incident.objects.exists()
