"""The incident pages and API cost a fixed, pinned number of queries for the desk, a participant and a
provider (constant however many incidents there are: ``test_api_query_counts`` and
``test_views_query_counts`` grow the data). The desk queue stays within 9 (9 now, with the saved filters
and the unread count of the inbox bell in the header, one query on every whole page); by token, the API
list costs 4 and the detail 7 for the incident itself. Offering known problems and matching knowledge
articles on an open incident (features of their own, registered by the problems and knowledge apps) adds
one query each to the detail page and to the API detail, and nothing to the lists.

Where the queries go: signing in is the session and one query for the user with their scope and second
factor (a token: one query in all); the queue's tab counts are one conditional aggregate; the conversation
is two queries (entries, then every attachment once); links both ways are one. The incident page adds
the viewer's organisation's canned responses (desk and providers) and one query for the provider
organisations, by which the timeline names a provider's people to participants.
"""

import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db

#: Without the suggesters and other apps' page panels; API rows signed in by session (two queries).
PINNED = {
    ("analyst", "/incidents/"): 9,  # + the viewer's saved filters, + the inbox bell's unread count
    ("analyst", "detail"): 18,  # + canned responses, + provider organisations naming the timeline
    ("analyst", "/api/v1/incidents"): 5,
    ("analyst", "api-detail"): 8,
    ("user_a", "/incidents/"): 8,
    ("user_a", "detail"): 11,  # + provider organisations naming the timeline
    ("user_a", "/api/v1/incidents"): 5,
    ("user_a", "api-detail"): 8,
    ("resolver", "/incidents/"): 9,
    ("resolver", "detail"): 14,  # + canned responses, + provider organisations
    ("resolver", "/api/v1/incidents"): 5,
    ("resolver", "api-detail"): 8,
}


def _count(client, path: str) -> int:
    client.get(path)  # warm the session and per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    return len(ctx.captured_queries)


def _measure(world, catalogue) -> dict:
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
        print("\nMEASURED", counts)
    return counts


def test_counts_are_pinned(world, catalogue, monkeypatch) -> None:
    from busbar.records import registry

    monkeypatch.setattr(registry, "_SUGGESTERS", {})  # the incident's own parts
    monkeypatch.setattr(registry, "_PAGE_PANELS", {})
    assert _measure(world, catalogue) == PINNED


def test_the_suggesters_cost_one_query_each_on_the_detail_only(world, catalogue, monkeypatch) -> None:
    """Two suggesters are registered for incidents, each of which queries the database: two queries more
    in all means exactly one each."""
    from busbar.knowledge import suggest as article_suggest
    from busbar.problems import suggest as problem_suggest
    from busbar.records import registry

    assert registry._SUGGESTERS["incident"] == [problem_suggest.known_problems, article_suggest.articles]
    monkeypatch.setattr(registry, "_PAGE_PANELS", {})  # other apps' panels: their own tests
    expected = {key: n + (2 if key[1] in ("detail", "api-detail") else 0) for key, n in PINNED.items()}
    assert _measure(world, catalogue) == expected


def test_by_token_the_api_list_costs_four_and_the_detail_seven(world, catalogue, monkeypatch) -> None:
    from django.test import Client

    from busbar.conftest import bearer
    from busbar.records import registry

    monkeypatch.setattr(registry, "_SUGGESTERS", {})
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident)
    for who in ("analyst", "user_a", "resolver"):
        made = world.client(getattr(world, who)).post(
            "/api/v1/tokens", {"name": "t"}, content_type="application/json"
        )
        client = Client(headers={"authorization": bearer(made.json()["token"])["HTTP_AUTHORIZATION"]})
        assert _count(client, "/api/v1/incidents") == 4, who  # token, keys, rows, count
        assert _count(client, f"/api/v1/incidents/{incident.reference}") == 7, who


@pytest.mark.parametrize("who", ["analyst", "user_a", "resolver"])
def test_the_queue_stays_within_nine(world, catalogue, who) -> None:
    for _ in range(3):
        actions.assign_incident(actor=actor_for(world.analyst), incident=raise_for(world, catalogue))
    assert _count(world.client(getattr(world, who)), "/incidents/") <= 9
