"""The problems API: allowed and denied per persona, bad input named, nothing half-written."""

import pytest

from busbar.problems.models import Problem
from busbar.problems.tests.conftest import problem_for, raise_for

pytestmark = pytest.mark.django_db


def _post(world, user, path, body):
    return world.client(user).post(f"/api/v1{path}", body, content_type="application/json")


def test_the_desk_records_and_works_a_problem(world, catalogue) -> None:
    incidents = [raise_for(world, catalogue) for _ in range(3)]
    created = _post(
        world,
        world.analyst,
        "/problems",
        {
            "service": catalogue.service.pk,
            "summary": "Uploads time out",
            "description": "Over 500 rows",
            "incidents": [i.reference.lower() for i in incidents],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    ref = body["reference"]
    assert body["status"] == "new" and len([x for x in body["links"] if x["type"] == "incident"]) == 3
    assert "known" in body["allowed_actions"] and "close" not in body["allowed_actions"]
    known = _post(world, world.analyst, f"/problems/{ref}/known", {"workaround": "Smaller files"})
    assert known.status_code == 200 and known.json()["status"] == "known_problem"
    early = _post(world, world.analyst, f"/problems/{ref}/close", {})
    assert early.status_code == 409 and early.json()["current_status"] == "known_problem"
    assert _post(world, world.analyst, f"/problems/{ref}/resolve", {}).status_code == 409
    fixed = _post(world, world.resolver, f"/problems/{ref}/fix", {"fix": "Chunking", "implemented": True})
    assert fixed.status_code == 200 and fixed.json()["fix_implemented_at"]
    assert (
        _post(world, world.resolver, f"/problems/{ref}/resolve", {"note": "Live"}).json()["status"]
        == "resolved"
    )
    assert _post(world, world.resolver, f"/problems/{ref}/close", {}).status_code == 403
    assert _post(world, world.analyst, f"/problems/{ref}/close", {}).json()["status"] == "closed"


def test_participants_read_but_do_not_act(world, catalogue) -> None:
    mine = raise_for(world, catalogue)
    problem = problem_for(world, catalogue, incidents=(mine,))
    ref = problem.reference
    assert (
        _post(
            world,
            world.user_a,
            "/problems",
            {"service": catalogue.service.pk, "summary": "s", "description": "d"},
        ).status_code
        == 403
    )
    assert _post(world, world.user_a, f"/problems/{ref}/known", {"workaround": "w"}).status_code == 403
    assert _post(world, world.user_a, f"/problems/{ref}/updates", {"body": "hi"}).status_code == 403
    assert _post(world, world.user_b, f"/problems/{ref}/known", {"workaround": "w"}).status_code == 404
    assert world.client(world.user_a).get(f"/api/v1/problems/{ref}").json()["allowed_actions"] == []


def test_internal_notes_stay_with_those_who_work_it(world, catalogue) -> None:
    mine = raise_for(world, catalogue)
    ref = problem_for(world, catalogue, incidents=(mine,)).reference
    assert (
        _post(
            world, world.resolver, f"/problems/{ref}/updates", {"body": "vendor ticket 123", "internal": True}
        ).status_code
        == 201
    )
    assert (
        _post(world, world.resolver, f"/problems/{ref}/updates", {"body": "Fix next week"}).status_code == 201
    )
    seen_a = [
        u["body"] for u in world.client(world.user_a).get(f"/api/v1/problems/{ref}/updates").json()["items"]
    ]
    seen_desk = [
        u["body"] for u in world.client(world.analyst).get(f"/api/v1/problems/{ref}/updates").json()["items"]
    ]
    assert seen_a == ["Fix next week"] and seen_desk == ["vendor ticket 123", "Fix next week"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"service": 999999, "summary": "s", "description": "d"}, "service"),
        ({"service": "x", "summary": "s", "description": "d"}, "service"),
        ({"summary": "s", "description": "d"}, "service"),
        ({"service": 1, "summary": "s" * 201, "description": "d"}, "summary"),
        ({"service": 1, "summary": "s", "description": "d", "sumary": "typo"}, "sumary"),
        ({"service": 1, "summary": "s", "description": "d", "incidents": ["INC9999999"]}, "incidents[0]"),
        ({"service": 1, "summary": "s", "description": "d", "incidents": ["x"] * 101}, "incidents"),
        ({"service": 1, "summary": "s", "description": "d", "owner": 999999}, "owner"),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(world, catalogue, body, field) -> None:
    if body.get("service") == 1:
        body = {**body, "service": catalogue.service.pk}
    response = _post(world, world.analyst, "/problems", body)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]] or field in response.json()["detail"]
    assert not Problem.objects.exists()


def test_filters(world, catalogue) -> None:
    from busbar.problems import actions
    from busbar.problems.tests.conftest import actor_for

    a = problem_for(world, catalogue, summary="Uploads")
    problem_for(world, catalogue, summary="Gateway")
    actions.mark_known(actor=actor_for(world.analyst), problem=a, workaround="w")
    client = world.client(world.analyst)
    assert [p["reference"] for p in client.get("/api/v1/problems?known=true").json()["items"]] == [
        a.reference
    ]
    assert client.get("/api/v1/problems?q=gateway").json()["count"] == 1
    assert client.get(f"/api/v1/problems?q={a.reference.lower()}").json()["count"] == 1
    assert client.get("/api/v1/problems?status=known_problem").json()["count"] == 1
    assert client.get("/api/v1/problems?status=bogus").status_code == 422
    assert client.get("/api/v1/problems?service=0").status_code == 422
