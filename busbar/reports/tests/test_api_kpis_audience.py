"""GET /api/v1/kpis and /kpis/attribution per persona: the desk asks for anything; a provider for the end
to end and its own figures (another provider's are a 404); a participant for the end to end and its own
incidents' (naming any provider or another participant is a 404); only the desk compares providers."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
API = "/api/v1/kpis"
PROBLEM = "application/problem+json"
MAY = {"from": "2027-05", "to": "2027-05", "kpi": "incidents"}


def _incidents(response) -> int:
    assert response.status_code == 200, response.content
    [row] = response.json()["rows"]
    return int(float(row["values"]["incidents"]["value"]))


def test_desk_sees_any_provider_and_the_comparison(slm):
    client = slm.client(slm.desk)
    assert _incidents(client.get(API, MAY | {"provider": slm.gas_org.pk})) == 2
    response = client.get(API, MAY | {"group_by": "provider"})
    assert response.status_code == 200
    assert {r["key"]["provider"] for r in response.json()["rows"]} == {slm.world.provider.pk, slm.gas_org.pk}


def test_provider_sees_its_own_and_end_to_end_not_another(slm):
    client = slm.client(slm.provider)
    assert _incidents(client.get(API, MAY)) == 6
    assert _incidents(client.get(API, MAY | {"provider": slm.world.provider.pk})) == 4
    other = client.get(API, MAY | {"provider": slm.gas_org.pk})
    assert other.status_code == 404 and other["Content-Type"] == PROBLEM
    compare = client.get(API, MAY | {"group_by": "provider"})
    assert compare.status_code == 403 and compare.json()["errors"][0]["field"] == "group_by"
    gas = slm.client(slm.gas).get(API, MAY | {"provider": slm.world.provider.pk})
    assert gas.status_code == 404


def test_participant_end_to_end_and_own_incidents_only(slm):
    client = slm.client(slm.bravo)
    assert _incidents(client.get(API, MAY)) == 6
    assert _incidents(client.get(API, MAY | {"organisation": slm.world.org_b.pk})) == 2
    assert client.get(API, MAY | {"organisation": slm.world.org_a.pk}).status_code == 404
    named = client.get(API, MAY | {"provider": slm.world.provider.pk})
    assert named.status_code == 404 and named["Content-Type"] == PROBLEM
    assert client.get(API, MAY | {"group_by": "provider"}).status_code == 403


def test_attribution_shows_each_its_own_holders(slm):
    def labels(user):
        response = slm.client(user).get(f"{API}/attribution", {"from": "2027-05", "to": "2027-05"})
        assert response.status_code == 200, response.content
        return {(h["kind"], h["label"]): h["minutes"] for h in response.json()["holdings"]}

    desk = labels(slm.desk)
    assert desk[("provider", "Gas CDS")] == 1790
    assert desk[("desk", "Service desk")] == 15 + 30 + 10 + 5
    provider = labels(slm.provider)
    assert ("provider", "Gas CDS") not in provider and provider[("others", "Other providers")] == 1790
    assert provider[("provider", slm.world.provider.name)] == 360 + 810 + 205
    participant = labels(slm.alpha)
    assert {kind for kind, _ in participant} == {"desk", "others"}
    assert participant[("others", "Providers")] == 360 + 810 + 205 + 1790


def test_anonymous_is_401(slm):
    for path in (API, f"{API}/attribution", f"{API}/definitions"):
        assert Client().get(path).status_code == 401
