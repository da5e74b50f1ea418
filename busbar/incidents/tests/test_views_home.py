"""The incident panels of each home page, and the navigation to the incident screens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import Actor

pytestmark = pytest.mark.django_db


def home(world, user) -> str:
    response = world.client(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_participant_home_shows_our_open_incidents_and_published_ones(world, catalogue) -> None:
    ours = raise_for(world, catalogue, summary="Our rejected switches")
    outage = raise_for(world, catalogue, user=world.user_b, summary="Gateway outage")
    private_b = raise_for(world, catalogue, user=world.user_b, summary="Bravo's private problem")
    actions.triage_incident(actor=actor_for(world.analyst), incident=outage, is_published=True)
    page = home(world, world.user_a)
    assert "Our open incidents" in page and ours.summary in page
    assert "Service-affecting incidents" in page and "Gateway outage" in page
    assert private_b.reference not in page
    assert '<a class="button primary" href="/incidents/new/">Raise an incident</a>' in page
    assert '<a href="/incidents/">Incidents</a>' in page and "Major incidents" not in page


def test_provider_home_shows_our_queue_with_sla(world, catalogue) -> None:
    mine = raise_for(world, catalogue, summary="Routed to us")
    actions.assign_incident(actor=actor_for(world.analyst), incident=mine, provider=world.provider)
    elsewhere = raise_for(world, catalogue, summary="Not routed")
    page = home(world, world.resolver)
    assert 'Our queue <span class="badge">1</span>' in page and mine.reference in page
    assert elsewhere.reference not in page and '<span class="badge ">Due</span>' in page


def test_desk_home_counts_the_queues(world, catalogue) -> None:
    raise_for(world, catalogue)  # unassigned, and its response is due within 2 hours
    late = raise_for(world, catalogue, now=timezone.now() - dt.timedelta(days=4))
    actions.assign_incident(actor=actor_for(world.analyst), incident=late, provider=world.provider)
    actions.raise_sla_notice(
        actor=Actor.system(),
        incident=late,
        clock="resolution",
        kind="breach",
        crossed_at=timezone.now() - dt.timedelta(days=1),
    )
    raise_for(world, catalogue, severity="1")  # an active major incident, also unassigned
    page = home(world, world.analyst)
    assert '<a href="/incidents/?queue=unassigned">Unassigned</a> <span class="badge warn">2</span>' in page
    assert (
        '<a href="/incidents/?queue=soon">Breaching in the next 2 hours</a> <span class="badge warn">2</span>'
        in page
    )
    assert '<a href="/incidents/?queue=breached">Breached</a> <span class="badge bad">1</span>' in page
    assert '<a href="/major-incidents/">Active major incidents</a> <span class="badge bad">1</span>' in page
    assert '<a href="/major-incidents/">Major incidents</a>' in page  # navigation


def test_navigation_marks_the_incident_screens_current(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    page = world.client(world.user_a).get(f"/incidents/{incident.reference}/").content.decode()
    assert '<a href="/incidents/" aria-current="page">Incidents</a>' in page
    page = world.client(world.analyst).get("/major-incidents/").content.decode()
    assert '<a href="/major-incidents/" aria-current="page">Major incidents</a>' in page
    assert '<a href="/incidents/">Incidents</a>' in page
