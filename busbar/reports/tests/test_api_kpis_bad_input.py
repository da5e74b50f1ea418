"""GET /api/v1/kpis refuses bad input with a 422 problem naming the field: a range over 60 months or
backwards ("to"), a malformed month, an unknown KPI, group, provider, service or severity."""

import pytest

pytestmark = pytest.mark.django_db
API = "/api/v1/kpis"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2020-01", "to": "2025-01"}, "to"),  # 61 months
        ({"from": "2027-05", "to": "2027-04"}, "to"),
        ({"from": "2027-13"}, "from"),
        ({"to": "May 2027"}, "to"),
        ({"kpi": "incidents,speed"}, "kpi"),
        ({"group_by": "month,colour"}, "group_by"),
        ({"service": "no-such-service"}, "service"),
        ({"service": "999999"}, "service"),
        ({"severity": "9"}, "severity"),
        ({"organisation": "0"}, "organisation"),
        ({"provider": "99999999999999999999999"}, "provider"),
    ],
)
def test_bad_query_is_422_naming_the_field(slm, params, field):
    response = slm.client(slm.desk).get(API, params)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


def test_unknown_provider_is_422_for_the_desk(slm):
    for pk in (999_999, slm.world.org_a.pk):  # nothing, and a participant (not a provider)
        response = slm.client(slm.desk).get(API, {"provider": pk})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "provider"


def test_sixty_months_is_allowed(slm):
    response = slm.client(slm.desk).get(API, {"from": "2022-07", "to": "2027-06", "kpi": "incidents"})
    assert response.status_code == 200, response.content
