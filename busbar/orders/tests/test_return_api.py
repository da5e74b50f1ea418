"""The hub returns API per persona: suppliers raise and follow their own, DCC processes them, Bravo and a
provider that is not DCC see nothing (404), bulk input reports every bad line and writes nothing."""

from __future__ import annotations

import pytest

from busbar.orders.models import HubReturn, HubReturnStatus, ReturnedHub
from busbar.orders.tests.conftest import OmsWorld
from busbar.orders.tests.test_return_flow import csv_text, raise_for, serial, working_day

pytestmark = pytest.mark.django_db
API = "/api/v1"


def body(count: int = 2, **extra) -> dict:
    return {
        "collection_address": "1 Meter Street, Leeds",
        "postcode": "LS1 4AP",
        "collection_date": working_day().isoformat(),
        "hubs": [{"serial": serial(i), "variant": "s2-cs-int", "fault": "F01"} for i in range(count)],
        **extra,
    }


def test_supplier_raises_by_json_and_by_csv(o: OmsWorld):
    client = o.client(o.world.user_a)
    made = client.post(f"{API}/hub-returns", body(), content_type="application/json")
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["hub_count"] == 2 and data["status"] == "requested" and "add_hubs" in data["allowed_actions"]
    query = f"collection_address=Depot&postcode=M1+1AE&collection_date={working_day().isoformat()}"
    sent = client.post(f"{API}/hub-returns/csv?{query}", csv_text(5, start=10), content_type="text/csv")
    assert sent.status_code == 201, sent.content
    assert sent.json()["hub_count"] == 5
    hubs = client.get(f"{API}/hub-returns/{sent.json()['reference']}/hubs?limit=2")
    assert hubs.json()["count"] == 5 and hubs.json()["items"][0]["line"] == 2


