"""The incident screens hide the same things as the API: update authors to non-followers, list columns."""

import pytest

from busbar.conftest import World
from busbar.incidents import actions
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world: World, catalogue) -> Incident:
    """Raised by A (not yet assigned to a provider) and published to every participant."""
    incident = raise_for(world, catalogue, summary="A published")
    actions.triage_incident(actor=actor_for(world.analyst), incident=incident, is_published=True)
    actions.add_update(actor=actor_for(world.user_a), incident=incident, body="Still failing at 10:00")
    return incident


def test_the_conversation_hides_a_participants_name_from_non_followers(
    world: World, published: Incident
) -> None:
    url = f"/incidents/{published.reference}/"
    name = world.user_a.display_name
    page = world.client(world.user_b).get(url).content.decode()
    assert "Still failing at 10:00" in page and "<strong>Participant</strong>" in page
    assert f"<strong>{name}</strong>" not in page and world.org_a.name not in page
    for user in (world.user_a, world.analyst):
        page = world.client(user).get(url).content.decode()
        assert f"<strong>{name}</strong>" in page and world.org_a.name in page


def test_a_resolver_sees_the_parties_only_on_its_own_rows(
    world: World, catalogue, published: Incident
) -> None:
    ours = raise_for(world, catalogue, user=world.user_b, summary="B assigned")
    actions.assign_incident(actor=actor_for(world.analyst), incident=ours, provider=world.provider)
    page = world.client(world.resolver).get("/incidents/?queue=all").content.decode()
    assert published.reference in page and ours.reference in page
    assert world.org_b.name in page  # raised by B, and the resolver's provider works it
    assert world.org_a.name not in page  # A's published incident is not the provider's
    desk = world.client(world.analyst).get("/incidents/?queue=all").content.decode()
    assert world.org_a.name in desk and world.org_b.name in desk
