"""The qualification API per persona: the window, tranches and entrants each caller sees (404 for the
rest, 401 anonymous), managers' changes (403 for others), PATCH of readiness by the participant,
eligibility, and bounded input (422 naming the field)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.migration.models import Entrant, QualificationStatus
from busbar.migration.tests.conftest import NOW
from busbar.testing.models import Programme, ProgrammeParty

pytestmark = pytest.mark.django_db
JSON = "application/json"
BASE = "/api/v1/migration/qualification/mhhs"


@pytest.fixture
def frozen(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def test_window_and_tranches_per_persona(m, frozen) -> None:
    for user in (m.si, m.assurer, m.code_body_user, m.world.user_a, m.agent):
        r = m.client(user).get(BASE)
        assert r.status_code == 200 and r.json()["closes"] == "2028-01-31", user
        tranches = m.client(user).get(f"{BASE}/tranches").json()
        assert [t["name"] for t in tranches] == ["Tranche 1", "Tranche 2", "Tranche 3"]
        assert tranches[0]["capacities"][0]["max_participants"] == 2
    for user in (m.dno, m.world.resolver):
        assert m.client(user).get(BASE).status_code == 404
        assert m.client(user).get(f"{BASE}/tranches").status_code == 404
    assert m.client(None).get(BASE).status_code == 401


def test_window_create_and_patch(m, frozen) -> None:
    p = Programme.objects.create(code="faster", name="Faster Switching")
    ProgrammeParty.objects.create(programme=p, organisation=m.si_org, function="si")
    body = {"opens": "2025-02-03", "closes": "2026-02-04", "risk_cutoff": "2025-10-31"}
    url = "/api/v1/migration/qualification/faster"
    assert m.client(m.world.user_a).post(url, body, content_type=JSON).status_code == 404
    r = m.client(m.si).post(url, body, content_type=JSON)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "closes"
    r = m.client(m.si).post(url, {**body, "closes": "2026-02-02"}, content_type=JSON)
    assert r.status_code == 201 and r.json()["programme"] == "faster"
    assert m.client(m.si).post(url, {**body, "sneaky": 1}, content_type=JSON).status_code == 422
    r = m.client(m.si).patch(BASE, {"risk_cutoff": "2027-09-30"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["risk_cutoff"] == "2027-09-30"
    assert (
        m.client(m.assurer).patch(BASE, {"risk_cutoff": "2027-09-30"}, content_type=JSON).status_code == 403
    )
    assert (
        m.client(m.code_body_user).patch(BASE, {"risk_cutoff": "2027-08-30"}, content_type=JSON).status_code
        == 403
    )


def test_tranche_and_capacity_changes(m, frozen) -> None:
    body = {"name": "Tranche 4", "starts": "2027-12-01", "ends": "2028-01-31", "capacity": 4}
    for user in (m.assurer, m.code_body_user):
        assert m.client(user).post(f"{BASE}/tranches", body, content_type=JSON).status_code == 403
    assert m.client(m.world.user_a).post(f"{BASE}/tranches", body, content_type=JSON).status_code == 403
    assert m.client(m.dno).post(f"{BASE}/tranches", body, content_type=JSON).status_code == 404
    r = m.client(m.si).post(f"{BASE}/tranches", {**body, "capacity": 5000}, content_type=JSON)
    assert r.status_code == 422
    r = m.client(m.si).post(f"{BASE}/tranches", body, content_type=JSON)
    assert r.status_code == 201 and r.json()["number"] == 4
    tid = r.json()["id"]
    cap = {"code_body": m.code_body.pk, "max_participants": 3}
    r = m.client(m.si).put(f"{BASE}/tranches/{tid}/capacity", cap, content_type=JSON)
    assert r.status_code == 200 and r.json()["capacities"][0]["max_participants"] == 3
    assert (
        m.client(m.code_body_user).put(f"{BASE}/tranches/{tid}/capacity", cap, content_type=JSON).status_code
        == 403
    )


def test_entrants_visible_only(m, frozen) -> None:
    def ids(user):
        return {e["id"] for e in m.client(user).get(f"{BASE}/entrants").json()["items"]}

    everyone = {m.alpha.pk, m.bravo.pk, m.delta.pk}
    assert ids(m.si) == ids(m.assurer) == ids(m.code_body_user) == everyone
    assert ids(m.world.user_a) == {m.alpha.pk} and ids(m.world.user_b) == {m.bravo.pk}
    assert ids(m.agent) == {m.delta.pk}
    for user in (m.dno, m.world.resolver):
        assert m.client(user).get(f"{BASE}/entrants").status_code == 404
    one = m.client(m.world.user_a).get(f"{BASE}/entrants/{m.alpha.pk}").json()
    assert one["portfolio"] == 600_000 and one["agents"][0]["organisation"] == "Delta Data"
    assert one["eligible"] is False and "New systems live" in one["missing"]
    for user in (m.world.user_b, m.agent, m.dno):
        assert m.client(user).get(f"{BASE}/entrants/{m.alpha.pk}").status_code == 404
    assert m.client(None).get(f"{BASE}/entrants").status_code == 401


def test_entrants_list_queries_bounded(m, frozen) -> None:
    c = m.client(m.si)
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(f"{BASE}/entrants").status_code == 200
    assert len(ctx.captured_queries) <= 15


def test_add_and_patch_entrant(m, frozen) -> None:
    body = {"organisation": m.dno_org.pk, "kind": "other", "market_role": "DNO"}
    assert m.client(m.code_body_user).post(f"{BASE}/entrants", body, content_type=JSON).status_code == 403
    r = m.client(m.si).post(f"{BASE}/entrants", body, content_type=JSON)
    assert r.status_code == 201 and r.json()["kind"] == "other"
    r = m.client(m.si).post(f"{BASE}/entrants", {**body, "kind": "boss"}, content_type=JSON)
    assert r.status_code == 422
    url = f"{BASE}/entrants/{m.alpha.pk}"
    r = m.client(m.world.user_a).patch(
        url, {"systems_live_on": "2027-06-01", "agents": []}, content_type=JSON
    )
    assert r.status_code == 200 and r.json()["systems_live_on"] == "2027-06-01" and r.json()["agents"] == []
    r = m.client(m.world.user_a).patch(url, {"smart": 5, "ready_on": "2027-05-01"}, content_type=JSON)
    assert r.status_code == 403
    assert str(Entrant.objects.get(pk=m.alpha.pk).ready_on) == "2027-03-01"  # nothing written
    r = m.client(m.si).patch(url, {"smart": -5}, content_type=JSON)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "smart"
    r = m.client(m.si).patch(url, {"smart": 5, "agents": [m.delta.pk]}, content_type=JSON)
    assert r.status_code == 200 and r.json()["smart"] == 5
    assert (
        m.client(m.world.user_b).patch(url, {"ready_on": "2027-05-01"}, content_type=JSON).status_code == 404
    )


def test_eligibility_endpoints(m, frozen) -> None:
    Entrant.objects.filter(pk=m.alpha.pk).update(
        status=QualificationStatus.EXEMPT, systems_live_on="2027-06-01"
    )
    Entrant.objects.filter(pk=m.delta.pk).update(status=QualificationStatus.EXEMPT)
    r = m.client(m.world.user_a).get(f"{BASE}/entrants/{m.alpha.pk}/eligibility")
    assert r.status_code == 200 and r.json()["eligible"] is True and r.json()["missing"] == []
    r = m.client(m.si).get(f"{BASE}/entrants/{m.bravo.pk}/eligibility")
    assert r.json()["eligible"] is False and "Completed SIT or qualification" in r.json()["missing"]
    all_ = m.client(m.assurer).get(f"{BASE}/eligibility").json()["items"]
    assert {e["organisation"] for e in all_} == {m.world.org_a.name, m.world.org_b.name}
    own = m.client(m.world.user_b).get(f"{BASE}/eligibility").json()["items"]
    assert [e["organisation"] for e in own] == [m.world.org_b.name]
    assert m.client(m.world.user_b).get(f"{BASE}/entrants/{m.alpha.pk}/eligibility").status_code == 404
    assert m.client(m.dno).get(f"{BASE}/eligibility").status_code == 404
    assert m.client(None).get(f"{BASE}/eligibility").status_code == 401
