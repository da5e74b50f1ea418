"""The demand API per persona: lists and notices each may see (404 for the rest), filing, PATCH by the
filer, the desk's verbs, the filer's response, tolerances and trends; 403 for a verb the caller may not
use on a notice it sees, 409 for a status change the table forbids, 401 anonymous."""

import pytest

from busbar.demand.tests.conftest import NOW  # noqa: F401

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _post(client, url, body=None):
    return client.post(url, body or {}, content_type=JSON)


def _file_body(d, **extra):
    return {
        "title": "Go-live campaign",
        "starts_on": "2027-07-05",
        "ends_on": "2027-07-09",
        "reason": "marketing",
        "lines": [
            {"service": "css", "normal_per_day": 1000, "expected_per_day": 1600},
            {"service": d.uk_link.pk, "normal_per_day": 100, "expected_per_day": 100},
        ],
        **extra,
    }


def test_lists_per_persona(d, frozen) -> None:
    w = d.world
    refs = lambda user: {i["reference"] for i in d.client(user).get("/api/v1/demand-notices").json()["items"]}  # noqa: E731
    assert refs(w.user_a) == {d.notice.reference}
    assert refs(w.user_b) == {d.notice_b.reference}
    assert refs(w.analyst) == {d.notice.reference, d.notice_b.reference}
    assert refs(w.resolver) == set() and refs(d.gas) == set()
    _post(d.client(w.analyst), f"/api/v1/demand-notices/{d.notice.reference}/notify-providers")
    assert refs(d.gas) == {d.notice.reference} and refs(d.elec) == set()
    assert d.client(None).get("/api/v1/demand-notices").status_code == 401
    above = d.client(w.analyst).get("/api/v1/demand-notices?above_tolerance=true").json()["items"]
    assert [i["reference"] for i in above] == [d.notice.reference]
    on_mprs = d.client(w.analyst).get("/api/v1/demand-notices?service=mprs&status=open").json()["items"]
    assert [i["reference"] for i in on_mprs] == [d.notice_b.reference]
    bad = d.client(w.analyst).get("/api/v1/demand-notices?service=nope")
    assert bad.status_code == 422 and "service" in bad.content.decode()


def test_get_one_per_persona(d) -> None:
    url = f"/api/v1/demand-notices/{d.notice.reference}"
    body = d.client(d.world.user_a).get(url).json()
    assert body["above_tolerance"] is True and body["allowed_actions"] == ["edit", "withdraw", "update"]
    css = next(line for line in body["lines"] if line["service"]["slug"] == "css")
    assert css["tolerance_percent"] == 20 and css["limit_per_day"] == 1200 and css["above_tolerance"] is True
    for user in (d.world.user_b, d.world.resolver, d.elec):
        assert d.client(user).get(url).status_code == 404
    _post(d.client(d.world.analyst), f"{url}/notify-providers")
    gas_view = d.client(d.gas).get(url).json()
    assert [line["service"]["slug"] for line in gas_view["lines"]] == ["uk-link"]
    assert gas_view["allowed_actions"] == []


