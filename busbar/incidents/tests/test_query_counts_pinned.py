"""The incident list and detail cost exactly as many queries as before incidents moved onto the record
kernel (pinned here), for the desk, a participant and a provider, on the pages and in the API. Offering
known problems and matching knowledge articles on an open incident (features of their own, registered by
the problems and knowledge apps) adds one query each to the detail page and to the API detail, and
nothing to the lists."""

import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db

#: Measured on the last commit before the kernel (f9024d6) with this same scenario.
PINNED = {
    ("analyst", "/incidents/"): 15,
    ("analyst", "detail"): 20,
    ("analyst", "/api/v1/incidents"): 7,
    ("analyst", "api-detail"): 12,
    ("user_a", "/incidents/"): 10,
    ("user_a", "detail"): 12,
    ("user_a", "/api/v1/incidents"): 6,
    ("user_a", "api-detail"): 11,
    ("resolver", "/incidents/"): 10,
    ("resolver", "detail"): 15,
    ("resolver", "/api/v1/incidents"): 6,
    ("resolver", "api-detail"): 11,
}


def _count(client, path: str) -> int:  # noqa: ANN001
    client.get(path)  # warm the session and per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    return len(ctx.captured_queries)


def _measure(world, catalogue) -> dict:  # noqa: ANN001
    desk = actor_for(world.analyst)
    made = []
    for i in range(6):
        incident = raise_for(world, catalogue, summary=f"Incident {i}")
        actions.assign_incident(actor=desk, incident=incident)
        actions.add_update(
            actor=actor_for(world.resolver), incident=incident, body="Looking", internal=i % 2 == 0
        )
        made.append(incident)
    actions.link_incidents(actor=desk, source=made[1], target=made[0], kind="duplicate_of")
    target = made[1].reference
    counts = {}
    for who, where in PINNED:
        path = {"detail": f"/incidents/{target}/", "api-detail": f"/api/v1/incidents/{target}"}.get(
            where, where
        )
        counts[(who, where)] = _count(world.client(getattr(world, who)), path)
    if os.environ.get("BUSBAR_PRINT_QUERY_COUNTS"):
        print("\nMEASURED", counts)  # noqa: T201 - how PINNED was filled in
    return counts


def test_counts_are_those_of_before_the_kernel(world, catalogue, monkeypatch) -> None:  # noqa: ANN001
    from busbar.records import registry

    monkeypatch.setattr(registry, "_SUGGESTERS", {})  # the kernel move alone
    monkeypatch.setattr(registry, "_PAGE_PANELS", {})
    assert _measure(world, catalogue) == PINNED


def test_the_suggesters_cost_one_query_each_on_the_detail_only(world, catalogue, monkeypatch) -> None:  # noqa: ANN001
    """Two suggesters are registered for incidents, each of which queries the database: two queries more
    in all means exactly one each."""
    from busbar.knowledge import suggest as article_suggest
    from busbar.problems import suggest as problem_suggest
    from busbar.records import registry

    assert registry._SUGGESTERS["incident"] == [problem_suggest.known_problems, article_suggest.articles]
    monkeypatch.setattr(registry, "_PAGE_PANELS", {})  # other apps' panels: their own tests
    expected = {key: n + (2 if key[1] in ("detail", "api-detail") else 0) for key, n in PINNED.items()}
    assert _measure(world, catalogue) == expected
