"""Reloading (or reopening) a page shown after a refused form does not end on "405 Method Not Allowed": every
address a form posts to and that shows the page again with the errors answers GET with the page that shows
the form."""

import pytest
from django.urls import reverse

from busbar.incidents.tests.conftest import raise_for

pytestmark = pytest.mark.django_db


def test_incident_form_refused_then_reloaded_shows_the_form(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    client = world.client(world.analyst)
    action = reverse("incident_action", args=[incident.reference, "cancel"])
    refused = client.post(action, {"cancel-reason": ""})
    assert refused.status_code == 422  # the page again, with the error, at the form's address
    again = client.get(action)
    assert again.status_code == 302
    assert again["Location"] == reverse("incident_detail", args=[incident.reference]) + "#do-cancel"
    page = client.get(again["Location"])
    assert page.status_code == 200 and 'id="do-cancel"' in page.content.decode()
    assert client.head(action).status_code == 302


def test_get_of_a_form_address_reveals_nothing(world, catalogue) -> None:
    """The redirect leads to the record's page, which applies its own visibility (404 for Bravo)."""
    incident = raise_for(world, catalogue)
    client = world.client(world.user_b)
    response = client.get(reverse("incident_action", args=[incident.reference, "cancel"]), follow=True)
    assert response.status_code == 404
    anonymous = world.client(None).get(reverse("incident_action", args=[incident.reference, "cancel"]))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


@pytest.mark.parametrize(
    ("address", "page"),
    [
        ("/problems/PRB0000001/resolve/", "/problems/PRB0000001/#do-resolve"),
        ("/knowledge/KB0000001/publish/", "/knowledge/KB0000001/#do-publish"),
        ("/knowledge/KB0000001/reports/3/", "/knowledge/KB0000001/"),
        ("/calendars/4/closures/", "/calendars/4/"),
        ("/organisations/5/invite/", "/organisations/5/"),
        ("/triage/6/details/", "/triage/6/"),
        ("/triage/6/questions/7/edit/", "/triage/6/questions/7/"),
    ],
)
def test_every_form_address_that_shows_errors_answers_get(world, address, page) -> None:
    response = world.client(world.analyst).get(address)
    assert response.status_code == 302, address
    assert response["Location"] == page


def test_other_methods_are_still_refused(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    action = reverse("incident_action", args=[incident.reference, "cancel"])
    response = world.client(world.analyst).put(action)
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}
