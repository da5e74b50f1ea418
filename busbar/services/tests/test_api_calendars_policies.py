"""API: calendars (with the 14-day preview), closures, severity schemes and SLA policies."""

import datetime as dt

import pytest
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.services.models import Calendar, SeverityScheme, SlaPolicy
from busbar.services.tests.conftest import Catalogue

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_anonymous_gets_401(client) -> None:
    for path in (
        "/api/v1/calendars",
        "/api/v1/sla-policies",
        "/api/v1/severity-schemes",
        "/api/v1/calendars/1",
    ):
        assert client.get(path).status_code == 401


def test_calendar_list_and_detail_preview(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.user_a)
    names = [cal["name"] for cal in c.get("/api/v1/calendars").json()["items"]]
    assert names == ["24x7", catalogue.working.name]
    detail = c.get(f"/api/v1/calendars/{catalogue.working.pk}").json()
    assert detail["weekly_hours"]["0"] == [["08:00", "18:00"]] and detail["bank_holidays"] is True
    preview = detail["preview"]
    assert len(preview) == 14 and preview[0]["date"] == timezone.localdate().isoformat()
    for day in preview:
        weekday = dt.date.fromisoformat(day["date"]).weekday()
        if weekday >= 5:
            assert not day["is_open"] and day["note"] == "Closed"
        elif day["is_open"]:
            assert day["hours"] == [{"start": "08:00", "end": "18:00"}]
        else:
            assert day["note"].startswith("Bank holiday: ")
    always = c.get(f"/api/v1/calendars/{catalogue.always.pk}").json()
    assert all(d["hours"] == [{"start": "00:00", "end": "24:00"}] for d in always["preview"])
    assert c.get("/api/v1/calendars/999999").status_code == 404


def test_create_calendar_and_closures(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.ops)
    response = c.post(
        "/api/v1/calendars",
        {
            "name": "Weekend desk",
            "weekly_hours": {"5": [["09:00", "13:00"]], "6": [["09:00", "13:00"]]},
            "bank_holidays": False,
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    cal = response.json()
    assert cal["kind"] == "working_hours" and len(cal["preview"]) == 14
    saturday = next(d for d in cal["preview"] if d["weekday"] == "Saturday")
    added = c.post(
        f"/api/v1/calendars/{cal['id']}/closures",
        {"date": saturday["date"], "reason": "Training"},
        content_type=JSON,
    )
    assert added.status_code == 201
    closed = next(d for d in added.json()["preview"] if d["date"] == saturday["date"])
    assert closed == {**closed, "is_open": False, "note": "Closed: Training", "hours": []}
    closure_id = added.json()["closures"][0]["id"]
    assert c.delete(f"/api/v1/calendars/{cal['id']}/closures/{closure_id}").status_code == 204
    assert not Calendar.objects.get(pk=cal["id"]).closures.exists()
    patched = c.patch(f"/api/v1/calendars/{cal['id']}", {"kind": "24x7"}, content_type=JSON)
    assert patched.status_code == 200 and patched.json()["weekly_hours"] == {}
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="calendar.").order_by("id")] == [
        "calendar.create",
        "calendar.closure_add",
        "calendar.closure_remove",
        "calendar.update",
    ]


def test_calendar_errors_name_the_day(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.platform_admin)
    bad = c.post(
        "/api/v1/calendars", {"name": "Bad", "weekly_hours": {"2": [["18:00", "08:00"]]}}, content_type=JSON
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"field": "weekly_hours.2", "message": bad.json()["detail"]}
    ] and bad.json()["detail"].startswith("Wednesday")
    overlap = c.patch(
        f"/api/v1/calendars/{catalogue.working.pk}",
        {"weekly_hours": {"0": [["08:00", "12:00"], ["11:00", "13:00"]]}},
        content_type=JSON,
    )
    assert overlap.status_code == 422 and overlap.json()["errors"][0]["field"] == "weekly_hours.0"
    shape = c.post(
        "/api/v1/calendars", {"name": "Bad", "weekly_hours": {"0": "08:00-18:00"}}, content_type=JSON
    )
    assert shape.status_code == 422 and shape.json()["errors"][0]["field"].startswith("weekly_hours.0")
    closure = c.post(
        f"/api/v1/calendars/{catalogue.always.pk}/closures", {"date": "2026-12-29"}, content_type=JSON
    )
    assert closure.status_code == 422 and closure.json()["errors"][0]["field"] == "date"


