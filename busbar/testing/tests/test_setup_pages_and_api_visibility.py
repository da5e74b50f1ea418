"""Every set-up page and endpoint, read by a participant (Alpha), another participant (Bravo), the SI, an
assurer and the desk (all see the set-up); an outsider gets a 404; only the SI is offered, and may use,
the forms and writes (403 for the others, nothing written)."""

from __future__ import annotations

import json

import pytest

from busbar.testing.models import Cohort, Environment
from busbar.testing.tabs import phase_tabs

pytestmark = pytest.mark.django_db

READERS = ["user_a", "user_b", "si", "assurer", "analyst"]


def _user(prog, who):
    return getattr(prog, who, None) or getattr(prog.world, who)


def _client(prog, who):
    return prog.world.client(_user(prog, who))


def _pages(prog):
    p = prog.programme.code
    ph = prog.phase.code
    return [
        "/testing/",
        f"/testing/{p}/",
        f"/testing/{p}/requirements/",
        f"/testing/{p}/{ph}/",
        f"/testing/{p}/{ph}/participants/",
        f"/testing/{p}/{ph}/scenarios/",
        f"/testing/{p}/{ph}/scenarios/{prog.scenarios[0].code}/",
    ]


@pytest.mark.parametrize("who", READERS)
def test_every_visible_party_reads_every_set_up_page(prog, who):
    client = _client(prog, who)
    for url in _pages(prog):
        response = client.get(url)
        assert response.status_code == 200, (who, url, response.status_code)
    body = client.get(f"/testing/{prog.programme.code}/{prog.phase.code}/participants/").content.decode()
    assert "Alpha" in body and "Bravo" in body and "Cohort 1" in body
    forms_offered = "?form=cohort" in body
    assert forms_offered == (who == "si"), who


