"""Raising an incident on a service with an open known problem shows it at once, with its workaround —
on the raise form (HTMX fragment, and without JavaScript once posted), on the incident page and in the
API reply — and the desk links the incident to it in one step."""

import pytest

from busbar.problems import actions
from busbar.problems.tests.conftest import actor_for, problem_for, raise_for
from busbar.records.models import Link

pytestmark = pytest.mark.django_db

WORKAROUND = "Split files into 400 rows or fewer."


@pytest.fixture
def known(world, catalogue):
    problem = problem_for(world, catalogue, summary="Bulk uploads time out")
    actions.mark_known(actor=actor_for(world.analyst), problem=problem, workaround=WORKAROUND)
    return problem


def test_the_raise_form_offers_it_as_the_service_is_chosen(world, catalogue, known) -> None:
    client = world.client(world.user_b)
    fragment = client.get(
        f"/records/suggestions/?for=incident&service={catalogue.service.pk}"
    ).content.decode()
    assert known.reference in fragment and WORKAROUND in fragment and "This looks like" in fragment
    assert "Link " not in fragment  # nothing to link while raising
    assert client.get("/records/suggestions/?for=incident&service=99999").content.decode().strip() == ""
    assert client.get("/records/suggestions/?for=nothing&service=1").status_code == 200
    form = client.get("/incidents/new/").content.decode()
    assert 'hx-get="/records/suggestions/?for=incident"' in form


def test_without_javascript_a_refused_post_shows_it(world, catalogue, known) -> None:
    response = world.client(world.user_a).post(
        "/incidents/new/",
        {"service": catalogue.service.pk, "summary": "", "description": "x", "impact": "single"},
    )
    assert response.status_code == 422 and WORKAROUND in response.content.decode()


def test_the_incident_page_and_api_show_it_and_the_desk_links_in_one_step(world, catalogue, known) -> None:
    incident = raise_for(world, catalogue)
    page = world.client(world.user_a).get(f"/incidents/{incident.reference}/").content.decode()
    assert WORKAROUND in page and f"Link {incident.reference} to {known.reference}" not in page
    body = world.client(world.user_a).get(f"/api/v1/incidents/{incident.reference}").json()
    assert [(k["reference"], k["detail"]) for k in body["known_problems"]] == [(known.reference, WORKAROUND)]
    desk = world.client(world.analyst)
    assert (
        f"Link {incident.reference} to {known.reference}"
        in desk.get(f"/incidents/{incident.reference}/").content.decode()
    )
    # A participant cannot link it.
    refused = world.client(world.user_a).post(
        f"/problems/{known.reference}/link-incident/", {"incident": incident.reference}
    )
    assert refused.status_code == 302 and not Link.objects.filter(source=incident.record).exists()
    done = desk.post(
        f"/problems/{known.reference}/link-incident/",
        {"incident": incident.reference, "next": f"/incidents/{incident.reference}/"},
    )
    assert done.status_code == 302 and done["Location"] == f"/incidents/{incident.reference}/"
    assert Link.objects.filter(source=incident.record, target=known.record, kind="caused_by").exists()
    # Linked now: no longer offered, and the incident lists the problem.
    after = desk.get(f"/incidents/{incident.reference}/").content.decode()
    assert (
        "This may be a known problem" not in after
        and f'Caused by <a href="/problems/{known.reference}/">' in after
    )


def test_a_raise_through_the_api_answers_with_it(world, catalogue, known) -> None:
    response = world.client(world.user_a).post(
        "/api/v1/incidents",
        {"service": catalogue.service.pk, "summary": "Upload failed", "description": "Timed out"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["known_problems"][0]["reference"] == known.reference


def test_resolved_problems_are_no_longer_offered(world, catalogue, known) -> None:
    desk = actor_for(world.analyst)
    actions.record_fix(actor=desk, problem=known, fix="done", implemented=True)
    actions.resolve_problem(actor=desk, problem=known)
    fragment = world.client(world.user_a).get(
        f"/records/suggestions/?for=incident&service={catalogue.service.pk}"
    )
    assert known.reference not in fragment.content.decode()
