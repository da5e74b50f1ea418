"""The reports API per persona: progress (industry, a supplier's, a segment's), distributor load, readiness
and at-risk with the same numbers as the pages; 404 for what the caller may not see, 422 naming the field
for bad input, 401 anonymous."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.migration.models import Entrant, QualificationStatus
from busbar.migration.tests.conftest import M11
from busbar.migration.tests.test_report_progress import _alpha_world, frozen  # noqa: F401

pytestmark = pytest.mark.django_db
BASE = "/api/v1/migration/reports"


def _get(m, user, url):
    return m.client(user).get(f"{BASE}{url}")


def test_progress(m, frozen) -> None:  # noqa: F811
    _alpha_world(m)
    body = _get(m, m.si, "/progress").json()
    assert (body["planned"], body["actual"], body["portfolio"], body["reversed"]) == (
        3800,
        3020,
        680_000,
        100,
    )
    assert body["m14"] == "2027-12-31" and body["m15"] == "2028-06-30" and body["supplier"] is None
    d2 = next(d for d in body["days"] if d["day"] == (M11 + dt.timedelta(days=1)).isoformat())
    assert (d2["planned"], d2["actual"], d2["cum_planned"], d2["cum_actual"]) == (2500, 1920, 3500, 2720)
    smart = next(s for s in body["segments"] if s["segment"] == "smart")
    assert (
        smart["planned"] == 3500
        and smart["actual"] == 2720
        and len(smart["daily_actual"]) == len(body["days"])
    )
    advanced = _get(m, m.si, "/progress?segment=advanced").json()
    assert advanced["actual"] == 300 and [s["segment"] for s in advanced["segments"]] == ["advanced"]
    bravo = _get(m, m.si, f"/progress?supplier={m.world.org_b.pk}").json()
    assert bravo["supplier"]["name"] == "Bravo Energy" and bravo["actual"] == 70


def test_progress_visibility(m, frozen) -> None:  # noqa: F811
    _alpha_world(m)
    w = m.world
    assert _get(m, w.user_a, "/progress").json()["actual"] == 2950
    assert _get(m, w.user_a, f"/progress?supplier={w.org_a.pk}").json()["actual"] == 2950
    assert _get(m, w.user_a, f"/progress?supplier={w.org_b.pk}").status_code == 404
    dno = _get(m, m.dno, "/progress").json()
    assert dno["area"] == ["10"] and dno["actual"] == 2620 and dno["portfolio"] is None
    for user in (m.agent, m.code_body_user, w.resolver):
        assert _get(m, user, "/progress").status_code == 404
    assert _get(m, None, "/progress").status_code == 401


def test_bad_input_names_the_field(m, frozen) -> None:  # noqa: F811
    r = _get(m, m.si, "/progress?segment=gas")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "segment"
    r = _get(m, m.si, "/progress?supplier=0")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "supplier"
    assert _get(m, m.si, "/progress?supplier=999999").status_code == 404
    r = _get(m, m.si, "/distributors?day_from=2027-06-20&day_to=2027-06-10")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "day_to"
    r = _get(m, m.si, "/distributors?day_from=1066-10-14")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "day_from"


def test_distributors(m, frozen) -> None:  # noqa: F811
    _alpha_world(m)
    url = f"/distributors?day_from={M11}&day_to={M11 + dt.timedelta(days=1)}"
    body = {d["distributor"]: d for d in _get(m, m.si, url).json()}
    assert set(body) == {"10", "12"}
    eastern = body["10"]["days"]
    assert [(d["planned"], d["actual"], d["cap"], d["over"]) for d in eastern] == [
        (1000, 800, 4000, False),
        (2000, 1620, 4000, False),  # 1,500 + 50 re-migrated + Bravo 70
    ]
    assert [d["distributor"] for d in _get(m, m.dno, url).json()] == ["10"]
    for user in (m.world.user_a, m.agent, m.world.resolver):
        assert _get(m, user, url).status_code == 404


def test_readiness_and_at_risk(m, frozen) -> None:  # noqa: F811
    _alpha_world(m)
    Entrant.objects.filter(pk=m.bravo.pk).update(status=QualificationStatus.ALLOCATED, tranche=m.tranches[2])
    rows = {r["supplier"]["name"]: r for r in _get(m, m.si, "/readiness").json()}
    assert rows["Alpha Energy"]["migrated"] == 2950 and rows["Alpha Energy"]["portfolio"] == 600_000
    assert rows["Bravo Energy"]["tranche"] == "Tranche 3"
    assert [r["supplier"]["name"] for r in _get(m, m.world.user_a, "/readiness").json()] == ["Alpha Energy"]
    for user in (m.dno, m.agent, m.world.resolver):
        assert _get(m, user, "/readiness").status_code == 404
    risk = {r["participant"]["name"]: r for r in _get(m, m.assurer, "/at-risk").json()}
    assert "late_tranche" in [x["code"] for x in risk["Bravo Energy"]["reasons"]]
    for user in (m.world.user_a, m.world.user_b, m.dno, m.agent, m.code_body_user, m.world.resolver):
        assert _get(m, user, "/at-risk").status_code == 404
