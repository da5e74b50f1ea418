"""The incident list: scoped to the viewer, with queues per role, filters, search and live filtering."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from busbar.incidents import actions
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import Actor

pytestmark = pytest.mark.django_db


def refs(response) -> set[str]:
    """The incident references listed as rows."""
    import re

    assert response.status_code == 200
    return set(re.findall(r'<th scope="row"><a href="/incidents/(INC\d+)/">', response.content.decode()))


def test_each_party_lists_only_what_it_may_see(world, catalogue) -> None:
    of_a = raise_for(world, catalogue, summary="Alpha's problem")
    of_b = raise_for(world, catalogue, user=world.user_b, summary="Bravo's problem")
    assigned = raise_for(world, catalogue, summary="With the provider")
    actions.assign_incident(actor=actor_for(world.analyst), incident=assigned, provider=world.provider)

    assert refs(world.client(world.user_a).get("/incidents/")) == {of_a.reference, assigned.reference}
    assert refs(world.client(world.user_b).get("/incidents/")) == {of_b.reference}
    assert refs(world.client(world.resolver).get("/incidents/")) == {assigned.reference}  # "our queue"
    everything = {of_a.reference, of_b.reference, assigned.reference}
    assert refs(world.client(world.analyst).get("/incidents/")) == everything
    assert refs(world.client(world.platform_admin).get("/incidents/")) == everything
    # Searching cannot reach beyond the scope either.
    assert refs(world.client(world.user_a).get("/incidents/", {"q": of_b.reference, "queue": "all"})) == set()
    assert world.client(None).get("/incidents/").status_code == 302


def test_published_incidents_are_listed_for_every_participant(world, catalogue) -> None:
    outage = raise_for(world, catalogue, user=world.user_b, summary="CSS gateway outage")
    raise_for(world, catalogue, user=world.user_b, summary="Bravo only")
    actions.triage_incident(actor=actor_for(world.analyst), incident=outage, is_published=True)
    client = world.client(world.user_a)
    assert refs(client.get("/incidents/", {"published": "1"})) == {outage.reference}
    assert refs(client.get("/incidents/", {"queue": "published"})) == {outage.reference}
    assert refs(client.get("/incidents/")) == set()  # "our incidents" is A's own
    # ... and those naming A as affected.
    affecting = raise_for(
        world,
        catalogue,
        user=world.analyst,
        organisation=world.org_b,
        summary="Affects Alpha",
        affected=[world.org_a],
    )
    assert refs(client.get("/incidents/")) == {affecting.reference}
    page = client.get("/incidents/", {"published": "1"}).content.decode()
    assert "Service-affecting" in page and ">Provider<" not in page  # no provider column for participants


def test_desk_queues(world, catalogue) -> None:
    desk = Actor(user=world.analyst)
    fresh = raise_for(world, catalogue, summary="Fresh: response due within the hour")
    routed = raise_for(world, catalogue, summary="Routed, resolution due in days")
    actions.assign_incident(actor=desk, incident=routed, provider=world.provider)
    late = raise_for(world, catalogue, summary="Late", now=timezone.now() - dt.timedelta(days=4))
    actions.assign_incident(actor=desk, incident=late, provider=world.provider)
    actions.raise_sla_notice(
        actor=Actor.system(),
        incident=late,
        clock="resolution",
        kind="breach",
        crossed_at=timezone.now() - dt.timedelta(days=1),
    )
    done = raise_for(world, catalogue, summary="Done")
    actions.cancel_incident(actor=desk, incident=done, reason="Duplicate")

    client = world.client(world.analyst)
    assert refs(client.get("/incidents/")) == {fresh.reference, routed.reference, late.reference}
    assert refs(client.get("/incidents/", {"queue": "unassigned"})) == {fresh.reference}
    assert refs(client.get("/incidents/", {"queue": "soon"})) == {fresh.reference}
    assert refs(client.get("/incidents/", {"queue": "breached"})) == {late.reference}
    assert done.reference in refs(client.get("/incidents/", {"queue": "all"}))
    page = client.get("/incidents/").content.decode()
    assert 'aria-current="page">All open <span class="badge">3</span>' in page
    assert (
        'Unassigned <span class="badge">1</span>' in page and 'Breached <span class="badge">1</span>' in page
    )
    assert '<span class="badge bad">Breached</span>' in page  # the row's SLA cell

    by_provider = client.get("/incidents/", {"queue": "providers"}).content.decode()
    assert f'<a href="?queue=open&amp;provider={world.provider.pk}">CSS Provider</a>' in by_provider
    assert "<td>2</td>" in by_provider and '<a href="?queue=unassigned">Not yet assigned</a>' in by_provider
    # Queues are for the desk's roles; a participant asking for one gets their own default.
    assert refs(world.client(world.user_a).get("/incidents/", {"queue": "unassigned"})) == {
        fresh.reference,
        routed.reference,
        late.reference,
        done.reference,
    }


def test_filters_and_search(world, catalogue) -> None:
    gateway = raise_for(world, catalogue, summary="Gateway timeouts", severity="2")
    billing = raise_for(world, catalogue, summary="Registration mismatch", description="The gateway is fine")
    actions.assign_incident(actor=actor_for(world.analyst), incident=billing, provider=world.provider)
    client = world.client(world.analyst)

    assert refs(client.get("/incidents/", {"q": gateway.reference})) == {gateway.reference}
    assert refs(client.get("/incidents/", {"q": gateway.reference.lower()})) == {gateway.reference}
    assert refs(client.get("/incidents/", {"q": "timeouts"})) == {gateway.reference}
    assert refs(client.get("/incidents/", {"q": "gateway"})) == {gateway.reference, billing.reference}
    assert refs(client.get("/incidents/", {"severity": catalogue.severities["2"].pk})) == {gateway.reference}
    assert refs(client.get("/incidents/", {"status": "assigned"})) == {billing.reference}
    assert refs(client.get("/incidents/", {"provider": world.provider.pk})) == {billing.reference}
    assert refs(client.get("/incidents/", {"service": catalogue.service.pk})) == {
        gateway.reference,
        billing.reference,
    }
    # Nonsense values are ignored rather than failing.
    assert refs(client.get("/incidents/", {"severity": "x", "status": "bogus", "page": "z"})) == {
        gateway.reference,
        billing.reference,
    }


def test_live_filtering_returns_only_the_rows(world, catalogue) -> None:
    incident = raise_for(world, catalogue, summary="Gateway timeouts")
    client = world.client(world.analyst)
    page = client.get("/incidents/").content.decode()
    assert 'hx-get="/incidents/"' in page and 'hx-target="#rows"' in page and '<form method="get"' in page
    partial = client.get("/incidents/", {"q": "gateway"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="rows")
    text = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in text and incident.reference in text
    # The pager and bulk form keep the filters, so the same works without JavaScript.
    assert 'name="next" value="/incidents/?q=gateway"' in text


def test_paginated(world, catalogue, monkeypatch) -> None:
    from busbar.incidents import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [raise_for(world, catalogue, summary=f"Outage {n}") for n in range(3)]
    client = world.client(world.user_a)
    first = client.get("/incidents/", {"q": "outage"})
    assert len(refs(first)) == 2 and "Page 1 of 2 · 3 in all" in first.content.decode()
    assert "q=outage" in first.content.decode().split('rel="next"')[0].rsplit("href=", 1)[1]
    second = client.get("/incidents/", {"q": "outage", "page": 2})
    assert refs(first) | refs(second) == {i.reference for i in made}
    assert Incident.objects.count() == 3