def test_file_and_patch(d, frozen) -> None:
    c = d.client(d.world.user_a)
    r = _post(c, "/api/v1/demand-notices", _file_body(d))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["above_tolerance"] is True and body["status"] == "filed"
    ref = body["reference"]
    r = c.patch(
        f"/api/v1/demand-notices/{ref}",
        {"lines": [{"service": "css", "normal_per_day": 1000, "expected_per_day": 1500}]},
        content_type=JSON,
    )
    assert r.status_code == 200 and r.json()["above_tolerance"] is False
    assert (
        d.client(d.world.analyst)
        .patch(f"/api/v1/demand-notices/{ref}", {"title": "x"}, content_type=JSON)
        .status_code
        == 403
    )
    assert (
        d.client(d.world.user_b)
        .patch(f"/api/v1/demand-notices/{ref}", {"title": "x"}, content_type=JSON)
        .status_code
        == 404
    )
    assert _post(d.client(d.elec), "/api/v1/demand-notices", _file_body(d)).status_code == 201  # a provider
    assert _post(d.client(None), "/api/v1/demand-notices", _file_body(d)).status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": "2027-07-01"}, "ends_on"),
        ({"starts_on": "2027-06-01", "ends_on": "2027-06-02"}, "starts_on"),
        ({"starts_on": "2029-07-01", "ends_on": "2029-07-02"}, "starts_on"),
        ({"ends_on": "2028-08-01"}, "ends_on"),
        ({"lines": [{"service": "nope", "normal_per_day": 1, "expected_per_day": 2}]}, "lines[0].service"),
        (
            {
                "lines": [
                    {"service": "css", "normal_per_day": 1, "expected_per_day": 2},
                    {"service": "css", "normal_per_day": 1, "expected_per_day": 3},
                ]
            },
            "lines[1].service",
        ),
        (
            {"lines": [{"service": "css", "normal_per_day": 1, "expected_per_day": 10_000_001}]},
            "expected_per_day",
        ),
        ({"lines": [{"service": "css", "normal_per_day": -1, "expected_per_day": 1}]}, "normal_per_day"),
        ({"lines": []}, "lines"),
        ({"reason": "because"}, "reason"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_input_names_the_field(d, frozen, change, field) -> None:
    from busbar.demand.models import DemandNotice

    before = DemandNotice.objects.count()
    r = _post(d.client(d.world.user_a), "/api/v1/demand-notices", _file_body(d, **change))
    assert r.status_code == 422, r.content
    assert field in r.content.decode()
    assert DemandNotice.objects.count() == before


def test_desk_verbs_and_refusals(d) -> None:
    ref = d.notice.reference
    base = f"/api/v1/demand-notices/{ref}"
    desk, filer = d.client(d.world.analyst), d.client(d.world.user_a)
    for verb, body in [
        ("analyse", {"analysis": "x"}),
        ("notify-providers", {}),
        ("request-mitigation", {"text": "x"}),
        ("compliance", {"compliance": "not_needed"}),
        ("close", {}),
    ]:
        assert _post(filer, f"{base}/{verb}", body).status_code == 403
        assert _post(d.client(d.world.user_b), f"{base}/{verb}", body).status_code == 404
    r = _post(desk, f"{base}/request-mitigation", {"text": "Spread"})
    assert r.status_code == 409 and r.json()["current_status"] == "filed"
    assert (
        _post(desk, f"{base}/analyse", {"analysis": "Peaks on Monday"}).json()["status"] == "under_analysis"
    )
    assert _post(desk, f"{base}/notify-providers").json()["providers_notified_at"] is not None
    assert _post(d.client(d.gas), f"{base}/analyse", {"analysis": "x"}).status_code == 403
    r = _post(desk, f"{base}/request-mitigation", {"text": "Spread over 10 days"})
    assert r.json()["status"] == "mitigation_requested"
    assert _post(desk, f"{base}/respond", {"response": "x"}).status_code == 403
    r = _post(filer, f"{base}/respond", {"response": "We will"})
    assert r.status_code == 200 and r.json()["filer_response"] == "We will"
    assert _post(desk, f"{base}/compliance", {"compliance": "maybe"}).status_code == 422
    assert _post(desk, f"{base}/compliance", {"compliance": "partly"}).json()["compliance"] == "partly"
    assert _post(desk, f"{base}/close", {"note": "Done"}).json()["status"] == "closed"
    assert _post(filer, f"{base}/reopen", {"note": "x"}).status_code == 403
    assert _post(desk, f"{base}/reopen", {"note": "Extended"}).json()["status"] == "under_analysis"
    assert _post(filer, f"{base}/withdraw").status_code == 200
    assert _post(filer, f"{base}/withdraw").status_code == 409


def test_updates_and_notes(d) -> None:
    base = f"/api/v1/demand-notices/{d.notice.reference}/updates"
    assert _post(d.client(d.world.user_a), base, {"body": "Hello"}).status_code == 201
    assert _post(d.client(d.world.user_a), base, {"body": "x", "internal": True}).status_code == 403
    assert _post(d.client(d.world.analyst), base, {"body": "Internal", "internal": True}).status_code == 201
    updates = d.client(d.world.user_a).get(f"/api/v1/demand-notices/{d.notice.reference}").json()["updates"]
    assert [u["body"] for u in updates] == ["Hello"]
    assert _post(d.client(d.world.user_b), base, {"body": "x"}).status_code == 404


def test_tolerances_api(d, frozen) -> None:
    listed = d.client(d.world.user_a).get("/api/v1/demand-tolerances?service=css").json()["items"]
    assert [t["tolerance_percent"] for t in listed] == [50, 20]
    assert d.client(None).get("/api/v1/demand-tolerances").status_code == 401
    body = {
        "service": "mprs",
        "effective_from": "2027-09-01",
        "tolerance_percent": 25,
        "max_daily_volume": 9000,
    }
    assert _post(d.client(d.world.analyst), "/api/v1/demand-tolerances", body).status_code == 403
    assert _post(d.client(d.world.user_a), "/api/v1/demand-tolerances", body).status_code == 403
    r = _post(d.client(d.world.ops), "/api/v1/demand-tolerances", body)
    assert r.status_code == 201 and r.json()["max_daily_volume"] == 9000
    bad = _post(d.client(d.world.ops), "/api/v1/demand-tolerances", {**body, "tolerance_percent": 1001})
    assert bad.status_code == 422 and "tolerance_percent" in bad.content.decode()
    far = _post(d.client(d.world.ops), "/api/v1/demand-tolerances", {**body, "effective_from": "2040-01-01"})
    assert far.status_code == 422 and "effective_from" in far.content.decode()


def test_trends_api(d, frozen) -> None:
    r = d.client(d.world.analyst).get("/api/v1/demand-trends?service=css&weeks=8")
    assert r.status_code == 200
    body = r.json()
    assert len(body["weeks"]) == 8 and body["weeks"][-1] == "2027-06-14"
    assert body["services"][0]["service"]["slug"] == "css"
    assert body["services"][0]["notices"] == [0] * 8  # Alpha's notice starts next week
    busiest = d.client(d.world.analyst).get("/api/v1/demand-trends").json()
    # Only Bravo's notice (20–22 June) covers a day of the last 26 weeks.
    assert [s["service"]["slug"] for s in busiest["services"]] == ["mprs"]
    assert busiest["services"][0]["notices"][-1] == 1 and sum(busiest["services"][0]["notices"]) == 1
    assert d.client(d.world.user_a).get("/api/v1/demand-trends").status_code == 403
    assert d.client(d.world.resolver).get("/api/v1/demand-trends").status_code == 403
    assert d.client(d.world.analyst).get("/api/v1/demand-trends?weeks=500").status_code == 422
    assert d.client(None).get("/api/v1/demand-trends").status_code == 401