def test_an_outsider_sees_no_programme(prog):
    client = _client(prog, "resolver")
    assert "MHHS" not in client.get("/testing/").content.decode()
    for url in _pages(prog)[1:]:
        assert client.get(url).status_code == 404, url
    for url in (
        f"/api/v1/testing/programmes/{prog.programme.code}",
        f"/api/v1/testing/phases/{prog.phase.pk}",
        f"/api/v1/testing/phases/{prog.phase.pk}/cohorts",
        f"/api/v1/testing/participations/{prog.part_a.pk}",
        f"/api/v1/testing/scenarios/{prog.scenarios[0].pk}",
        f"/api/v1/testing/scenarios/{prog.scenarios[0].pk}/versions",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/testing/programmes").json()["count"] == 0


def test_home_shows_each_programme_with_its_phases_and_your_role(prog):
    body = _client(prog, "user_a").get("/testing/").content.decode()
    assert "SIT Functional" in body and "Participant (Supplier) in SIT Functional" in body
    assert "Systems integrator" in _client(prog, "si").get("/testing/").content.decode()
    assert "Service desk (read-only)" in _client(prog, "analyst").get("/testing/").content.decode()


@pytest.mark.parametrize("who", ["user_a", "user_b", "assurer", "analyst"])
def test_only_the_si_may_post_the_set_up_forms(prog, who):
    client = _client(prog, who)
    base = f"/testing/{prog.programme.code}/{prog.phase.code}"
    response = client.post(
        f"{base}/participants/?form=cohort", {"cohort-name": "Cohort 9", "cohort-order": 2}
    )
    assert response.status_code == 403
    response = client.post(f"/testing/{prog.programme.code}/?form=environment", {"environment-name": "X"})
    assert response.status_code == 403
    assert not Cohort.objects.filter(name="Cohort 9").exists()
    assert not Environment.objects.filter(name="X").exists()
    api = client.post(
        f"/api/v1/testing/phases/{prog.phase.pk}/cohorts",
        data=json.dumps({"name": "Cohort 9"}),
        content_type="application/json",
    )
    assert api.status_code == 403
    assert not Cohort.objects.filter(name="Cohort 9").exists()


def test_the_si_posts_a_form_and_is_sent_back_to_the_page(prog):
    client = _client(prog, "si")
    base = f"/testing/{prog.programme.code}/{prog.phase.code}"
    response = client.post(
        f"{base}/participants/?form=cohort", {"cohort-name": "Cohort 2", "cohort-order": 2}
    )
    assert response.status_code == 302 and response["Location"] == f"{base}/participants/"
    assert Cohort.objects.filter(phase=prog.phase, name="Cohort 2").exists()
    again = client.post(f"{base}/participants/?form=cohort", {"cohort-name": "Cohort 2", "cohort-order": 2})
    assert again.status_code == 409 and "already has a cohort" in again.content.decode()
    bad = client.post(f"{base}/participants/?form=cohort", {"cohort-name": "", "cohort-order": 2})
    assert bad.status_code == 422


@pytest.mark.parametrize("who", READERS)
def test_every_visible_party_reads_the_set_up_api(prog, who):
    client = _client(prog, who)
    code, phase = prog.programme.code, prog.phase.pk
    for url in (
        "/api/v1/testing/programmes",
        f"/api/v1/testing/programmes/{code}",
        f"/api/v1/testing/programmes/{code}/phases",
        f"/api/v1/testing/phases/{phase}",
        f"/api/v1/testing/phases/{phase}/cohorts",
        f"/api/v1/testing/phases/{phase}/participations",
        f"/api/v1/testing/participations/{prog.part_b.pk}",
        f"/api/v1/testing/phases/{phase}/pairings",
        f"/api/v1/testing/programmes/{code}/requirements",
        f"/api/v1/testing/phases/{phase}/scenarios",
        f"/api/v1/testing/scenarios/{prog.scenarios[0].pk}",
        f"/api/v1/testing/scenarios/{prog.scenarios[0].pk}/versions",
        f"/api/v1/testing/scenarios/{prog.scenarios[0].pk}/versions/1",
    ):
        response = client.get(url)
        assert response.status_code == 200, (who, url, response.content[:300])
    detail = client.get(f"/api/v1/testing/phases/{phase}").json()
    assert detail["cohorts"][0]["name"] == "Cohort 1"
    assert ("manage" in detail["allowed_actions"]) == (who == "si")
    assert client.get(f"/api/v1/testing/phases/{phase}/participations").json()["count"] == 3


def test_the_api_refuses_what_it_does_not_bound(prog):
    client = _client(prog, "si")
    url = f"/api/v1/testing/phases/{prog.phase.pk}/cohorts"
    assert (
        client.post(url, data=json.dumps({"name": "x" * 81}), content_type="application/json").status_code
        == 422
    )
    assert (
        client.post(
            url, data=json.dumps({"name": "C", "bogus": 1}), content_type="application/json"
        ).status_code
        == 422
    )
    assert client.get("/api/v1/testing/phases/99999999999999999999").status_code == 422
    assert client.get("/api/v1/testing/programmes/no-such").status_code == 404


def test_list_pages_read_in_a_bounded_number_of_queries(prog, django_assert_max_num_queries):
    client = _client(prog, "si")
    base = f"/testing/{prog.programme.code}/{prog.phase.code}"
    client.get("/testing/")  # warm the session
    for url, most in (
        ("/testing/", 10),
        (f"{base}/", 18),
        (f"{base}/participants/", 28),
        (f"{base}/scenarios/", 18),
        (f"/testing/{prog.programme.code}/requirements/", 10),
    ):
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


def test_the_participants_page_reads_as_many_queries_whatever_its_size(prog):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from busbar.conftest import make_org
    from busbar.parties.models import IndustryRole
    from busbar.testing.actions import setup as actions
    from busbar.testing.tests.setup_fixtures import si

    client = _client(prog, "si")
    url = f"/testing/{prog.programme.code}/{prog.phase.code}/participants/"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    cohort = actions.create_cohort(actor=si(prog), phase=prog.phase, name="Cohort 2")
    for n in range(4):
        supplier = actions.add_participation(
            actor=si(prog),
            phase=prog.phase,
            organisation=make_org(f"Supplier {n}", [IndustryRole.ENERGY_SUPPLIER]),
            role=prog.supplier_role,
            cohort=cohort,
        )
        actions.pair(actor=si(prog), phase=prog.phase, supplier=supplier, agent=prog.part_agent)
    with CaptureQueriesContext(connection) as after:
        assert "Supplier 3" in client.get(url).content.decode()
    assert len(after) == len(before)


def test_tabs_list_only_the_pages_that_exist(prog):
    tabs = phase_tabs(prog.phase)
    keys = [t.key for t in tabs]
    assert keys[:3] == ["overview", "participants", "scenarios"]
    label, url = tabs[1][:2]
    assert (label, url) == ("Participants", f"/testing/{prog.programme.code}/{prog.phase.code}/participants/")
