"""The allocation API per persona: compare, one proposal, commit and the decisions — the programme's
readers and the window's code body read; only the managers commit (403 problem for the readers); suppliers,
agents, DNOs and unrelated organisations get 404; anonymous 401; a bad policy or rationale is a 422 naming
the field."""

from __future__ import annotations

import pytest

from busbar.migration.models import AllocationDecision, Entrant, QualificationStatus

pytestmark = pytest.mark.django_db
JSON = "application/json"
BASE = "/api/v1/migration/allocation/mhhs"


def _readers(m):
    return [m.si, m.assurer, m.code_body_user, m.world.analyst]


def _outsiders(m):
    return [m.world.user_a, m.world.user_b, m.agent, m.dno, m.world.resolver]


def test_compare_per_persona(m) -> None:
    for user in _readers(m):
        r = m.client(user).get(f"{BASE}/compare")
        assert r.status_code == 200, (user, r.content)
        body = r.json()
        assert [p["policy"] for p in body["proposals"]] == ["as_ready", "by_portfolio", "by_size"]
        by_size = body["proposals"][2]
        assert by_size["placements"][str(m.alpha.pk)] == m.tranches[1].pk
        t3 = by_size["tranches"][2]
        assert t3["late"] is True and t3["code_bodies"][0] == {
            "id": m.code_body.pk,
            "name": "Elexon (BSC)",
            "used": 1,
            "limit": 2,
        }
        assert by_size["risk"]["late_mpans"] == 80_000 and by_size["risk"]["cutoff"] == "2027-10-31"
    for user in _outsiders(m):
        assert m.client(user).get(f"{BASE}/compare").status_code == 404
    assert m.client(m.si).get("/api/v1/migration/allocation/nope/compare").status_code == 404
    assert m.client(None).get(f"{BASE}/compare").status_code == 401


def test_one_proposal(m) -> None:
    r = m.client(m.code_body_user).get(f"{BASE}/proposal?policy=as_ready")
    assert r.status_code == 200 and r.json()["policy"] == "as_ready"
    bad = m.client(m.si).get(f"{BASE}/proposal?policy=lottery")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "policy"
    missing = m.client(m.si).get(f"{BASE}/proposal")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "policy"
    assert m.client(m.world.user_a).get(f"{BASE}/proposal?policy=as_ready").status_code == 404


def test_commit_per_persona(m) -> None:
    body = {"policy": "by_size", "rationale": "Largest first"}
    for user in (m.assurer, m.code_body_user):
        r = m.client(user).post(f"{BASE}/commit", body, content_type=JSON)
        assert r.status_code == 403 and r["Content-Type"] == "application/problem+json"
    for user in _outsiders(m):
        assert m.client(user).post(f"{BASE}/commit", body, content_type=JSON).status_code == 404
    assert m.client(None).post(f"{BASE}/commit", body, content_type=JSON).status_code == 401
    assert not AllocationDecision.objects.exists()
    r = m.client(m.si).post(f"{BASE}/commit", body, content_type=JSON)
    assert r.status_code == 201, r.content
    made = r.json()
    assert made["policy"] == "by_size" and made["decided_by"]
    assert made["result"]["placements"][str(m.alpha.pk)] == m.tranches[1].pk
    alpha = Entrant.objects.get(pk=m.alpha.pk)
    assert alpha.status == QualificationStatus.ALLOCATED and alpha.tranche_id == m.tranches[1].pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"policy": "lottery", "rationale": "x"}, "policy"),
        ({"rationale": "x"}, "policy"),
        ({"policy": "by_size", "rationale": ""}, "rationale"),
        ({"policy": "by_size", "rationale": "x" * 2001}, "rationale"),
        ({"policy": "by_size", "rationale": "   "}, "rationale"),
        ({"policy": "by_size", "rationale": "x", "extra": 1}, "extra"),
    ],
)
def test_commit_bad_input(m, body, field) -> None:
    r = m.client(m.si).post(f"{BASE}/commit", body, content_type=JSON)
    assert r.status_code == 422, r.content
    assert field in {e["field"] for e in r.json()["errors"]}
    assert not AllocationDecision.objects.exists()


def test_decisions_per_persona(m) -> None:
    for rationale in ("One", "Two"):
        m.client(m.si).post(
            f"{BASE}/commit", {"policy": "as_ready", "rationale": rationale}, content_type=JSON
        )
    for user in _readers(m):
        r = m.client(user).get(f"{BASE}/decisions")
        assert r.status_code == 200
        items = r.json()["items"]
        assert [d["rationale"] for d in items] == ["Two", "One"]
        one = m.client(user).get(f"{BASE}/decisions/{items[0]['id']}")
        assert one.status_code == 200 and one.json()["result"]["proposal"]["policy"] == "as_ready"
    for user in _outsiders(m):
        assert m.client(user).get(f"{BASE}/decisions").status_code == 404
    assert m.client(m.si).get(f"{BASE}/decisions/999999").status_code == 404
    assert m.client(None).get(f"{BASE}/decisions").status_code == 401
