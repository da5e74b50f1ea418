"""The problem pages for each persona: list, record, detail, action forms; allowed and denied."""

import pytest

from busbar.problems.models import Problem, Status
from busbar.problems.tests.conftest import problem_for, raise_for

pytestmark = pytest.mark.django_db


def test_the_desk_records_a_problem_from_three_incidents(world, catalogue) -> None:
    incidents = [raise_for(world, catalogue) for _ in range(3)]
    client = world.client(world.analyst)
    assert client.get("/problems/new/").status_code == 200
    response = client.post(
        "/problems/new/",
        {
            "service": catalogue.service.pk,
            "summary": "Uploads time out",
            "description": "Over 500 rows",
            "incidents": ", ".join(i.reference for i in incidents),
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/problems/{problem.reference}/"
    page = client.get(response["Location"]).content.decode()
    assert all(i.reference in page for i in incidents)
    known = client.post(f"/problems/{problem.reference}/known/", {"known-workaround": "Smaller files"})
    assert known.status_code == 302
    problem.refresh_from_db()
    assert problem.status == Status.KNOWN_PROBLEM
    close = client.post(f"/problems/{problem.reference}/close/", {})
    assert close.status_code in (409, 422) and Problem.objects.get().status == Status.KNOWN_PROBLEM
    assert (
        client.post(
            f"/problems/{problem.reference}/fix/", {"fix-fix": "Chunks", "fix-implemented": "on"}
        ).status_code
        == 302
    )
    assert client.post(f"/problems/{problem.reference}/resolve/", {}).status_code == 302
    assert client.post(f"/problems/{problem.reference}/close/", {}).status_code == 302
    assert Problem.objects.get().status == Status.CLOSED


def test_participants_cannot_record_or_act(world, catalogue) -> None:
    mine = raise_for(world, catalogue)
    problem = problem_for(world, catalogue, incidents=(mine,))
    client = world.client(world.user_a)
    assert client.get("/problems/new/").status_code == 403
    assert (
        client.post(
            "/problems/new/", {"service": catalogue.service.pk, "summary": "s", "description": "d"}
        ).status_code
        == 403
    )
    page = client.get(f"/problems/{problem.reference}/").content.decode()
    assert "Save workaround" not in page and "Watch" in page
    refused = client.post(f"/problems/{problem.reference}/known/", {"known-workaround": "w"})
    assert refused.status_code == 403 and not Problem.objects.get().is_known
    assert (
        world.client(world.user_b)
        .post(f"/problems/{problem.reference}/known/", {"known-workaround": "w"})
        .status_code
        == 404
    )
    assert client.post(f"/problems/{problem.reference}/nonsense/", {}).status_code == 404
    # A form's address opened with GET (a reload after a refusal) leads to the page showing the form.
    again = client.get(f"/problems/{problem.reference}/known/")
    assert again.status_code == 302 and again["Location"] == f"/problems/{problem.reference}/#do-known"


def test_the_list_for_each_persona(world, catalogue) -> None:
    problem_for(world, catalogue, summary="Gateway errors")
    assert "Gateway errors" in world.client(world.analyst).get("/problems/").content.decode()
    assert "Gateway errors" in world.client(world.resolver).get("/problems/?queue=ours").content.decode()
    assert "Gateway errors" not in world.client(world.user_a).get("/problems/?queue=all").content.decode()
    assert "Record a problem" not in world.client(world.user_a).get("/problems/").content.decode()
    assert world.client(None).get("/problems/").status_code == 302
