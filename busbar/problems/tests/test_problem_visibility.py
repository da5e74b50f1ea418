"""Participants see problems linked to incidents they see, known and published ones; providers their own;
the desk everything. Root cause and owner are for those who work it — on the page and in the API."""

import pytest

from busbar.problems import actions
from busbar.problems.queries import visible_to
from busbar.problems.tests.conftest import actor_for, problem_for, raise_for

pytestmark = pytest.mark.django_db


def _page(world, user, problem):
    return world.client(user).get(f"/problems/{problem.reference}/")


def _api(world, user, problem):
    return world.client(user).get(f"/api/v1/problems/{problem.reference}")


def test_who_sees_a_problem(world, catalogue) -> None:
    mine = raise_for(world, catalogue)
    problem = problem_for(world, catalogue, incidents=(mine,))
    actions.record_root_cause(
        actor=actor_for(world.analyst),
        problem=problem,
        category="capacity",
        root_cause="Worker pool too small",
    )
    for user in (world.analyst, world.ops, world.resolver, world.user_a):
        assert _page(world, user, problem).status_code == 200, user
        assert _api(world, user, problem).status_code == 200, user
    for user in (world.user_b,):
        assert _page(world, user, problem).status_code == 404
        assert _api(world, user, problem).status_code == 404
    assert _page(world, None, problem).status_code == 302
    assert world.client(None).get(f"/api/v1/problems/{problem.reference}").status_code == 401
    # A's participant reads the problem but not its root cause or owner.
    body = _api(world, world.user_a, problem).json()
    assert body["root_cause"] is None and body["owner"] is None and body["root_cause_category"] is None
    assert "Worker pool too small" not in _page(world, world.user_a, problem).content.decode()
    desk = _api(world, world.analyst, problem).json()
    assert desk["root_cause"] == "Worker pool too small" and desk["owner"]["name"] == world.provider.name
    assert "Worker pool too small" in _page(world, world.resolver, problem).content.decode()


def test_known_and_published_problems_reach_every_participant(world, catalogue) -> None:
    problem = problem_for(world, catalogue)
    assert not visible_to(world.user_b).filter(pk=problem.pk).exists()
    actions.mark_known(actor=actor_for(world.analyst), problem=problem, workaround="Use smaller files")
    assert visible_to(world.user_b).filter(pk=problem.pk).exists()
    other = problem_for(world, catalogue, summary="Other")
    actions.set_published(actor=actor_for(world.analyst), problem=other, published=True)
    assert visible_to(world.user_b).filter(pk=other.pk).exists()


def test_lists_and_counts_hold_to_visibility(world, catalogue, django_assert_max_num_queries) -> None:
    mine = raise_for(world, catalogue)
    problem_for(world, catalogue, incidents=(mine,), summary="A's problem")
    problem_for(world, catalogue, summary="Hidden problem")
    listed = world.client(world.user_b).get("/api/v1/problems").json()
    assert listed["count"] == 0
    a = world.client(world.user_a).get("/api/v1/problems").json()
    assert [p["summary"] for p in a["items"]] == ["A's problem"]
    assert world.client(world.analyst).get("/api/v1/problems").json()["count"] == 2
    page = world.client(world.user_b).get("/problems/?queue=all").content.decode()
    assert "Hidden problem" not in page and "A&#x27;s problem" not in page


def test_the_list_costs_a_fixed_number_of_queries(world, catalogue, django_assert_max_num_queries) -> None:
    for n in range(12):
        problem_for(world, catalogue, summary=f"P{n}")
    client = world.client(world.analyst)
    client.get("/problems/")  # warm the session and scope
    with django_assert_max_num_queries(12):
        assert client.get("/problems/?queue=all").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/problems?limit=50").status_code == 200


def test_a_problem_documented_in_a_public_article_stays_private(world, catalogue) -> None:
    from busbar.incidents.tests.conftest import actor_for
    from busbar.knowledge.tests.conftest import article_for
    from busbar.records import actions as record_actions

    problem = problem_for(world, catalogue, summary="Private cause")
    article = article_for(world, catalogue)
    record_actions.link_records(
        actor=actor_for(world.analyst), source=problem, target=article, kind="documented_in"
    )
    assert world.client(world.user_a).get(f"/problems/{problem.reference}/").status_code == 404
    links = world.client(world.user_a).get(f"/api/v1/records/{article.reference}/links").json()
    assert (
        links == []
        and "Private cause"
        not in world.client(world.user_a).get(f"/knowledge/{article.reference}/").content.decode()
    )
