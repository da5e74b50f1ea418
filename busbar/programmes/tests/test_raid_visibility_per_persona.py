"""Public and private RAID items per persona (GV-23), through every way of reading the log: the page, its
filters, tabs and counts, the heat grid, the item page, the CSV export and the API (list, summary, one
item, export). The office and assurers read all four items; Alpha the public ones and R2 (its own);
Bravo the public ones and R3 (its own); the SI and the desk the public ones; an outsider nothing (404)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from busbar.programmes.models import RaidKind
from busbar.programmes.tests.conftest import raid

API = "/api/v1/programmes"

#: persona → the R numbers it reads.
EXPECTED = {
    "office": [1, 2, 3, 4],
    "assurer": [1, 2, 3, 4],
    "alpha": [1, 2, 4],
    "bravo": [1, 3, 4],
    "si": [1, 4],
    "desk": [1, 4],
}


def _refs(content: bytes) -> list[int]:
    """The R numbers linked from a list page's rows."""
    return sorted(
        {
            int(n)
            for n in re.findall(rb'<th scope="row"><a href="/programmes/raid/RAID\d+/">R(\d+)</a>', content)
        }
    )


def _csv_refs(response) -> list[int]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return sorted(int(r[0][1:]) for r in rows[1:])


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_each_persona_reads_its_items_everywhere(gov, persona) -> None:
    user = getattr(gov, persona)
    client = gov.client(user)
    want = EXPECTED[persona]
    page = client.get("/programmes/mhhs/raid/")
    assert page.status_code == 200
    assert _refs(page.content) == want
    assert f"All items: {len(want)}".encode() in page.content
    assert _csv_refs(client.get("/programmes/mhhs/raid/export/?format=csv")) == want
    listed = client.get(f"{API}/mhhs/raid").json()
    assert listed["count"] == len(want)
    assert sorted(i["number"] for i in listed["items"]) == want
    summary = client.get(f"{API}/mhhs/raid/summary").json()
    assert summary["totals"]["all"]["all"] == len(want)
    assert sum(c["count"] for c in summary["heat_grid"]) == len([n for n in want if n != 4])  # R4 unscored
    for item in (gov.r1, gov.r2, gov.r3, gov.r4):
        seen = item.number in want
        assert client.get(f"/programmes/raid/{item.reference}/").status_code == (200 if seen else 404)
        assert client.get(f"{API}/raid/{item.reference}").status_code == (200 if seen else 404)


def test_outsider_gets_404_everywhere(gov) -> None:
    client = gov.client(gov.outsider)
    for url in (
        "/programmes/mhhs/raid/",
        "/programmes/mhhs/raid/export/?format=csv",
        "/programmes/mhhs/raid/new/",
        "/programmes/mhhs/raid/import/",
        "/programmes/mhhs/raid/import/template/",
        f"/programmes/raid/{gov.r1.reference}/",
        f"{API}/mhhs/raid",
        f"{API}/mhhs/raid/summary",
        f"{API}/mhhs/raid/export",
        f"{API}/mhhs/raid/import/template",
        f"{API}/raid/{gov.r1.reference}",
        f"{API}/raid/{gov.r1.reference}/updates",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/programmes/raid/{gov.r1.reference}/close/", {"close-reason": "x"}).status_code == 404
    )
    assert (
        client.post(f"{API}/raid/{gov.r1.reference}/close", {"reason": "x"}, content_type="application/json")
    ).status_code == 404


def test_filters_and_counts_never_show_private_items_of_others(gov) -> None:
    alpha, bravo, office = gov.client(gov.alpha), gov.client(gov.bravo), gov.client(gov.office)
    # Private items: Alpha its own R2 only, Bravo its own R3 only, the office both.
    assert _refs(alpha.get("/programmes/mhhs/raid/?public=no").content) == [2]
    assert _refs(bravo.get("/programmes/mhhs/raid/?public=no").content) == [3]
    assert _refs(office.get("/programmes/mhhs/raid/?public=no").content) == [2, 3]
    assert [i["number"] for i in alpha.get(f"{API}/mhhs/raid?public=false").json()["items"]] == [2]
    # Issues: only R3 is one, and it is Bravo's and private.
    assert alpha.get(f"{API}/mhhs/raid?kind=issue").json()["count"] == 0
    assert bravo.get(f"{API}/mhhs/raid?kind=issue").json()["count"] == 1
    # The type tabs count what the person reads.
    page = alpha.get("/programmes/mhhs/raid/").content
    assert re.search(rb"Risks <span class=\"badge\">2</span>", page)
    assert re.search(rb"Issues <span class=\"badge\">0</span>", page)
    page = office.get("/programmes/mhhs/raid/").content
    assert re.search(rb"Issues <span class=\"badge\">1</span>", page)
    # Filtering by Bravo as owner shows Alpha nothing; searching R3 by reference finds nothing for Alpha.
    assert _refs(alpha.get(f"/programmes/mhhs/raid/?owner={gov.world.org_b.pk}").content) == []
    assert _refs(alpha.get("/programmes/mhhs/raid/?q=R3").content) == []
    assert _refs(bravo.get("/programmes/mhhs/raid/?q=R3").content) == [3]
    assert _refs(alpha.get("/programmes/mhhs/raid/?q=Bravo").content) == []
    # The heat grid and the summary count only what is visible (R3 is 5×2).
    assert alpha.get(f"{API}/mhhs/raid/summary?likelihood=5&impact=2").json()["totals"]["all"]["all"] == 0
    assert bravo.get(f"{API}/mhhs/raid/summary?likelihood=5&impact=2").json()["totals"]["all"]["all"] == 1
    # Alpha's export of private items holds R2 only.
    assert _csv_refs(alpha.get("/programmes/mhhs/raid/export/?format=csv&public=no")) == [2]


