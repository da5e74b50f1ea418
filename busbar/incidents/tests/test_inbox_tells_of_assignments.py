"""Assigning an incident puts it in the inbox of the person it is given to, or of the provider's resolvers
when no one is named; never in the inbox of whoever assigned it, nor of anyone else."""

import pytest

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.records.models import Notification

pytestmark = pytest.mark.django_db


def test_assigning_to_a_provider_tells_its_resolvers(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    told = Notification.objects.filter(kind="assignment")
    assert list(told.values_list("recipient_id", flat=True)) == [world.resolver.pk]
    assert incident.reference in told.get().title


def test_assigning_to_a_person_tells_that_person_only(world, catalogue) -> None:
    from busbar.conftest import make_user
    from busbar.parties.models import MembershipRole

    second = make_user(world.provider, "second@provider.example", MembershipRole.RESOLVER)
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    Notification.objects.all().delete()
    actions.assign_incident(
        actor=actor_for(world.resolver), incident=incident, provider=world.provider, assignee=second
    )
    told = Notification.objects.filter(kind="assignment")
    assert list(told.values_list("recipient_id", flat=True)) == [second.pk]
    assert "assigned to you" in told.get().title


def test_taking_it_yourself_tells_nobody(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    Notification.objects.all().delete()
    actions.assign_incident(
        actor=actor_for(world.resolver), incident=incident, provider=world.provider, assignee=world.resolver
    )
    assert not Notification.objects.exists()
