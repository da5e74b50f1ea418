"""A field hidden from a caller cannot be learnt through a filter: one rule decides both.

Another participant sees a published incident and the provider organisation working it, but not who raised
it, how it came in or whom else it affects — and filtering by ``organisation=`` must not tell them either.
Filtering by ``provider=`` finds what the ``provider`` field shows everyone who sees the incident.
"""

from __future__ import annotations

import pytest

from busbar.conftest import World, make_org, make_user
from busbar.incidents import actions
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.parties.models import IndustryRole, MembershipRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world: World, catalogue) -> Incident:
    """Alpha's incident, assigned to the provider, naming the operator as affected, published to all."""
    incident = raise_for(world, catalogue, affected=[world.operator])
    actions.triage_incident(actor=actor_for(world.analyst), incident=incident, is_published=True)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    return Incident.objects.get(pk=incident.pk)


def _refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["items"]]


def test_filtering_published_incidents_by_raiser_reveals_nothing(world: World, published: Incident) -> None:
    bravo = world.client(world.user_b)
    assert _refs(bravo.get("/api/v1/incidents?published=true")) == [published.reference]
    assert _refs(bravo.get(f"/api/v1/incidents?published=true&organisation={world.org_a.pk}")) == []
    assert _refs(bravo.get(f"/api/v1/incidents?published=true&organisation={world.org_b.pk}")) == []


def test_filtering_published_incidents_by_provider_finds_what_the_field_shows(
    world: World, published: Incident
) -> None:
    bravo = world.client(world.user_b)
    assert _refs(bravo.get(f"/api/v1/incidents?provider={world.provider.pk}")) == [published.reference]
    shown = bravo.get(f"/api/v1/incidents/{published.reference}").json()["provider"]
    assert shown["id"] == world.provider.pk


def test_those_who_may_see_the_field_can_filter_on_it(world: World, published: Incident) -> None:
    for user in (world.user_a, world.analyst, world.resolver):
        found = _refs(world.client(user).get(f"/api/v1/incidents?organisation={world.org_a.pk}"))
        assert found == [published.reference], user
    for user in (world.analyst, world.resolver):
        found = _refs(world.client(user).get(f"/api/v1/incidents?provider={world.provider.pk}"))
        assert found == [published.reference], user
    # The provider organisation is shown to everyone who sees the incident, so filtering on it is too.
    found = _refs(world.client(world.user_a).get(f"/api/v1/incidents?provider={world.provider.pk}"))
    assert found == [published.reference]


def test_detail_hides_affected_and_channel_from_other_participants(world: World, published: Incident) -> None:
    body = world.client(world.user_b).get(f"/api/v1/incidents/{published.reference}").json()
    assert body["affected"] is None and body["channel"] is None
    assert body["organisation"] is None and body["raised_by"] is None and body["assignee"] is None
    assert body["provider"]["id"] == world.provider.pk
    row = world.client(world.user_b).get("/api/v1/incidents").json()["items"][0]
    assert row["channel"] is None and row["organisation"] is None


@pytest.mark.parametrize("who", ["user_a", "analyst", "resolver"])
def test_raiser_desk_and_provider_see_affected_and_channel(
    world: World, published: Incident, who: str
) -> None:
    body = world.client(getattr(world, who)).get(f"/api/v1/incidents/{published.reference}").json()
    assert [a["id"] for a in body["affected"]] == [world.operator.pk]
    assert body["channel"] == published.channel and body["organisation"]["id"] == world.org_a.pk


def test_the_page_filter_by_provider_is_limited_the_same_way(world: World, published: Incident) -> None:
    """A provider filtering the list by another provider finds only the published incidents it already sees
    with that provider named on them."""
    other = make_org("Gas Transporter", [IndustryRole.CSS_PROVIDER])
    make_user(other, "resolver@gas.example", MembershipRole.RESOLVER)
    outsider = make_user(other, "second@gas.example", MembershipRole.RESOLVER)
    page = world.client(outsider).get(f"/incidents/?queue=all&provider={world.provider.pk}")
    assert page.status_code == 200 and published.reference.encode() in page.content
    unfiltered = world.client(outsider).get("/incidents/?queue=all")
    assert published.reference.encode() in unfiltered.content  # it is published: the row itself is visible
    own = world.client(world.resolver).get(f"/incidents/?queue=all&provider={world.provider.pk}")
    assert published.reference.encode() in own.content