def test_phase_views_and_filters(gov) -> None:
    office = gov.client(gov.office)
    page = office.get("/programmes/mhhs/raid/?phase=integration-testing")
    assert page.status_code == 200 and b"Planning RAID: Integration testing" in page.content
    assert _refs(page.content) == [1, 2]
    assert _refs(office.get("/programmes/mhhs/raid/?phase=migration").content) == [4]
    assert _refs(office.get("/programmes/mhhs/raid/?phase=none").content) == [3]
    assert _refs(office.get("/programmes/mhhs/raid/?rag=red").content) == [2]
    assert _refs(office.get("/programmes/mhhs/raid/?min_exposure=10").content) == [1, 3]
    assert _refs(office.get("/programmes/mhhs/raid/?theme=data").content) == [3]
    assert _refs(office.get("/programmes/mhhs/raid/?status=closed").content) == []
    # Invalid values are ignored, one by one.
    assert _refs(office.get("/programmes/mhhs/raid/?kind=bogus&min_exposure=99&owner=x&rag=red").content) == [
        2
    ]
    # A type's tab shows its own columns under the seed's headers, and its RAG legend.
    risks = office.get("/programmes/mhhs/raid/?kind=risk").content
    assert b"Planned mitigating activities" in risks and b"Potential Impact" in risks
    assert b"There is no plan (or there is an immature plan) to manage impact" in risks
    deps = office.get("/programmes/mhhs/raid/?kind=dependency").content
    assert b"Impacting Milestone or Activity" in deps and b"Manageable?" in deps
    assert b"There is no clear plan to manage dependency yet" in deps
    assert b"M10" in deps and b"M14" in deps
    assumptions = office.get("/programmes/mhhs/raid/?kind=assumption").content
    assert b"Assumption Uncertainty" in assumptions and b"The assumption is likely to change" in assumptions
    # Sorting by exposure, highest first: R1 (12), R3 (10), R2 (6), R4 (0).
    listed = office.get(f"{API}/mhhs/raid?sort=-exposure").json()["items"]
    assert [i["ref"] for i in listed] == ["R1", "R3", "R2", "R4"]
    listed = office.get(f"{API}/mhhs/raid?sort=rag").json()["items"]
    assert [i["ref"] for i in listed][0] == "R2"
    assert office.get(f"{API}/mhhs/raid?sort=bogus").status_code == 422
    assert office.get(f"{API}/mhhs/raid?min_exposure=26").status_code == 422


def test_list_page_query_count_does_not_grow(gov, django_assert_max_num_queries) -> None:
    client = gov.client(gov.office)
    client.get("/programmes/mhhs/raid/")
    with django_assert_max_num_queries(30) as before:
        assert client.get("/programmes/mhhs/raid/").status_code == 200
    for n in range(5, 25):
        raid(
            gov.programme,
            n,
            RaidKind.RISK if n % 2 else RaidKind.DEPENDENCY,
            f"Item {n}",
            likelihood=2,
            impact_score=3,
            owner_organisation=gov.world.org_a,
            phase=gov.phase_it,
            impacting_milestone=gov.m10 if n % 2 == 0 else None,
            is_public=True,
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert client.get("/programmes/mhhs/raid/").status_code == 200
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert client.get("/programmes/mhhs/raid/?kind=dependency").status_code == 200
    api = gov.client(gov.alpha)
    api.get(f"{API}/mhhs/raid")
    with django_assert_max_num_queries(15) as api_before:
        api.get(f"{API}/mhhs/raid?limit=5")
    with django_assert_max_num_queries(len(api_before.captured_queries)):
        assert len(api.get(f"{API}/mhhs/raid?limit=50").json()["items"]) == 23


def test_hostile_list_input_answers_4xx(gov) -> None:
    client = gov.client(gov.office)
    assert client.get("/programmes/mhhs/raid/?q=a%00b").status_code == 400
    assert client.get(f"{API}/mhhs/raid?q=a%00b").status_code == 422
    assert client.get(f"{API}/mhhs/raid?offset=99999999999").status_code == 422
    assert client.get("/programmes/mhhs/raid/export/?format=pdf").status_code == 400
    assert client.get(f"{API}/mhhs/raid/export?format=pdf").status_code == 422
    assert client.get("/programmes/mhhs/raid/?page=999&sort=" + "x" * 500).status_code == 200
    assert client.get(f"{API}/raid/RAID99999999999").status_code == 404
    assert client.get("/programmes/raid/not-a-reference/").status_code == 404
    xlsx = client.get(f"{API}/mhhs/raid/export?format=xlsx&kind=dependency")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
