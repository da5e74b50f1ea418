"""A participant's subsidiary plan is read only by its organisation, the programme office and assurers
(404 for everyone else, the desk and other participants included); the organisation and the office keep
it (assurers and the desk read only, 403)."""

from __future__ import annotations

import json

from busbar.programmes.models import PartyMilestone, SubsidiaryPlan

API = "/api/v1/programmes/mhhs"
PAGE = "/programmes/mhhs/plan/participants"


def _json(client, method, url, body=None):
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


def test_reading_a_plan(gov) -> None:
    org = gov.world.org_a.pk
    for user in (gov.alpha, gov.office, gov.assurer):
        client = gov.client(user)
        page = client.get(f"{PAGE}/{org}/")
        assert page.status_code == 200, user
        assert b"Alpha ready to access MPANs" in page.content
        assert client.get(f"{API}/subsidiary-plans/{org}").status_code == 200
        listed = client.get(f"{API}/subsidiary-plans").json()
        assert [p["organisation"]["name"] for p in listed["items"]] == ["Alpha Energy"]
        assert b"Alpha MHHS plan" in client.get(f"{PAGE}/").content
    for user in (gov.bravo, gov.desk, gov.si, gov.outsider):
        client = gov.client(user)
        assert client.get(f"{PAGE}/{org}/").status_code == 404, user
        assert client.get(f"{API}/subsidiary-plans/{org}").status_code == 404, user
        milestone = PartyMilestone.objects.get(plan=gov.alpha_plan)
        assert client.get(f"{PAGE}/{org}/milestones/{milestone.pk}/").status_code == 404
    for user in (gov.bravo, gov.desk):
        client = gov.client(user)
        assert client.get(f"{API}/subsidiary-plans").json()["items"] == []
        listing = client.get(f"{PAGE}/")
        assert listing.status_code == 200 and b"Alpha MHHS plan" not in listing.content
    assert gov.client(gov.outsider).get(f"{PAGE}/").status_code == 404
    assert gov.client(gov.outsider).get(f"{API}/subsidiary-plans").status_code == 404


def test_keeping_a_plan(gov) -> None:
    org = gov.world.org_a.pk
    body = {"name": "Alpha cut-over", "planned_date": "2027-03-01", "programme_milestone": "M14"}
    assert (
        _json(gov.client(gov.alpha), "post", f"{API}/subsidiary-plans/{org}/milestones", body).status_code
        == 201
    )
    assert (
        _json(gov.client(gov.office), "post", f"{API}/subsidiary-plans/{org}/milestones", body).status_code
        == 201
    )
    for user in (gov.assurer,):
        assert (
            _json(gov.client(user), "post", f"{API}/subsidiary-plans/{org}/milestones", body).status_code
            == 403
        )
    for user in (gov.bravo, gov.desk, gov.outsider):
        assert (
            _json(gov.client(user), "post", f"{API}/subsidiary-plans/{org}/milestones", body).status_code
            == 404
        )
    assert PartyMilestone.objects.filter(plan=gov.alpha_plan).count() == 3
    # The page form: offered to Alpha and the office only.
    form = {"pm-name": "Alpha DIP onboarded", "pm-planned_date": "2027-02-01", "pm-order": "0"}
    assert b"Add a milestone" in gov.client(gov.alpha).get(f"{PAGE}/{org}/").content
    assert b"Add a milestone" not in gov.client(gov.assurer).get(f"{PAGE}/{org}/").content
    assert gov.client(gov.assurer).post(f"{PAGE}/{org}/", form).status_code == 403
    assert gov.client(gov.bravo).post(f"{PAGE}/{org}/", form).status_code == 404
    assert gov.client(gov.alpha).post(f"{PAGE}/{org}/", form).status_code == 302
    milestone = PartyMilestone.objects.get(plan=gov.alpha_plan, name="Alpha DIP onboarded")
    edit = f"{PAGE}/{org}/milestones/{milestone.pk}/"
    changed = {**form, "pm-forecast_date": "2027-02-08"}
    assert gov.client(gov.assurer).post(edit, changed).status_code == 403
    assert gov.client(gov.alpha).post(edit, changed).status_code == 302
    milestone.refresh_from_db()
    assert str(milestone.forecast_date) == "2027-02-08"
    patch = f"{API}/subsidiary-plans/{org}/milestones/{milestone.pk}"
    assert _json(gov.client(gov.assurer), "patch", patch, {"rag": "red"}).status_code == 403
    assert _json(gov.client(gov.bravo), "patch", patch, {"rag": "red"}).status_code == 404
    assert _json(gov.client(gov.office), "patch", patch, {"rag": "red"}).status_code == 200
    assert gov.client(gov.desk).post(edit, {"remove": "1"}).status_code == 404
    assert gov.client(gov.alpha).post(edit, {"remove": "1"}).status_code == 302
    assert not PartyMilestone.objects.filter(pk=milestone.pk).exists()
    gone = PartyMilestone.objects.filter(plan=gov.alpha_plan).first()
    assert (
        gov.client(gov.assurer).delete(f"{API}/subsidiary-plans/{org}/milestones/{gone.pk}").status_code
        == 403
    )
    assert (
        gov.client(gov.alpha).delete(f"{API}/subsidiary-plans/{org}/milestones/{gone.pk}").status_code == 204
    )


def test_starting_a_plan(gov) -> None:
    bravo = gov.world.org_b.pk
    listing = gov.client(gov.bravo).get(f"{PAGE}/")
    assert b"Start a subsidiary plan" in listing.content
    assert b"Start a subsidiary plan" not in gov.client(gov.assurer).get(f"{PAGE}/").content
    assert b"Start a subsidiary plan" not in gov.client(gov.desk).get(f"{PAGE}/").content
    body = {"plan-organisation": str(bravo), "plan-name": "Bravo plan"}
    assert gov.client(gov.alpha).post(f"{PAGE}/", body).status_code == 403  # not Alpha's to start
    assert gov.client(gov.assurer).post(f"{PAGE}/", body).status_code == 403
    assert gov.client(gov.desk).post(f"{PAGE}/", body).status_code == 403
    assert gov.client(gov.outsider).post(f"{PAGE}/", body).status_code == 404
    done = gov.client(gov.bravo).post(f"{PAGE}/", body)
    assert done.status_code == 302 and done["Location"] == f"{PAGE}/{bravo}/"
    assert SubsidiaryPlan.objects.filter(programme=gov.programme, organisation_id=bravo).exists()
    assert gov.client(gov.bravo).post(f"{PAGE}/", body).status_code == 409  # one plan per organisation
    assert gov.client(gov.alpha).get(f"{PAGE}/{bravo}/").status_code == 404
    # Through the API: the office may start one for any participant, never for an outsider organisation.
    agent = gov.prog.agent_org.pk
    assert (
        _json(
            gov.client(gov.alpha), "post", f"{API}/subsidiary-plans", {"organisation": agent, "name": "x"}
        ).status_code
        == 403
    )
    created = _json(
        gov.client(gov.office),
        "post",
        f"{API}/subsidiary-plans",
        {"organisation": agent, "name": "Agent plan"},
    )
    assert created.status_code == 201 and created.json()["organisation"]["id"] == agent
    outside = gov.world.provider.pk
    refused = _json(
        gov.client(gov.office), "post", f"{API}/subsidiary-plans", {"organisation": outside, "name": "x"}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "organisation"
