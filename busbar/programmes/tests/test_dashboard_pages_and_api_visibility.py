"""The programmes home, a programme's dashboard and their API, allowed and denied: the office, assurers,
participants (Alpha, Bravo), the SI and the desk read them, each counting only the RAID items it may see;
someone outside the programme gets 404s (and an empty home); nobody signed in is sent to sign in (401 on
the API); the pages' query counts do not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.programmes import dashboard
from busbar.programmes.api.dashboard import dashboard_out
from busbar.programmes.models import Action, Milestone, PlanPhase, Rag, RaidKind
from busbar.programmes.tests.conftest import raid
from busbar.testing.models import Programme

pytestmark = pytest.mark.django_db
API = "/api/v1/programmes"
#: (persona, open RAID items it may see) — public R1, R4; private R2 (Alpha's), R3 (Bravo's).
READERS = [("office", 4), ("assurer", 4), ("alpha", 3), ("bravo", 3), ("si", 2), ("desk", 2)]
PRIVATE_TITLES = {"r2": "Alpha&#x27;s agent build may slip", "r3": "Bravo test data incomplete"}


def test_home_lists_the_programme_with_the_viewers_counts(gov) -> None:
    for persona, open_raid in READERS:
        page = gov.client(getattr(gov, persona)).get("/programmes/")
        assert page.status_code == 200, persona
        row = next(r for r in page.context["rows"] if r["code"] == "mhhs")
        assert row["open_raid"] == open_raid, persona
        assert row["open_actions"] == 3 and row["next_milestone"]["code"] in {"M10", "CP4", "M14", "M15"}
        assert [p["rag"] for p in row["phases"]] == [Rag.AMBER, Rag.GREEN]
        assert b"/programmes/mhhs/" in page.content
    outsider = gov.client(gov.outsider).get("/programmes/")
    assert outsider.status_code == 200 and outsider.context["rows"] == []
    assert b"You take part in no programme yet" in outsider.content
    anonymous = gov.client(None).get("/programmes/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_dashboard_page_per_persona(gov) -> None:
    url = "/programmes/mhhs/"
    for persona, open_raid in READERS:
        page = gov.client(getattr(gov, persona)).get(url)
        assert page.status_code == 200, persona
        assert page.context["board"].raid["total"] == open_raid
        body = page.content.decode()
        assert "RAID exposure trend" in body and "<svg" in body and "scored as it is today" in body
        assert 'id="si-metrics"' in body and "% Variance to Baseline Plan" in body
        assert 'id="phases"' in body and "Integration testing" in body
        if persona in ("alpha", "si", "desk"):
            assert PRIVATE_TITLES["r3"] not in body, persona
        if persona in ("bravo", "si", "desk"):
            assert PRIVATE_TITLES["r2"] not in body, persona
    office = gov.client(gov.office).get(url).content.decode()
    assert PRIVATE_TITLES["r3"] in office and PRIVATE_TITLES["r2"] in office
    # Each count of the open-RAID table opens the RAID log filtered to it; each top item its page.
    assert "/programmes/mhhs/raid/?kind=issue&amp;status=open&amp;rag=amber" in office
    assert f'href="/programmes/raid/{gov.r3.reference}/"' in office
    assert gov.client(gov.outsider).get(url).status_code == 404
    assert gov.client(gov.office).get("/programmes/nope/").status_code == 404
    assert gov.client(None).get(url).status_code == 302


def test_api_per_persona_matches_the_page(gov) -> None:
    for persona, open_raid in READERS:
        client = gov.client(getattr(gov, persona))
        listing = client.get(API)
        assert listing.status_code == 200
        item = next(i for i in listing.json()["items"] if i["code"] == "mhhs")
        assert item["open_raid"] == open_raid and item["dashboard_url"] == "/programmes/mhhs/"
        got = client.get(f"{API}/mhhs/dashboard")
        assert got.status_code == 200, persona
        body = got.json()
        assert body["raid_open"]["total"] == open_raid
        user = getattr(gov, persona)
        expected = dashboard_out(dashboard.build(user, gov.programme))
        assert body["raid_open"]["exposure"] == expected["raid_open"]["exposure"]
        assert body["raid_trend"]["series"][0]["values"] == expected["raid_trend"]["series"][0]["values"]
        assert [m["key"] for m in body["metrics"]] == [m["key"] for m in expected["metrics"]]
        assert body["actions"]["open"] == 3 and body["change_requests"]["by_status"][1]["count"] == 1
        assert body["variance_to_baseline"]["late"] == 1
        refs = {i["ref"] for i in body["top_exposures"]}
        assert ("R3" in refs) == (persona in ("office", "assurer", "bravo"))
        assert ("R2" in refs) == (persona in ("office", "assurer", "alpha"))
    outsider = gov.client(gov.outsider)
    assert outsider.get(API).json()["count"] == 0
    denied = outsider.get(f"{API}/mhhs/dashboard")
    assert denied.status_code == 404 and denied["Content-Type"] == "application/problem+json"
    assert gov.client(gov.office).get(f"{API}/nope/dashboard").status_code == 404
    assert gov.client(gov.office).get(f"{API}/bad code/dashboard").status_code in (404, 422)
    assert gov.client(None).get(f"{API}/mhhs/dashboard").status_code == 401
    assert gov.client(None).get(API).status_code == 401


def _more_data(gov, start: int, count: int) -> None:
    for n in range(start, start + count):
        raid(gov.programme, n, RaidKind.RISK, f"Risk {n}", likelihood=2, impact_score=2, is_public=True)
        Action.objects.create(
            programme=gov.programme,
            group=gov.tmag,
            meeting=gov.tmag19,
            sequence=n,
            reference=f"TMAG19-{n:02d}",
            raised_on=dt.date(2026, 11, 4),
            description=f"Action {n}",
        )
        Milestone.objects.create(programme=gov.programme, code=f"X{n}", name=f"Extra {n}", order=50 + n)


def test_page_query_counts_are_constant(gov, django_assert_max_num_queries) -> None:
    client = gov.client(gov.alpha)
    client.get("/programmes/mhhs/")
    client.get("/programmes/")
    with django_assert_max_num_queries(15):
        client.get("/programmes/mhhs/")
    with django_assert_max_num_queries(9):
        client.get("/programmes/")
    _more_data(gov, 5, 25)
    for code in ("other-1", "other-2", "other-3"):
        extra = Programme.objects.create(code=code, name=code.title())
        PlanPhase.objects.create(programme=extra, code="build", name="Build", rag=Rag.RED)
        Milestone.objects.create(programme=extra, code="M1", name="First", forecast_date=dt.date(2030, 1, 1))
    with django_assert_max_num_queries(15):
        assert client.get("/programmes/mhhs/").status_code == 200
    desk = gov.client(gov.desk)  # reads every programme
    desk.get("/programmes/")
    with django_assert_max_num_queries(9):
        page = desk.get("/programmes/")
    assert len(page.context["rows"]) == 4
    with django_assert_max_num_queries(8):
        assert desk.get(API).json()["count"] == 4
