"""Filtering and ordering the incident list."""

import datetime as dt

import pytest
from django.utils import timezone

from busbar.conftest import World
from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import Actor

pytestmark = pytest.mark.django_db


def refs(world: World, query: str, user=None) -> list[str]:
    response = world.client(user or world.analyst).get(f"/api/v1/incidents?{query}")
    assert response.status_code == 200, response.content
    return [i["reference"] for i in response.json()["items"]]


def test_status_takes_several_values(world: World, catalogue) -> None:
    new = raise_for(world, catalogue)
    assigned = actions.assign_incident(actor=actor_for(world.analyst), incident=raise_for(world, catalogue))
    cancelled = actions.cancel_incident(
        actor=actor_for(world.user_a), incident=raise_for(world, catalogue), reason="x"
    )
    assert refs(world, "status=new") == [new.reference]
    assert set(refs(world, "status=new&status=assigned")) == {new.reference, assigned.reference}
    assert refs(world, "status=cancelled") == [cancelled.reference]
    assert world.client(world.analyst).get("/api/v1/incidents?status=lost").status_code == 422


def test_severity_service_provider_organisation(world: World, catalogue) -> None:
    a2 = raise_for(world, catalogue, severity="2")
    b3 = raise_for(world, catalogue, user=world.user_b, severity="3")
    actions.assign_incident(actor=actor_for(world.analyst), incident=b3)
    assert refs(world, "severity=2") == [a2.reference]
    assert set(refs(world, "service=css")) == {a2.reference, b3.reference}
    assert set(refs(world, f"service={catalogue.service.pk}")) == {a2.reference, b3.reference}
    assert refs(world, "service=other") == []
    assert refs(world, f"provider={world.provider.pk}") == [b3.reference]
    assert refs(world, f"organisation={world.org_a.pk}") == [a2.reference]


def test_filters_never_widen_visibility(world: World, catalogue) -> None:
    raise_for(world, catalogue, user=world.user_b)
    assert refs(world, f"organisation={world.org_b.pk}", user=world.user_a) == []


def test_q_searches_reference_and_text(world: World, catalogue) -> None:
    meters = raise_for(world, catalogue, summary="Meter reads missing")
    switches = raise_for(world, catalogue, summary="Switches failing", description="Gas switches only")
    assert refs(world, "q=meter") == [meters.reference]
    assert refs(world, "q=gas") == [switches.reference]
    assert refs(world, f"q={switches.reference.lower()}") == [switches.reference]


def test_breached_and_breaching_soon(world: World, catalogue) -> None:
    now = timezone.now()
    late = raise_for(
        world, catalogue, severity="2", now=now - dt.timedelta(hours=1)
    )  # response due after 20 min
    actions.raise_sla_notice(
        actor=Actor.system(),
        incident=late,
        clock="response",
        kind="breach",
        crossed_at=now - dt.timedelta(minutes=40),
    )
    soon = raise_for(
        world, catalogue, severity="3", now=now - dt.timedelta(minutes=30)
    )  # response due in 15 min
    calm = raise_for(world, catalogue, severity="4")
    assert refs(world, "breached=true") == [late.reference]
    assert set(refs(world, "breached=false")) == {soon.reference, calm.reference}
    assert refs(world, "breaching_within_minutes=20") == [soon.reference]
    assert world.client(world.analyst).get("/api/v1/incidents?breaching_within_minutes=0").status_code == 422
    item = world.client(world.analyst).get("/api/v1/incidents?breached=true").json()["items"][0]
    assert item["response_breached"] is True and item["response_due_at"] is not None
    assert "sla" not in item  # a list's rows carry the stored due times; the clocks in full are the detail's
    detail = world.client(world.analyst).get(f"/api/v1/incidents/{item['reference']}").json()
    assert (
        detail["sla"]["response"]["status"] == "breached"
        and detail["sla"]["response"]["remaining_seconds"] < 0
    )


def test_major_and_published(world: World, catalogue) -> None:
    major = raise_for(world, catalogue, severity="1")
    published = raise_for(world, catalogue)
    actions.triage_incident(actor=actor_for(world.analyst), incident=published, is_published=True)
    plain = raise_for(world, catalogue)
    assert refs(world, "major=true") == [major.reference]
    assert set(refs(world, "major=false")) == {published.reference, plain.reference}
    assert set(refs(world, "published=true")) == {major.reference, published.reference}
    assert refs(world, "published=false") == [plain.reference]


def test_created_window(world: World, catalogue) -> None:
    old = raise_for(world, catalogue, now=dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC))
    new = raise_for(world, catalogue, now=dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC))
    assert refs(world, "created_after=2026-02-01T00:00:00Z") == [new.reference]
    assert refs(world, "created_before=2026-02-01T00:00:00Z") == [old.reference]


def test_ordering(world: World, catalogue) -> None:
    t = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    first = raise_for(world, catalogue, severity="3", now=t)
    second = raise_for(world, catalogue, severity="1", now=t + dt.timedelta(hours=1))
    third = raise_for(world, catalogue, severity="2", now=t + dt.timedelta(hours=2))
    actions.resolve_incident(actor=actor_for(world.analyst), incident=second, resolution="done")
    assert refs(world, "") == [third.reference, second.reference, first.reference]
    assert refs(world, "ordering=created") == [first.reference, second.reference, third.reference]
    assert refs(world, "ordering=severity") == [second.reference, third.reference, first.reference]
    # Resolution due: sev 2 due at t+26h, sev 3 at t+72h; the resolved one has none and comes last.
    assert refs(world, "ordering=resolution_due") == [third.reference, first.reference, second.reference]
    assert world.client(world.analyst).get("/api/v1/incidents?ordering=summary").status_code == 422


def test_pagination(world: World, catalogue) -> None:
    for _ in range(3):
        raise_for(world, catalogue)
    body = world.client(world.analyst).get("/api/v1/incidents?limit=2&offset=2").json()
    assert body["count"] == 3 and body["limit"] == 2 and body["offset"] == 2 and len(body["items"]) == 1