def test_bad_lines_all_reported_nothing_written(o: OmsWorld):
    raise_for(o, count=1, start=50)  # serial 50 is in a live return
    text = (
        "serial,variant,fault,note\n"
        f"{serial(1)},s2-cs-int,F01,\n"
        "not-a-serial,s2-cs-int,F01,\n"
        f"{serial(1)},s2-cs-int,F01,\n"
        f"{serial(2)},no-such,F99,\n"
        f"{serial(50)},s2-cs-int,F01,\n"
    )
    query = f"collection_address=Depot&postcode=M1+1AE&collection_date={working_day().isoformat()}"
    refused = o.client(o.world.user_a).post(f"{API}/hub-returns/csv?{query}", text, content_type="text/csv")
    assert refused.status_code == 422
    fields = [e["field"] for e in refused.json()["errors"]]
    assert fields == [
        "line 3, serial",
        "line 4, serial",
        "line 5, variant",
        "line 5, fault",
        "line 6, serial",
    ]
    assert "also on line 2" in refused.json()["errors"][1]["message"]
    assert HubReturn.objects.count() == 1
    bad = body()
    bad["hubs"][1]["serial"] = "00-11"
    refused = o.client(o.world.user_a).post(f"{API}/hub-returns", bad, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "hubs[1].serial"
    assert ReturnedHub.objects.count() == 1


def test_csv_needs_csv(o: OmsWorld):
    refused = o.client(o.world.user_a).post(
        f"{API}/hub-returns/csv?collection_date={working_day().isoformat()}",
        {"a": 1},
        content_type="application/json",
    )
    assert refused.status_code == 415


@pytest.mark.parametrize("who", ["user_b", "resolver", None])
def test_others_see_nothing(o: OmsWorld, who):
    hr = raise_for(o, count=2)
    user = getattr(o.world, who) if who else None
    client = o.client(user)
    expected = 401 if user is None else 404
    assert client.get(f"{API}/hub-returns/{hr.reference}").status_code == expected
    assert client.get(f"{API}/hub-returns/{hr.reference}/hubs").status_code == expected
    assert client.get(f"{API}/hub-serials/{serial(0)}").status_code == expected
    assert (
        client.post(
            f"{API}/hub-returns/{hr.reference}/cancel", {}, content_type="application/json"
        ).status_code
        == expected
    )
    if user is not None:
        listed = client.get(f"{API}/hub-returns").json()
        assert listed["count"] == 0
        assert client.get(f"{API}/hub-returns?serial={serial(0)}").json()["count"] == 0


def test_dcc_and_desk_see_all_and_find_serials(o: OmsWorld):
    hr = raise_for(o, count=2)
    for user in (o.dcc, o.world.analyst):
        client = o.client(user)
        assert client.get(f"{API}/hub-returns").json()["count"] == 1
        found = client.get(f"{API}/hub-serials/{serial(1).lower()}")
        assert found.status_code == 200 and found.json()["returns"][0]["reference"] == hr.reference
    mine = o.client(o.world.user_a).get(f"{API}/hub-serials/{serial(1)}")
    assert mine.json()["serial"] == "00-1B-C5-0C-00-00-00-01"
    assert o.client(o.world.user_a).get(f"{API}/hub-serials/xyz").status_code == 422


def test_dcc_processes_supplier_may_not(o: OmsWorld):
    hr = raise_for(o, count=2)
    url = f"{API}/hub-returns/{hr.reference}"
    supplier, dcc = o.client(o.world.user_a), o.client(o.dcc)
    assert supplier.post(f"{url}/collected", {}, content_type="application/json").status_code == 403
    assert dcc.post(f"{url}/received", {}, content_type="application/json").status_code == 409
    assert (
        dcc.post(f"{url}/collected", {"note": "On the van"}, content_type="application/json").status_code
        == 200
    )
    assert supplier.post(f"{url}/cancel", {}, content_type="application/json").status_code == 403
    assert dcc.post(f"{url}/received", {}, content_type="application/json").status_code == 200
    results = {
        "results": [
            {"serial": serial(0), "outcome": "credited"},
            {"serial": serial(1), "outcome": "rejected"},
        ]
    }
    refused = dcc.post(f"{url}/test-results", results, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "results[1].reason"
    assert supplier.post(f"{url}/test-results", results, content_type="application/json").status_code == 403
    csv = f"serial,outcome,reason\n{serial(0)},credited,\n{serial(1)},rejected,Water damage\n"
    done = dcc.post(f"{url}/test-results/csv", csv, content_type="text/csv")
    assert done.status_code == 200 and done.json()["status"] == "tested"
    closed = dcc.post(f"{url}/credit", {}, content_type="application/json")
    assert closed.json()["status"] == HubReturnStatus.CREDITED and closed.json()["credited_count"] == 1
    assert supplier.get(url).json()["status"] == "credited"


def test_supplier_cancels_adds_and_removes(o: OmsWorld):
    hr = raise_for(o, count=2)
    url = f"{API}/hub-returns/{hr.reference}"
    client = o.client(o.world.user_a)
    added = client.post(
        f"{url}/hubs",
        {"hubs": [{"serial": serial(9), "variant": "s2-cs-int", "fault": "F03"}]},
        content_type="application/json",
    )
    assert added.status_code == 201 and added.json() == {"added": 1}
    assert client.delete(f"{url}/hubs/{serial(9)}").json()["hub_count"] == 2
    assert (
        o.client(o.dcc)
        .post(
            f"{url}/hubs",
            {"hubs": [{"serial": serial(8), "variant": "s2-cs-int", "fault": "F03"}]},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    assert (
        client.post(f"{url}/cancel", {"reason": "Wrong box"}, content_type="application/json").json()[
            "status"
        ]
        == "cancelled"
    )


def test_fault_codes(o: OmsWorld):
    codes = o.client(o.world.user_a).get(f"{API}/hub-fault-codes").json()
    assert codes[0] == {"code": "F01", "label": "No WAN connection"}
    assert o.client(None).get(f"{API}/hub-fault-codes").status_code == 401
