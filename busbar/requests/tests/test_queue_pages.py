"""The request pages per persona: the tabs, the desk queue with filters, sorting and CSV export in a
constant number of queries; the request's page with the forms its viewer may use, and their effect."""

from __future__ import annotations

import pytest
from django.test import Client

from busbar.requests import actions
from busbar.requests.models import RequestStatus
from busbar.requests.tests._lifecycle import raise_info, raise_network, to_fulfilment
from busbar.requests.tests.conftest import actor

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_sign_in(r) -> None:
    req = raise_info(r)
    for url in ("/requests/", f"/requests/{req.reference}/", "/requests/export/"):
        assert Client().get(url).status_code == 302


def test_tabs_per_persona(r) -> None:
    w = r.world
    mine, network = raise_info(r), raise_network(r)
    bravo = raise_info(r, user=w.user_b, organisation=w.org_b)
    page = r.client(w.user_a).get("/requests/").content.decode()
    assert mine.reference in page and network.reference in page and bravo.reference not in page
    assert "Desk queue" not in page
    approvals = r.client(w.admin_a).get("/requests/?tab=approvals").content.decode()
    assert network.reference in approvals and mine.reference not in approvals
    queue = r.client(w.analyst).get("/requests/?tab=queue").content.decode()
    assert all(x.reference in queue for x in (mine, network, bravo))
    tasks = r.client(w.resolver).get("/requests/?tab=tasks").content.decode()
    assert network.reference not in tasks  # the provider's task has not opened yet
    to_fulfilment(r, network)
    desk_tasks = r.client(w.analyst).get("/requests/?tab=tasks").content.decode()
    assert network.reference in desk_tasks
    assert r.client(w.user_b).get("/requests/?tab=queue").status_code == 200  # falls back to its own tab


def test_queue_filters_sort_and_export(r) -> None:
    w = r.world
    info, network = raise_info(r), raise_network(r)
    client = r.client(w.analyst)
    only_info = client.get(f"/requests/?tab=queue&item={r.info.pk}&sort=sla_due").content.decode()
    assert info.reference in only_info and network.reference not in only_info
    assert client.get("/requests/?tab=queue&status=bogus").status_code == 400
    csv = client.get(f"/requests/export/?tab=queue&item={r.network.pk}&format=csv")
    body = b"".join(csv.streaming_content).decode()
    assert csv.status_code == 200 and network.reference in body and info.reference not in body
    bravo_csv = b"".join(r.client(w.user_b).get("/requests/export/?format=csv").streaming_content).decode()
    assert info.reference not in bravo_csv


def test_list_query_count_is_constant(r, django_assert_max_num_queries) -> None:
    client = r.client(r.world.analyst)
    raise_info(r)
    client.get("/requests/?tab=queue")
    with django_assert_max_num_queries(14) as few:
        client.get("/requests/?tab=queue")
    for _ in range(8):
        raise_info(r)
        raise_network(r)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/requests/?tab=queue")
    assert response.status_code == 200


def test_detail_offers_only_what_permissions_allow(r) -> None:
    w = r.world
    req = raise_network(r)
    admin_page = r.client(w.admin_a).get(f"/requests/{req.reference}/").content.decode()
    assert 'id="do-approve"' in admin_page and 'id="do-reject"' in admin_page
    own_page = r.client(w.user_a).get(f"/requests/{req.reference}/").content.decode()
    assert 'id="do-approve"' not in own_page and 'id="do-cancel"' in own_page
    assert "Wanted by" in own_page and "CSS" in own_page  # answers with the item's labels and names
    assert 'id="do-wait"' not in r.client(w.analyst).get(f"/requests/{req.reference}/").content.decode()
    assert r.client(w.user_b).get(f"/requests/{req.reference}/").status_code == 404
    assert r.client(r.dcc).get(f"/requests/{req.reference}/").status_code == 404


def test_forms_on_the_page_act_and_refuse(r) -> None:
    w = r.world
    req = raise_network(r)
    first = req.approvals.get(order=0)
    url = f"/requests/{req.reference}/do/approve/"
    refused = r.client(w.user_a).post(url, {"approve-approval": first.pk})
    assert refused.status_code == 403
    done = r.client(w.admin_a).post(url, {"approve-approval": first.pk, "approve-reason": "Fine"})
    assert done.status_code == 302
    first.refresh_from_db()
    assert first.status == "approved" and first.reason == "Fine"
    second = req.approvals.get(order=1)
    r.client(w.ops).post(url, {"approve-approval": second.pk})
    task = req.tasks.get(order=0)
    assert (
        r.client(w.resolver).post(f"/requests/{req.reference}/do/start/", {"start-task": task.pk}).status_code
        == 403
    )
    assert (
        r.client(w.analyst).post(f"/requests/{req.reference}/do/start/", {"start-task": task.pk}).status_code
        == 302
    )
    missing = r.client(w.analyst).post(f"/requests/{req.reference}/do/wait/", {"wait-question": ""})
    assert missing.status_code == 422
    assert r.client(w.analyst).get(f"/requests/{req.reference}/do/wait/").status_code == 302
    posted = r.client(w.user_a).post(f"/requests/{req.reference}/do/update/", {"update-body": "Thanks"})
    assert posted.status_code == 302
    assert "Thanks" in r.client(w.resolver).get(f"/requests/{req.reference}/").content.decode()
    note = r.client(w.user_a).post(f"/requests/{req.reference}/do/note/", {"note-body": "secret"})
    assert note.status_code == 403
    r.client(w.analyst).post(f"/requests/{req.reference}/do/note/", {"note-body": "desk only"})
    assert "desk only" not in r.client(w.user_a).get(f"/requests/{req.reference}/").content.decode()
    assert "desk only" in r.client(w.resolver).get(f"/requests/{req.reference}/").content.decode()


def test_cancel_and_close_buttons(r) -> None:
    w = r.world
    req = raise_info(r)
    assert r.client(w.user_b).post(f"/requests/{req.reference}/do/cancel/", {}).status_code == 404
    assert r.client(w.user_a).post(f"/requests/{req.reference}/do/cancel/", {}).status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.CANCELLED
    page = r.client(w.user_a).get(f"/requests/{req.reference}/").content.decode()
    assert 'id="do-close"' in page and 'id="do-cancel"' not in page
    actions.close_request(actor=actor(w.user_a), request=req)
