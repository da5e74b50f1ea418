"""API lists cost a fixed number of queries, however many rows the page holds (3 vs 15 incidents)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.conftest import World
from busbar.incidents import actions
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def _grow(world: World, catalogue, n: int) -> list[Incident]:
    """``n`` incidents of every shape: each severity (1 opens a major), some assigned, paused or resolved."""
    desk = actor_for(world.analyst)
    made = []
    for i in range(n):
        incident = raise_for(world, catalogue, severity=str(i % 4 + 1), affected=[world.org_b])
        if i % 3 == 1:
            incident = actions.assign_incident(actor=desk, incident=incident, assignee=world.resolver)
        if i % 3 == 2:
            incident = actions.set_pending(
                actor=desk, incident=incident, awaiting="participant", note="logs?"
            )
        if i % 5 == 4:
            incident = actions.resolve_incident(actor=desk, incident=incident, resolution="done")
        made.append(incident)
    return made


def _count(world: World, user, path: str) -> int:
    client = world.client(user)
    client.get(path)  # warm the session and per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["analyst", "user_a", "resolver"])
@pytest.mark.parametrize("path", ["/api/v1/incidents", "/api/v1/major-incidents"])
def test_list_query_count_does_not_grow(world: World, catalogue, who: str, path: str) -> None:
    user = getattr(world, who)
    _grow(world, catalogue, 3)
    small = _count(world, user, path)
    _grow(world, catalogue, 12)
    assert _count(world, user, path) == small
    assert small <= 12


def test_sub_lists_query_count_does_not_grow(world: World, catalogue, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident)
    paths = [f"/api/v1/incidents/{incident.reference}/{sub}" for sub in ("updates", "timeline")]
    paths.append(f"/api/v1/incidents/{incident.reference}")

    def add(n: int) -> None:
        for i in range(n):
            actions.add_update(
                actor=actor_for(world.resolver),
                incident=incident,
                body=f"note {i}",
                internal=bool(i % 2),
                attachments=[(f"log{i}.txt", "text/plain", b"log")],
            )

    add(3)
    small = {(p, who): _count(world, getattr(world, who), p) for p in paths for who in ("analyst", "user_a")}
    add(12)
    assert {
        (p, who): _count(world, getattr(world, who), p) for p in paths for who in ("analyst", "user_a")
    } == small