@pytest.mark.parametrize("who", ["user_a", "analyst", "resolver", "admin_a"])
def test_calendar_changes_are_refused_to_others(world: World, catalogue: Catalogue, who: str) -> None:
    c = world.client(getattr(world, who))
    assert c.post("/api/v1/calendars", {"name": "X", "kind": "24x7"}, content_type=JSON).status_code == 403
    assert (
        c.patch(f"/api/v1/calendars/{catalogue.working.pk}", {"name": "Y"}, content_type=JSON).status_code
        == 403
    )
    assert (
        c.post(
            f"/api/v1/calendars/{catalogue.working.pk}/closures", {"date": "2026-12-29"}, content_type=JSON
        ).status_code
        == 403
    )
    assert not Calendar.objects.filter(name__in=["X", "Y"]).exists()
    assert not catalogue.working.closures.exists()


def test_schemes_and_policies_read(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.user_b)
    schemes = {s["name"]: s for s in c.get("/api/v1/severity-schemes").json()["items"]}
    rec = schemes["REC incident severities"]  # beside the request and OMS schemes installed by their apps
    assert [s["code"] for s in rec["severities"]] == ["1", "2", "3", "4"]
    assert rec["severities"][0]["is_major"] is True
    policies = {p["name"]: p for p in c.get("/api/v1/sla-policies").json()["items"]}
    assert policies["REC default"]["warning_ratio"] == 0.75
    detail = c.get(f"/api/v1/sla-policies/{catalogue.default.pk}").json()
    assert [(t["severity"], t["clock"], t["amount"], t["unit"]) for t in detail["targets"][:2]] == [
        ("1", "resolution", 4, "hours"),
        ("1", "response", 10, "minutes"),
    ]
    assert detail["targets"][-1]["calendar"]["name"] == catalogue.working.name


def test_sec_scheme_and_policy_through_the_api(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.ops)
    scheme = c.post(
        "/api/v1/severity-schemes",
        {
            "name": "SEC incident categories",
            "severities": [
                {"code": str(n), "label": f"Category {n}", "is_major": n == 1} for n in range(1, 6)
            ],
        },
        content_type=JSON,
    )
    assert scheme.status_code == 201, scheme.content
    sid = scheme.json()["id"]
    targets = [
        {
            "severity": str(n),
            "clock": "response",
            "amount": n,
            "unit": "hours",
            "calendar": catalogue.always.pk,
        }
        for n in range(1, 6)
    ]
    policy = c.post(
        "/api/v1/sla-policies",
        {"name": "SEC", "scheme": sid, "warning_ratio": 0.8, "targets": targets},
        content_type=JSON,
    )
    assert policy.status_code == 201, policy.content
    pid = policy.json()["id"]
    assert len(policy.json()["targets"]) == 5 and policy.json()["warning_ratio"] == 0.8
    before = SlaPolicy.objects.get(pk=pid).updated_at
    put = c.put(f"/api/v1/sla-policies/{pid}/targets", targets[:1], content_type=JSON)
    assert put.status_code == 200 and len(put.json()["targets"]) == 1
    assert SlaPolicy.objects.get(pk=pid).updated_at > before
    wrong = c.put(f"/api/v1/sla-policies/{pid}/targets", [{**targets[0], "severity": "9"}], content_type=JSON)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "targets.0.severity"
    default = c.patch(
        f"/api/v1/sla-policies/{pid}", {"is_default": True, "warning_ratio": 0.6}, content_type=JSON
    )
    assert default.status_code == 200 and default.json()["is_default"] is True
    assert SlaPolicy.objects.get(is_default=True).pk == pid
    ratio = c.patch(f"/api/v1/sla-policies/{pid}", {"warning_ratio": 1.2}, content_type=JSON)
    assert ratio.status_code == 422 and ratio.json()["errors"][0]["field"] == "warning_ratio"
    unknown = c.post("/api/v1/sla-policies", {"name": "Z", "scheme": 999999}, content_type=JSON)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "scheme"


@pytest.mark.parametrize("who", ["user_a", "analyst", "resolver"])
def test_policy_changes_are_refused_to_others(world: World, catalogue: Catalogue, who: str) -> None:
    c = world.client(getattr(world, who))
    rec = SeverityScheme.objects.get(name="REC incident severities")
    assert (
        c.post("/api/v1/sla-policies", {"name": "P", "scheme": rec.pk}, content_type=JSON).status_code == 403
    )
    assert (
        c.patch(
            f"/api/v1/sla-policies/{catalogue.default.pk}", {"warning_ratio": 0.5}, content_type=JSON
        ).status_code
        == 403
    )
    assert (
        c.put(f"/api/v1/sla-policies/{catalogue.default.pk}/targets", [], content_type=JSON).status_code
        == 403
    )
    assert (
        c.post(
            "/api/v1/severity-schemes",
            {"name": "S", "severities": [{"code": "1", "label": "x"}]},
            content_type=JSON,
        ).status_code
        == 403
    )
    assert (
        catalogue.default.targets.count() == 8 and not SlaPolicy.objects.filter(name__in=["P", "Z"]).exists()
    )
