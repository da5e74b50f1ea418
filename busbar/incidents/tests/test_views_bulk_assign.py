"""Bulk assign from the desk's list: one action call per ticked incident, one transaction, one summary."""

from __future__ import annotations

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import make_org
from busbar.incidents import actions
from busbar.incidents.models import Status
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.parties.models import IndustryRole

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_desk_assigns_the_ticked_incidents_and_hears_what_failed(world, catalogue) -> None:
    first, second = raise_for(world, catalogue), raise_for(world, catalogue, user=world.user_b)
    cancelled = raise_for(world, catalogue)
    actions.cancel_incident(actor=actor_for(world.analyst), incident=cancelled, reason="Duplicate")
    client = world.client(world.analyst)
    page = client.get("/incidents/?queue=unassigned").content.decode()
    assert f'name="incident" value="{first.pk}"' in page and 'action="/incidents/bulk-assign/"' in page

    response = client.post(
        "/incidents/bulk-assign/",
        {
            "incident": [first.pk, second.pk, cancelled.pk, 999999],
            "provider": world.provider.pk,
            "next": "/incidents/?queue=unassigned",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/incidents/?queue=unassigned", 302)]
    said = messages_of(response)
    assert said[0] == f"Assigned to CSS Provider: {first.reference}, {second.reference}."
    assert said[1].startswith(f"Not assigned: {cancelled.reference} (") and "cancelled" in said[1]
    assert said[2] == "1 incident not found."
    for incident in (first, second):
        incident.refresh_from_db()
        assert incident.provider == world.provider and incident.status == Status.ASSIGNED
    cancelled.refresh_from_db()
    assert cancelled.provider is None and cancelled.status == Status.CANCELLED
    assert AuditEntry.objects.filter(action="incident.assign").count() == 2


def test_only_the_desk_may_bulk_assign(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    data = {"incident": [incident.pk], "provider": world.provider.pk}
    for user in (world.user_a, world.resolver, world.platform_admin):
        assert world.client(user).post("/incidents/bulk-assign/", data).status_code == 403
        assert 'name="incident"' not in world.client(user).get("/incidents/").content.decode()
    assert world.client(None).post("/incidents/bulk-assign/", data).status_code == 302
    assert world.client(world.analyst).get("/incidents/bulk-assign/").status_code == 405
    incident.refresh_from_db()
    assert incident.provider is None


def test_bulk_assign_needs_incidents_and_a_provider(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    client = world.client(world.analyst)
    response = client.post("/incidents/bulk-assign/", {"provider": world.provider.pk}, follow=True)
    assert messages_of(response) == ["Tick the incidents to assign."]
    not_a_provider = make_org("Not a provider", [IndustryRole.ENERGY_SUPPLIER])
    response = client.post(
        "/incidents/bulk-assign/", {"incident": [incident.pk], "provider": not_a_provider.pk}, follow=True
    )
    assert messages_of(response) == ["Choose the provider to assign them to."]
    # An address elsewhere is not followed back.
    response = client.post(
        "/incidents/bulk-assign/", {"incident": [incident.pk], "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/incidents/"
    incident.refresh_from_db()
    assert incident.provider is None
