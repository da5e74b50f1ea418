"""The change-notification report over the API: Switching Operations only, for a bounded period."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
API = "/api/v1/changes/reports"


def test_the_desk_reads_the_report_for_a_period(chg) -> None:
    response = chg.client(chg.desk).get(f"{API}?from=2027-04-01&to=2027-06-30")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {"start": "2027-04-01", "end": "2027-06-30", "days": 91}
    assert body["total"]["total"] == 3  # done, live, accepted: drafts and later starts not counted
    by_provider = {t["label"]: t["total"] for t in body["providers"]}
    assert by_provider == {"CSS Provider": 1, "Gas CDS": 2}
    majors = {t["label"]: t["total"] for t in body["types"]}["Major"]
    assert majors == 1


def test_others_may_not_read_it(chg) -> None:
    for user in (chg.provider, chg.alpha):
        response = chg.client(user).get(API)
        assert response.status_code == 403, response.content
    assert Client().get(API).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2027-06-30&to=2027-04-01", "to"),
        ("from=2020-01-01&to=2027-01-01", "to"),
        ("from=2027-13-01", "from"),
    ],
)
def test_a_bad_period_is_422_naming_the_field(chg, query: str, field: str) -> None:
    response = chg.client(chg.desk).get(f"{API}?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
