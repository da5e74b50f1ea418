"""The requests API per persona: 404 for what one may not see, 403 for what one may not do, 409 for a
state that does not allow it, 422 naming the field; allowed_actions from the permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from busbar.requests.models import Request, RequestStatus
from busbar.requests.tests._lifecycle import raise_info, raise_network, to_fulfilment
from busbar.requests.tests.conftest import TODAY

pytestmark = pytest.mark.django_db
API = "/api/v1/requests"


def _post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_anonymous_is_401(r) -> None:
    assert Client().get(API).status_code == 401
    assert _post(Client(), API, {"item": "information"}).status_code == 401


def test_list_per_persona_and_filters(r, django_assert_max_num_queries) -> None:
    w = r.world
    info, network = raise_info(r), raise_network(r)
    bravo = raise_info(r, user=w.user_b, organisation=w.org_b)

    def refs(user, query=""):
        data = r.client(user).get(f"{API}{query}").json()
        return {i["reference"] for i in data["items"]}

    assert refs(w.user_a) == {info.reference, network.reference}
    assert refs(w.user_b) == {bravo.reference}
    assert refs(w.resolver) == {network.reference}
    assert refs(w.analyst, "?item=information") == {info.reference, bravo.reference}
    assert refs(w.admin_a, "?awaiting_my_approval=true") == {network.reference}
    assert refs(w.analyst, f"?organisation={w.org_b.pk}&status=open") == {bravo.reference}
    bad = r.client(w.analyst).get(f"{API}?item=nope")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "item"
    assert {i["reference"] for i in r.client(w.admin_a).get(f"{API}/approvals").json()["items"]} == {
        network.reference
    }
    to_fulfilment(r, network)
    assert {i["reference"] for i in r.client(w.analyst).get(f"{API}/tasks").json()["items"]} == {
        info.reference,
        bravo.reference,
        network.reference,
    }
    assert r.client(w.resolver).get(f"{API}/tasks").json()["items"] == []


def test_raise_through_the_api(r) -> None:
    w = r.world
    body = {
        "item": "network-connection",
        "answers": {
            "wanted_by": (TODAY + dt.timedelta(days=300)).isoformat(),
            "circuits": 2,
            "service": r.css.pk,
        },
        "summary": "Second site",
    }
    client = r.client(w.user_a)
    bad = _post(client, API, body)  # 300 days ahead is past the item's 90
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "wanted_by"
    assert not Request.objects.exists()
    body["answers"]["wanted_by"] = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    made = _post(client, API, body)
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["status"] == "awaiting_approval" and data["answers"]["circuits"] == 2
    assert "cancel" in data["allowed_actions"] and not any(
        a.startswith("approve") for a in data["allowed_actions"]
    )
    for_alpha = {**body, "organisation": w.org_a.pk}
    assert _post(r.client(w.user_b), API, for_alpha).status_code == 403  # not Bravo's organisation
    assert _post(client, API, {"item": "uk-link-access"}).status_code == 403  # a redirect raises nothing
    unknown = _post(client, API, {"item": "nothing-here"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "item"


def test_approve_reject_and_task_endpoints(r) -> None:
    w = r.world
    req = raise_network(r, user=w.admin_a)
    first = req.approvals.get(order=0)
    own = _post(r.client(w.admin_a), f"{API}/{req.reference}/approvals/{first.pk}/approve")
    assert own.status_code == 403 and "own request" in own.json()["detail"]
    assert _post(r.client(w.user_b), f"{API}/{req.reference}/approvals/{first.pk}/approve").status_code == 404
    # Another administrator of Alpha decides instead.
    from busbar.conftest import make_user
    from busbar.parties.models import MembershipRole

    other = make_user(w.org_a, "admin2@alpha.example", MembershipRole.ORG_ADMIN, mfa=True)
    detail = r.client(other).get(f"{API}/{req.reference}").json()
    assert f"approve:{first.pk}" in detail["allowed_actions"]
    no_reason = _post(r.client(other), f"{API}/{req.reference}/approvals/{first.pk}/reject", {"reason": ""})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    assert _post(r.client(other), f"{API}/{req.reference}/approvals/{first.pk}/approve").status_code == 200
    again = _post(r.client(other), f"{API}/{req.reference}/approvals/{first.pk}/approve")
    assert again.status_code == 409
    second = req.approvals.get(order=1)
    done = _post(r.client(w.ops), f"{API}/{req.reference}/approvals/{second.pk}/approve")
    assert done.status_code == 200 and done.json()["status"] == "in_fulfilment"
    task = req.tasks.get(order=0)
    assert _post(r.client(w.resolver), f"{API}/{req.reference}/tasks/{task.pk}/start").status_code == 403
    started = _post(r.client(w.analyst), f"{API}/{req.reference}/tasks/{task.pk}/start")
    assert started.status_code == 200 and started.json()["tasks"][0]["assigned_to"]["id"] == w.analyst.pk
    assign = _post(
        r.client(w.analyst), f"{API}/{req.reference}/tasks/{task.pk}/assign", {"assignee": w.user_b.pk}
    )
    assert assign.status_code == 422 and assign.json()["errors"][0]["field"] == "assignee"
    assert _post(r.client(w.analyst), f"{API}/{req.reference}/tasks/99999/complete").status_code == 422
    assert (
        _post(
            r.client(w.analyst), f"{API}/{req.reference}/tasks/{task.pk}/complete", {"note": "ok"}
        ).status_code
        == 200
    )
    provider_task = req.tasks.get(order=1)
    handed = _post(
        r.client(w.resolver),
        f"{API}/{req.reference}/tasks/{provider_task.pk}/reassign",
        {"organisation": r.dcc_org.pk},
    )
    assert handed.status_code == 403
    handed = _post(
        r.client(w.analyst),
        f"{API}/{req.reference}/tasks/{provider_task.pk}/reassign",
        {"organisation": r.dcc_org.pk},
    )
    assert handed.status_code == 200
    assert r.client(r.dcc).get(f"{API}/{req.reference}").status_code == 200  # DCC now sees it
    finished = _post(r.client(r.dcc), f"{API}/{req.reference}/tasks/{provider_task.pk}/complete")
    assert finished.status_code == 200 and finished.json()["status"] == "fulfilled"


def test_request_state_endpoints(r) -> None:
    w = r.world
    req = raise_info(r)
    url = f"{API}/{req.reference}"
    assert _post(r.client(w.user_a), f"{url}/wait", {"question": "x"}).status_code == 403
    assert _post(r.client(w.user_b), f"{url}/wait", {"question": "x"}).status_code == 404
    assert (
        _post(r.client(w.analyst), f"{url}/wait", {"question": "Which?"}).json()["status"]
        == "waiting_on_requester"
    )
    assert _post(r.client(w.analyst), f"{url}/wait", {"question": "Again"}).status_code == 409
    assert _post(r.client(w.user_a), f"{url}/answer", {"answer": "This"}).json()["status"] == "in_fulfilment"
    assert _post(r.client(w.user_a), f"{url}/close").status_code == 409
    assert _post(r.client(w.user_a), f"{url}/reopen", {"reason": "x"}).status_code == 409
    update = _post(r.client(w.user_a), f"{url}/updates", {"body": "Any news?"})
    assert update.status_code == 201 and update.json()["is_internal"] is False
    assert _post(r.client(w.user_a), f"{url}/updates", {"body": "psst", "internal": True}).status_code == 403
    assert _post(r.client(w.analyst), f"{url}/updates", {"body": "desk", "internal": True}).status_code == 201
    bodies = [u["body"] for u in r.client(w.user_a).get(url).json()["updates"]]
    assert "desk" not in bodies and "Any news?" in bodies
    assert _post(r.client(w.analyst), f"{url}/updates", {"body": "  "}).status_code == 422
    assert _post(r.client(w.user_b), f"{url}/cancel").status_code == 404
    assert _post(r.client(w.user_a), f"{url}/cancel", {"reason": "Done"}).json()["status"] == "cancelled"
    assert _post(r.client(w.user_a), f"{url}/close").json()["status"] == RequestStatus.CLOSED
    assert r.client(w.analyst).get(f"{API}/REQ9999999").status_code == 404
