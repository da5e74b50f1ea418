"""The API shows no more than the incident page: timeline, parties, update authors, review and bulletins.

``published`` is raised by A and published to every participant, so B sees it without taking part in it.
"""

import pytest

from busbar.conftest import World
from busbar.incidents import actions, queries
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world: World, catalogue) -> Incident:
    incident = raise_for(world, catalogue, summary="A published")
    desk = actor_for(world.analyst)
    actions.triage_incident(actor=desk, incident=incident, is_published=True)
    actions.assign_incident(actor=desk, incident=incident, assignee=world.resolver)
    actions.add_update(actor=actor_for(world.user_a), incident=incident, body="Still failing at 10:00")
    actions.add_update(actor=actor_for(world.resolver), incident=incident, body="secret", internal=True)
    return incident


def _get(world: World, user, path: str):
    return world.client(user).get(f"/api/v1{path}")


def test_timeline_is_only_for_those_who_raised_or_work_it(world: World, published: Incident) -> None:
    path = f"/incidents/{published.reference}/timeline"
    # B sees the published incident itself, but not its history.
    assert _get(world, world.user_b, f"/incidents/{published.reference}").status_code == 200
    assert _get(world, world.user_b, path).status_code == 404
    for user in (world.user_a, world.analyst, world.resolver):
        assert _get(world, user, path).status_code == 200


def test_timeline_redaction_matches_the_web(world: World, catalogue, published: Incident) -> None:
    hidden = raise_for(world, catalogue, user=world.user_b)
    actions.link_incidents(actor=actor_for(world.analyst), source=published, target=hidden, kind="related_to")
    items = _get(world, world.user_a, f"/incidents/{published.reference}/timeline").json()["items"]
    seen = [e["action"] for e in items]
    assert "incident.note" not in seen and "incident.link" not in seen  # B's incident is not A's to see
    assert all(not ({"assignee", "cause"} & set(e["changes"])) for e in items)
    assert seen == [e.action for e in queries.timeline_visible_to(world.user_a, published)]
    desk = [
        e["action"]
        for e in _get(world, world.analyst, f"/incidents/{published.reference}/timeline").json()["items"]
    ]
    assert "incident.note" in desk and "incident.link" in desk


def test_parties_are_null_for_those_who_may_not_see_them(world: World, published: Incident) -> None:
    ref = published.reference
    b = _get(world, world.user_b, f"/incidents/{ref}").json()
    # Everyone who sees it sees the provider organisation; the person only those who work it.
    assert b["organisation"] is None and b["provider"]["id"] == world.provider.pk and b["assignee"] is None
    a = _get(world, world.user_a, f"/incidents/{ref}").json()
    assert a["organisation"]["id"] == world.org_a.pk and a["provider"]["id"] == world.provider.pk
    assert a["assignee"] is None
    desk = _get(world, world.analyst, f"/incidents/{ref}").json()
    assert desk["organisation"]["id"] == world.org_a.pk and desk["provider"]["id"] == world.provider.pk
    listed = {i["reference"]: i for i in _get(world, world.user_b, "/incidents").json()["items"]}
    assert listed[ref]["organisation"] is None and listed[ref]["provider"]["id"] == world.provider.pk


def test_a_participants_update_is_anonymous_to_non_followers(world: World, published: Incident) -> None:
    ref = published.reference
    for body in (
        _get(world, world.user_b, f"/incidents/{ref}/updates").json()["items"],
        _get(world, world.user_b, f"/incidents/{ref}").json()["updates"],
    ):
        assert [(u["author_label"], u["author_organisation"]) for u in body] == [("Participant", None)]
    own = _get(world, world.user_a, f"/incidents/{ref}/updates").json()["items"]
    assert own[0]["author_label"] == world.user_a.display_name
    assert own[0]["author_organisation"]["id"] == world.org_a.pk


def test_review_and_bulletin_details_are_internal(world: World, published: Incident) -> None:
    desk = actor_for(world.analyst)
    major = actions.declare_major_incident(actor=desk, incident=published)
    actions.send_communication(actor=desk, major=major, subject="Degraded", body="Restarting")
    actions.resolve_incident(actor=desk, incident=published, resolution="Restarted")
    actions.record_review(actor=desk, major=major, cause="Disk full", actions="Alerting", lessons="Watch it")
    for user in (world.user_a, world.user_b):
        detail = _get(world, user, f"/major-incidents/{major.pk}").json()
        assert detail["review"] is None
        assert [(c["sent_by"], c["recipient_count"]) for c in detail["communications"]] == [(None, None)]
        assert detail["communications"][0]["subject"] == "Degraded"
        assert [m["review"] for m in _get(world, user, "/major-incidents").json()["items"]] == [None]
    for user in (world.analyst, world.resolver):
        detail = _get(world, user, f"/major-incidents/{major.pk}").json()
        assert detail["review"]["cause"] == "Disk full"
        assert detail["communications"][0]["sent_by"]["id"] == world.analyst.pk
        assert detail["communications"][0]["recipient_count"] >= 1
