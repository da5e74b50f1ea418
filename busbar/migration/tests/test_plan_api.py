"""The plans API per persona: lists and plans each may see (404 for the rest, 401 anonymous), creating,
PUT lines (all or nothing, line-numbered 422), submit / accept / return / reprofile (403 for a verb the
caller may not use, 409 for a status the table forbids), thresholds and breaches."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.migration.models import MigrationPlan, PlanLine, PlanStatus, Threshold

pytestmark = pytest.mark.django_db
JSON = "application/json"
DAY = dt.date(2027, 7, 6)
API = "/api/v1/migration"


def _plan(m, org, status=PlanStatus.SUBMITTED, segment="smart", lines=()) -> MigrationPlan:
    plan = MigrationPlan.objects.create(programme=m.programme, supplier=org, segment=segment, status=status)
    PlanLine.objects.bulk_create([PlanLine(plan=plan, day=d, distributor=x, volume=v) for d, x, v in lines])
    return plan


def test_list_and_get_per_persona(m) -> None:
    alpha = _plan(m, m.world.org_a, lines=[(DAY, "10", 4_500)])
    bravo = _plan(m, m.world.org_b, status=PlanStatus.DRAFT, lines=[(DAY, "11", 10)])
    ids = lambda user: {p["id"] for p in m.client(user).get(f"{API}/plans").json()["items"]}  # noqa: E731
    assert ids(m.si) == ids(m.assurer) == {alpha.pk, bravo.pk}
    assert ids(m.world.user_a) == {alpha.pk} and ids(m.world.user_b) == {bravo.pk}
    for user in (m.agent, m.dno, m.code_body_user, m.world.resolver):
        assert ids(user) == set()
        assert m.client(user).get(f"{API}/plans/{alpha.pk}").status_code == 404
    assert m.client(None).get(f"{API}/plans").status_code == 401
    body = m.client(m.world.user_a).get(f"{API}/plans/{alpha.pk}").json()
    assert body["total_mpans"] == 4_500 and body["days"] == [
        {"day": "2027-07-06", "mpans": 4_500, "distributors": 1}
    ]
    assert [(b["scope"], b["excess"]) for b in body["breaches"]] == [("distributor", 500)]
    assert body["allowed_actions"] == []
    assert m.client(m.si).get(f"{API}/plans/{alpha.pk}").json()["allowed_actions"] == [
        "accept",
        "return",
        "reprofile",
    ]


def test_create_lines_submit_accept_return(m) -> None:
    alpha = m.client(m.world.user_a)
    created = alpha.post(f"{API}/plans", {"segment": "advanced"}, content_type=JSON)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    plan_id = created.json()["id"]
    assert alpha.post(f"{API}/plans", {"segment": "advanced"}, content_type=JSON).status_code == 409
    assert m.client(m.agent).post(f"{API}/plans", {"segment": "smart"}, content_type=JSON).status_code == 422
    url = f"{API}/plans/{plan_id}"
    bad = {
        "lines": [
            {"day": "2027-07-06", "distributor": "10", "volume": 5},
            {"day": "2029-07-06", "distributor": "10", "volume": 5},
            {"day": "2027-07-06", "distributor": "10", "volume": 6},
            {"day": "2027-07-07", "distributor": "12", "agent": "ZZZZ", "volume": 6},
        ]
    }
    refused = alpha.put(f"{url}/lines", bad, content_type=JSON)
    assert refused.status_code == 422
    fields = [e["field"] for e in refused.json()["errors"]]
    assert fields == ["lines[1].day", "lines[2].line", "lines[3].agent"]
    assert not PlanLine.objects.filter(plan_id=plan_id).exists()
    unknown_dno = alpha.put(
        f"{url}/lines",
        {"lines": [{"day": "2027-07-06", "distributor": "99", "volume": 1}]},
        content_type=JSON,
    )
    assert unknown_dno.status_code == 422
    good = {"lines": [{"day": "2027-07-06", "distributor": "10", "agent": "DLTA", "volume": 5}]}
    assert m.client(m.si).put(f"{url}/lines", good, content_type=JSON).status_code == 403
    assert m.client(m.world.user_b).put(f"{url}/lines", good, content_type=JSON).status_code == 404
    assert alpha.put(f"{url}/lines", good, content_type=JSON).json()["total_mpans"] == 5
    assert alpha.post(f"{url}/accept").status_code == 403
    assert alpha.post(f"{url}/submit").json()["status"] == "submitted"
    again = alpha.post(f"{url}/submit")
    assert again.status_code == 409 and again.json()["current_status"] == "submitted"
    assert m.client(m.assurer).post(f"{url}/return", {"reason": "x"}, content_type=JSON).status_code == 403
    assert m.client(m.si).post(f"{url}/return", {"reason": ""}, content_type=JSON).status_code == 422
    returned = m.client(m.si).post(f"{url}/return", {"reason": "Spread it out"}, content_type=JSON)
    assert returned.json()["status"] == "returned" and returned.json()["note"] == "Spread it out"
    alpha.post(f"{url}/submit")
    assert m.client(m.si).post(f"{url}/accept").json()["status"] == "accepted"


def test_reprofile_api(m) -> None:
    plan = _plan(m, m.world.org_a, lines=[(dt.date(2028, 1, 5), "10", 5_000)])
    url = f"{API}/plans/{plan.pk}/reprofile"
    assert m.client(m.world.user_a).post(url).status_code == 403
    assert m.client(m.world.user_b).post(url).status_code == 404
    body = m.client(m.si).post(url).json()
    assert body["version"] == 2 and body["breaches"] == [] and body["total_mpans"] == 5_000


def test_thresholds_api(m) -> None:
    own = Threshold.objects.create(
        programme=m.programme, scope="supplier", organisation=m.world.org_b, daily_max=5, effective_from=DAY
    )
    scopes = lambda user: sorted(t["scope"] for t in m.client(user).get(f"{API}/thresholds").json()["items"])  # noqa: E731
    assert scopes(m.si) == scopes(m.assurer) == ["distributor", "industry", "supplier"]
    assert scopes(m.world.user_b) == ["distributor", "industry", "supplier"]
    assert scopes(m.world.user_a) == ["distributor", "industry"]
    assert m.client(None).get(f"{API}/thresholds").status_code == 401
    body = {"scope": "distributor", "distributor": "12", "daily_max": 900, "effective_from": "2027-05-01"}
    for user in (m.world.user_a, m.assurer, m.dno, m.agent, m.code_body_user):
        assert m.client(user).post(f"{API}/thresholds", body, content_type=JSON).status_code == 403
    done = m.client(m.si).post(f"{API}/thresholds", body, content_type=JSON)
    assert done.status_code == 201 and done.json()["distributor"] == "12"
    wrong = dict(body, effective_to="2027-04-01")
    assert (
        m.client(m.si).post(f"{API}/thresholds", wrong, content_type=JSON).json()["errors"][0]["field"]
        == "effective_to"
    )

    def in_force(day: str) -> set[int]:
        items = m.client(m.si).get(f"{API}/thresholds?in_force_on={day}").json()["items"]
        return {t["id"] for t in items}

    assert own.pk in in_force("2027-07-06") and own.pk not in in_force("2027-07-05")


def test_breaches_api_per_persona(m) -> None:
    _plan(m, m.world.org_a, lines=[(DAY, "10", 3_000)])
    _plan(m, m.world.org_b, segment="non_smart", lines=[(DAY, "10", 2_000), (DAY, "12", 6_000)])
    scopes = lambda user: [b["scope"] for b in m.client(user).get(f"{API}/breaches").json()["items"]]  # noqa: E731
    assert scopes(m.si) == scopes(m.assurer) == ["industry", "distributor"]
    assert scopes(m.world.user_a) == ["industry", "distributor"]
    assert scopes(m.dno) == ["distributor"]
    assert scopes(m.agent) == scopes(m.world.resolver) == scopes(m.code_body_user) == []
    assert m.client(None).get(f"{API}/breaches").status_code == 401
