"""The inbox: each person sees, marks read and counts only their own notifications, on the page, the bell
and the API; ``deliver`` puts a notification only before those who may see its record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from busbar.conftest import bearer
from busbar.incidents.tests.conftest import raise_for
from busbar.records.inbox import deliver
from busbar.records.models import Notification


@pytest.fixture
def incident(world, catalogue):
    return raise_for(world, catalogue, user=world.user_a, summary="Switch requests rejected")


def _deliver_all(world, incident):
    people = [
        world.user_a,
        world.user_b,
        world.resolver,
        world.analyst,
        world.ops,
        world.platform_admin,
        world.admin_a,
    ]
    return deliver(
        recipients=people,
        kind=Notification.Kind.ASSIGNMENT,
        record=incident,
        title=f"{incident.reference} assigned",
        url=f"/incidents/{incident.reference}/",
    )


def test_deliver_keeps_only_those_who_may_see_the_record(world, incident) -> None:
    made = _deliver_all(world, incident)
    got = {n.recipient_id for n in made}
    # Bravo's participant may not see Alpha's unpublished incident, nor the provider before it is assigned.
    assert world.user_b.pk not in got and world.resolver.pk not in got
    assert got == {
        u.pk for u in (world.user_a, world.analyst, world.ops, world.platform_admin, world.admin_a)
    }
    assert Notification.objects.filter(recipient=world.user_b).count() == 0


def test_deliver_drops_duplicates_and_accepts_a_kernel_record(world, incident) -> None:
    made = deliver(
        recipients=[world.analyst, world.analyst, None],
        kind="mention",
        record=incident.record,
        title="x" * 400,
        url="/",
    )
    assert len(made) == 1
    assert len(made[0].title) == 300


def test_deliver_refuses_an_unknown_kind(world, incident) -> None:
    with pytest.raises(ValueError):
        deliver(recipients=[world.analyst], kind="spam", record=incident, title="t", url="/")


@pytest.mark.parametrize("who", ["user_a", "admin_a", "analyst", "ops", "platform_admin"])
def test_inbox_page_lists_own_notifications_newest_first(world, incident, who) -> None:
    _deliver_all(world, incident)
    user = getattr(world, who)
    deliver(recipients=[user], kind="bulletin", record=incident, title="Newest bulletin", url="/x/")
    response = world.client(user).get(reverse("inbox"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Newest bulletin") < body.index(f"{incident.reference} assigned")
    assert 'id="inbox-bell"' in body
    assert '<span class="count">2</span>' in body


def test_inbox_page_shows_nothing_of_another_persons(world, incident) -> None:
    _deliver_all(world, incident)
    response = world.client(world.user_b).get(reverse("inbox"))
    assert response.status_code == 200
    assert incident.reference not in response.content.decode()
    assert "Your inbox is empty" in response.content.decode()


def test_inbox_page_needs_sign_in(world) -> None:
    response = world.client(None).get(reverse("inbox"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_mark_read_without_javascript_redirects_back(world, incident) -> None:
    _deliver_all(world, incident)
    mine = Notification.objects.get(recipient=world.user_a)
    client = world.client(world.user_a)
    response = client.post(reverse("inbox_read", args=[mine.pk]), {"next": "/inbox/?unread=1"})
    assert response.status_code == 302
    assert response["Location"] == "/inbox/?unread=1"
    mine.refresh_from_db()
    assert mine.read_at is not None
    page = client.get(reverse("inbox")).content.decode()
    assert '<span class="count">' not in page


def test_mark_read_with_htmx_swaps_the_row_and_the_bell(world, incident) -> None:
    _deliver_all(world, incident)
    mine = Notification.objects.get(recipient=world.user_a)
    response = world.client(world.user_a).post(reverse("inbox_read", args=[mine.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="notification-{mine.pk}"' in body
    assert 'hx-swap-oob="true"' in body
    assert "Mark read" not in body


def test_mark_read_of_another_persons_notification_is_not_found(world, incident) -> None:
    _deliver_all(world, incident)
    theirs = Notification.objects.get(recipient=world.analyst)
    for user in (world.user_a, world.user_b, world.resolver, world.ops, world.platform_admin):
        response = world.client(user).post(reverse("inbox_read", args=[theirs.pk]))
        assert response.status_code == 404
    assert world.client(None).post(reverse("inbox_read", args=[theirs.pk])).status_code == 302
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_own(world, incident) -> None:
    _deliver_all(world, incident)
    response = world.client(world.analyst).post(reverse("inbox_read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=world.analyst, read_at__isnull=True).exists()
    assert Notification.objects.filter(read_at__isnull=True).count() == 4


def test_inbox_page_is_paginated_in_bounded_queries(world, incident, django_assert_max_num_queries) -> None:
    for n in range(30):
        deliver(recipients=[world.analyst], kind="bulletin", record=incident, title=f"Bulletin {n}", url="/")
    client = world.client(world.analyst)
    client.get(reverse("inbox"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("inbox"))
    body = response.content.decode()
    assert "Bulletin 29" in body and "Bulletin 4" not in body
    assert "Page 1 of 2" in body
    assert "Bulletin 4" in client.get(reverse("inbox") + "?page=2").content.decode()


def test_bell_count_costs_one_query(world, incident) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    deliver(recipients=[world.analyst], kind="bulletin", record=incident, title="B", url="/")
    client = world.client(world.analyst)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    assert '<span class="count">1</span>' in page
    counting = [
        q for q in queries.captured_queries if "records_notification" in q["sql"] and "COUNT" in q["sql"]
    ]
    assert len(counting) == 1


# API -------------------------------------------------------------------------------------------------------


def test_api_lists_only_own_and_filters_unread(world, incident) -> None:
    _deliver_all(world, incident)
    client = world.client(world.user_a)
    body = client.get("/api/v1/inbox").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["reference"] == incident.reference and item["unread"] is True and item["kind"] == "assignment"
    assert client.get("/api/v1/inbox?unread=false").json()["count"] == 0
    assert world.client(world.user_b).get("/api/v1/inbox").json()["count"] == 0


def test_api_mark_read_own_and_not_anothers(world, incident) -> None:
    _deliver_all(world, incident)
    mine = Notification.objects.get(recipient=world.platform_admin)
    theirs = Notification.objects.get(recipient=world.analyst)
    client = world.client(world.platform_admin)
    response = client.post(f"/api/v1/inbox/{mine.pk}/read")
    assert response.status_code == 200 and response.json()["unread"] is False
    assert client.post(f"/api/v1/inbox/{theirs.pk}/read").status_code == 404
    assert client.post("/api/v1/inbox/0/read").status_code == 422
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_read_all(world, incident) -> None:
    _deliver_all(world, incident)
    response = world.client(world.ops).post("/api/v1/inbox/read-all")
    assert response.status_code == 200 and response.json() == {"marked": 1}
    assert world.client(world.ops).post("/api/v1/inbox/read-all").json() == {"marked": 0}


def test_api_inbox_refuses_anonymous(world) -> None:
    client = world.client(None)
    assert client.get("/api/v1/inbox").status_code == 401
    assert client.post("/api/v1/inbox/read-all").status_code in (401, 403)


def test_api_inbox_by_token(world, incident) -> None:
    from busbar.accounts.actions import create_api_token
    from busbar.incidents.tests.conftest import actor_for

    _deliver_all(world, incident)
    _token, raw = create_api_token(actor=actor_for(world.user_a), user=world.user_a, name="inbox")
    assert world.client(None).get("/api/v1/inbox", **bearer(raw)).json()["count"] == 1


def test_api_list_is_paginated_in_bounded_queries(world, incident, django_assert_max_num_queries) -> None:
    for n in range(30):
        deliver(recipients=[world.analyst], kind="bulletin", record=incident, title=f"Bulletin {n}", url="/")
    client = world.client(world.analyst)
    client.get("/api/v1/inbox?limit=10")
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/inbox?limit=10&offset=10").json()
    assert body["count"] == 30 and len(body["items"]) == 10
    assert body["items"][0]["title"] == "Bulletin 19"


def test_reloading_a_mark_read_address_leads_to_the_inbox(world) -> None:
    client = world.client(world.user_a)
    for address in ("/inbox/1/read/", "/inbox/read-all/"):
        response = client.get(address)
        assert response.status_code == 302 and response["Location"] == "/inbox/"
