"""The incident list pages by cursor (keyset) at any depth, or by offset for shallow pages; every order
walks every visible incident exactly once; bad cursors are a 422 naming the field; the count is exact at
this size."""

import base64
import json

import pytest

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def _walk(client, query: str, limit: int = 3) -> list[str]:
    seen, url = [], f"/api/v1/incidents?{query}&limit={limit}"
    for _ in range(50):
        body = client.get(url).json()
        seen += [i["reference"] for i in body["items"]]
        if not body["has_more"]:
            assert body["next_cursor"] is None and body["next"] is None
            return seen
        url = body["next"]
        assert f"cursor={body['next_cursor']}" in url
    raise AssertionError("did not end")


@pytest.fixture
def made(world, catalogue):
    incidents = [
        raise_for(world, catalogue, severity=code, summary=f"Incident {n}")
        for n, code in enumerate("3423342")
    ]
    desk = actor_for(world.analyst)
    actions.resolve_incident(actor=desk, incident=incidents[1], resolution="Done")  # no resolution due time
    return incidents


@pytest.mark.parametrize("ordering", ["-created", "created", "resolution_due", "severity"])
def test_every_order_walks_every_incident_once(world, made, ordering) -> None:
    client = world.client(world.analyst)
    full = [
        i["reference"] for i in client.get(f"/api/v1/incidents?ordering={ordering}&limit=200").json()["items"]
    ]
    assert len(full) == 7
    assert _walk(client, f"ordering={ordering}") == full
    assert _walk(client, f"ordering={ordering}", limit=1) == full


def test_offset_still_works_and_the_count_is_exact(world, made) -> None:
    body = world.client(world.analyst).get("/api/v1/incidents?limit=2&offset=2").json()
    assert body["count"] == 7 and body["count_is_estimate"] is False and body["offset"] == 2
    assert len(body["items"]) == 2 and body["has_more"] is True


def test_cursor_pages_keep_to_what_the_caller_may_see(world, made, catalogue) -> None:
    raise_for(world, catalogue, user=world.user_b, summary="B's own")
    assert len(_walk(world.client(world.user_a), "status=open")) == 6
    assert _walk(world.client(world.user_b), "status=open") == [
        i.reference for i in type(made[0]).objects.filter(summary="B's own")
    ]


def test_open_is_a_status_filter(world, made) -> None:
    refs = _walk(world.client(world.analyst), "status=open")
    assert made[1].reference not in refs and len(refs) == 6
    both = _walk(world.client(world.analyst), "status=open&status=resolved")
    assert len(both) == 7


def test_bad_cursors_are_named(world, made) -> None:
    client = world.client(world.analyst)

    def forged(values: list) -> str:
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    for cursor in (
        "!!",
        "abc",
        forged([1]),
        forged(["x", "y"]),
        forged([{"t": "nope"}, 1]),
        forged([2**70, 1]),
        forged([True, 1]),
    ):
        response = client.get(f"/api/v1/incidents?cursor={cursor}")
        assert response.status_code == 422, (cursor, response.content)
        assert response.json()["errors"][0]["field"] == "cursor"
    first = client.get("/api/v1/incidents?limit=2").json()
    both = client.get(f"/api/v1/incidents?limit=2&offset=2&cursor={first['next_cursor']}")
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "offset"


def test_pages_cost_the_same_queries_however_many(world, catalogue, django_assert_max_num_queries) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = world.client(world.analyst)
    raise_for(world, catalogue)
    client.get("/api/v1/incidents?limit=50")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/incidents?limit=50")
    for _ in range(8):
        raise_for(world, catalogue)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/api/v1/incidents?limit=50").json()
    assert len(body["items"]) == 9
