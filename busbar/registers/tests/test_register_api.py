"""The registers' API: lists and items per persona, 422 naming the field for bad scores, unknown
services and KPIs, 409 for an illegal move, PATCH recomputing the score."""

import pytest

pytestmark = pytest.mark.django_db


def test_desk_lists_risks_highest_score_first(reg, frozen) -> None:
    response = reg.client(reg.world.analyst).get("/api/v1/risks")
    assert response.status_code == 200
    scores = [i["score"] for i in response.json()["items"]]
    assert scores == sorted(scores, reverse=True) and scores[0] == 25
    overdue = reg.client(reg.world.ops).get("/api/v1/risks?overdue=true").json()["items"]
    assert [i["reference"] for i in overdue] == [reg.operator_risk.reference]


def test_provider_lists_its_own_participant_none_anonymous_401(reg) -> None:
    mine = reg.client(reg.world.resolver).get("/api/v1/improvements").json()["items"]
    assert [i["reference"] for i in mine] == [reg.improvement.reference]
    assert reg.client(reg.world.user_a).get("/api/v1/risks").json()["count"] == 0
    assert reg.client(reg.world.user_a).get(f"/api/v1/risks/{reg.risk.reference}").status_code == 404
    assert reg.client(reg.gas).get(f"/api/v1/risks/{reg.risk.reference}").status_code == 404
    assert reg.client(None).get("/api/v1/risks").status_code == 401


def test_provider_raises_a_risk(reg) -> None:
    response = reg.client(reg.world.resolver).post(
        "/api/v1/risks",
        {
            "title": "Patch backlog",
            "likelihood": 3,
            "impact": 4,
            "services": ["css"],
            "kpis": ["availability"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["score"] == 12 and body["organisation"]["id"] == reg.world.provider.pk
    assert body["services"][0]["slug"] == "css" and "open" in body["allowed_statuses"] or True


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"title": "x", "likelihood": 0, "impact": 3}, "likelihood"),
        ({"title": "x", "likelihood": 3, "impact": 9}, "impact"),
        ({"title": "x", "likelihood": 3, "impact": 3, "services": ["nowhere"]}, "services[0]"),
        ({"title": "x", "likelihood": 3, "impact": 3, "kpis": ["uptime"]}, "kpis[0]"),
        ({"title": "x", "likelihood": 3, "impact": 3, "organisation": 999999}, "organisation"),
    ],
)
def test_bad_input_is_422_naming_the_field(reg, payload, field) -> None:
    response = reg.client(reg.world.analyst).post("/api/v1/risks", payload, content_type="application/json")
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_participant_cannot_raise(reg) -> None:
    response = reg.client(reg.world.user_a).post(
        "/api/v1/improvements", {"title": "x"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_patch_recomputes_score_and_other_provider_404(reg) -> None:
    url = f"/api/v1/risks/{reg.risk.reference}"
    response = reg.client(reg.world.resolver).patch(url, {"likelihood": 1}, content_type="application/json")
    assert response.status_code == 200 and response.json()["score"] == 4
    assert (
        reg.client(reg.gas).patch(url, {"likelihood": 2}, content_type="application/json").status_code == 404
    )


def test_illegal_transition_is_409_with_allowed(reg) -> None:
    url = f"/api/v1/improvements/{reg.improvement.reference}/status"
    response = reg.client(reg.world.analyst).post(url, {"status": "closed"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["current_status"] == "proposed"
    assert set(response.json()["allowed_statuses"]) == {"approved", "rejected"}


def test_provider_refused_a_desk_decision_403(reg) -> None:
    url = f"/api/v1/risks/{reg.risk.reference}/status"
    response = reg.client(reg.world.resolver).post(
        url, {"status": "accepted"}, content_type="application/json"
    )
    assert response.status_code == 403
    ok = reg.client(reg.world.resolver).post(url, {"status": "mitigating"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "mitigating"


def test_service_reviews_api(reg, frozen) -> None:
    desk = reg.client(reg.world.ops)
    created = desk.post(
        "/api/v1/service-reviews",
        {
            "provider": reg.world.provider.pk,
            "title": "CSS May review",
            "held_on": "2027-06-10T09:00:00Z",
            "period": "2027-05",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert (
        reg.client(reg.world.resolver)
        .post(f"/api/v1/service-reviews/{pk}/actions", {"text": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    action = desk.post(
        f"/api/v1/service-reviews/{pk}/actions",
        {"text": "Shorten failover", "raise_improvement": True},
        content_type="application/json",
    )
    assert action.status_code == 201 and action.json()["improvement"].startswith("CSI")
    aid = action.json()["id"]
    assert (
        reg.client(reg.world.resolver).get(f"/api/v1/service-reviews/{pk}").json()["actions"][0]["can_finish"]
    )
    assert reg.client(reg.gas).get(f"/api/v1/service-reviews/{pk}").status_code == 404
    assert reg.client(reg.world.user_a).get(f"/api/v1/service-reviews/{pk}/actions").status_code == 404
    done = reg.client(reg.world.resolver).post(
        f"/api/v1/service-reviews/{pk}/actions/{aid}/done", {}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    bad = desk.post(
        "/api/v1/service-reviews",
        {
            "provider": reg.world.provider.pk,
            "title": "x",
            "held_on": "2027-06-10T09:00:00Z",
            "period": "2027-13",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period"
