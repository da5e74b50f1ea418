"""Every status change through the API: allowed for the right party, refused (403/404/409/422) otherwise."""

import pytest

from busbar.conftest import World
from busbar.incidents import actions
from busbar.incidents.models import Incident, Status
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def post(world: World, user, ref: str, action: str, body: dict | None = None):
    return world.client(user).post(
        f"/api/v1/incidents/{ref}/{action}", body or {}, content_type="application/json"
    )


@pytest.fixture
def incident(world: World, catalogue) -> Incident:
    return raise_for(world, catalogue)


@pytest.fixture
def assigned(world: World, incident: Incident) -> Incident:
    return actions.assign_incident(actor=actor_for(world.analyst), incident=incident)


@pytest.fixture
def resolved(world: World, assigned: Incident) -> Incident:
    return actions.resolve_incident(
        actor=actor_for(world.resolver), incident=assigned, resolution="Restarted"
    )


def status_of(incident: Incident) -> str:
    return Incident.objects.values_list("status", flat=True).get(pk=incident.pk)


def test_triage_by_desk_and_not_by_participant(world: World, incident: Incident) -> None:
    denied = post(world, world.user_a, incident.reference, "triage", {"severity": "2"})
    assert denied.status_code == 403
    response = post(
        world, world.analyst, incident.reference, "triage", {"severity": "2", "is_published": True}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["severity"]["code"] == "2" and body["is_published"] is True
    assert body["sla"]["resolution"]["target"] == "24 hours"


def test_triage_refuses_an_unknown_severity_naming_the_field(world: World, incident: Incident) -> None:
    response = post(world, world.analyst, incident.reference, "triage", {"severity": "9"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "severity"


def test_assign_by_desk_then_provider_picks_a_person(world: World, incident: Incident) -> None:
    assert post(world, world.user_a, incident.reference, "assign").status_code == 403
    response = post(world, world.analyst, incident.reference, "assign", {"provider": world.provider.pk})
    assert response.status_code == 200
    assert response.json()["status"] == Status.ASSIGNED
    assert response.json()["provider"] == {"id": world.provider.pk, "name": "CSS Provider"}
    picked = post(world, world.resolver, incident.reference, "assign", {"assignee": world.resolver.pk})
    assert picked.status_code == 200 and picked.json()["assignee"]["id"] == world.resolver.pk
    # The provider cannot pass it to another organisation.
    moved = post(world, world.resolver, incident.reference, "assign", {"provider": world.org_b.pk})
    assert moved.status_code == 403


def test_assign_to_a_non_provider_is_refused(world: World, incident: Incident) -> None:
    response = post(world, world.analyst, incident.reference, "assign", {"provider": world.org_b.pk})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "provider"


def test_start_by_provider_not_by_participant(world: World, assigned: Incident) -> None:
    assert post(world, world.user_a, assigned.reference, "start").status_code == 403
    response = post(world, world.resolver, assigned.reference, "start", {"note": "Looking now"})
    assert response.status_code == 200 and response.json()["status"] == Status.IN_PROGRESS
    assert [u["body"] for u in response.json()["updates"]] == ["Looking now"]


def test_pend_on_participant_pauses_the_clock(world: World, assigned: Incident) -> None:
    ref = assigned.reference
    assert post(world, world.user_a, ref, "pend", {"awaiting": "participant", "note": "?"}).status_code == 403
    response = post(world, world.resolver, ref, "pend", {"awaiting": "participant", "note": "Send logs"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == Status.PENDING_PARTICIPANT and body["sla_paused"] is True
    assert body["sla"]["resolution"]["status"] == "paused"


def test_pend_on_provider(world: World, assigned: Incident) -> None:
    response = post(world, world.analyst, assigned.reference, "pend", {"awaiting": "provider"})
    assert response.status_code == 200 and response.json()["status"] == Status.PENDING_PROVIDER


def test_pend_needs_its_fields(world: World, assigned: Incident) -> None:
    missing = post(world, world.resolver, assigned.reference, "pend", {})
    assert missing.status_code == 422 and [e["field"] for e in missing.json()["errors"]] == ["awaiting"]
    no_note = post(world, world.resolver, assigned.reference, "pend", {"awaiting": "participant"})
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"


def test_resolve_by_provider_not_by_participant(world: World, assigned: Incident) -> None:
    assert post(world, world.user_a, assigned.reference, "resolve", {"resolution": "x"}).status_code == 403
    response = post(world, world.resolver, assigned.reference, "resolve", {"resolution": "Queue restarted"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == Status.RESOLVED and body["resolution"] == "Queue restarted"
    assert body["sla"]["resolution"]["stopped"] is True and body["sla"]["resolution"]["status"] == "met"


def test_close_by_raiser_not_by_provider_or_other_participant(world: World, resolved: Incident) -> None:
    assert post(world, world.resolver, resolved.reference, "close").status_code == 403
    assert post(world, world.user_b, resolved.reference, "close").status_code == 404
    response = post(world, world.user_a, resolved.reference, "close")
    assert response.status_code == 200 and response.json()["status"] == Status.CLOSED


def test_close_by_desk(world: World, resolved: Incident) -> None:
    response = post(world, world.analyst, resolved.reference, "close")
    assert response.status_code == 200 and response.json()["status"] == Status.CLOSED


def test_reopen_by_raiser_not_by_provider(world: World, resolved: Incident) -> None:
    assert post(world, world.resolver, resolved.reference, "reopen", {"reason": "x"}).status_code == 403
    response = post(world, world.user_a, resolved.reference, "reopen", {"reason": "Still failing"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == Status.IN_PROGRESS and body["resolved_at"] is None
    assert body["sla"]["resolution"]["stopped"] is False


def test_reopen_needs_a_reason(world: World, resolved: Incident) -> None:
    missing = post(world, world.user_a, resolved.reference, "reopen", {})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    blank = post(world, world.user_a, resolved.reference, "reopen", {"reason": "  "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"


def test_cancel_by_raiser_not_by_another_participant_who_sees_it(world: World, incident: Incident) -> None:
    actions.triage_incident(actor=actor_for(world.analyst), incident=incident, is_published=True)
    assert post(world, world.user_b, incident.reference, "cancel", {"reason": "x"}).status_code == 403
    response = post(world, world.user_a, incident.reference, "cancel", {"reason": "Raised in error"})
    assert response.status_code == 200 and response.json()["status"] == Status.CANCELLED
    assert status_of(incident) == Status.CANCELLED


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("triage", {"severity": "2"}),
        ("assign", {}),
        ("start", {}),
        ("pend", {"awaiting": "provider"}),
        ("resolve", {"resolution": "x"}),
        ("close", {}),
        ("reopen", {"reason": "x"}),
        ("cancel", {"reason": "x"}),
    ],
)
def test_every_transition_on_an_invisible_incident_is_404(
    world: World, incident: Incident, action: str, body: dict
) -> None:
    response = post(world, world.user_b, incident.reference, action, body)
    assert response.status_code == 404
    response = post(world, world.resolver, incident.reference, action, body)  # not assigned to it yet
    assert response.status_code == 404
    assert status_of(incident) == Status.NEW


@pytest.mark.parametrize(
    ("action", "body", "allowed"),
    [
        ("start", {}, []),
        ("resolve", {"resolution": "x"}, []),
        ("close", {}, []),
        ("cancel", {"reason": "x"}, []),
    ],
)
def test_every_status_change_from_cancelled_is_409(
    world: World, incident: Incident, action: str, body: dict, allowed: list
) -> None:
    actions.cancel_incident(actor=actor_for(world.user_a), incident=incident, reason="oops")
    response = post(world, world.analyst, incident.reference, action, body)
    assert response.status_code == 409
    problem = response.json()
    assert problem["current_status"] == "cancelled" and problem["allowed_statuses"] == allowed


def test_the_api_records_the_api_channel(world: World, incident: Incident) -> None:
    from busbar.audit.models import AuditEntry

    post(world, world.analyst, incident.reference, "assign")
    assert AuditEntry.objects.filter(action="incident.assign").get().channel == "api"
