"""The forward schedule of change, availability figures, service subscriptions, feed tokens and bulletins
over the API, allowed and denied per persona."""

import pytest
from django.test import Client
from django.utils import timezone

from busbar.changes.models import Bulletin, BulletinKind, FeedToken, ServiceSubscription

pytestmark = pytest.mark.django_db
API = "/api/v1/changes"
JUNE = "from=2027-06-01T00:00:00Z&to=2027-07-31T00:00:00%2B01:00"


def _post(client, path: str, body: dict | None = None):
    return client.post(path, body or {}, content_type="application/json")


# The schedule -----------------------------------------------------------------------------------------------


def _scheduled(client, query: str) -> list[str]:
    response = client.get(f"{API}/schedule?{query}")
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["items"]]


def test_every_participant_reads_the_published_schedule_in_order(chg) -> None:
    expected = [chg.live.reference, chg.accepted.reference]
    for user in (chg.alpha, chg.bravo, chg.gas, chg.provider, chg.desk):
        assert _scheduled(chg.client(user), JUNE) == expected  # never the draft or the submitted change


def test_the_schedule_filters_by_service_provider_and_outage(chg) -> None:
    client = chg.client(chg.alpha)
    assert _scheduled(client, f"{JUNE}&service=uk-link") == [chg.accepted.reference]
    assert _scheduled(client, f"{JUNE}&service=css&service=uk-link") == [
        chg.live.reference,
        chg.accepted.reference,
    ]
    assert _scheduled(client, f"{JUNE}&provider={chg.gas_org.pk}") == [chg.accepted.reference]
    assert _scheduled(client, f"{JUNE}&outage=false") == []
    assert _scheduled(client, "from=2027-05-01T00:00:00Z&to=2027-05-31T00:00:00Z") == [chg.done.reference]


def test_the_schedule_is_not_for_anonymous_callers(chg) -> None:
    assert Client().get(f"{API}/schedule?{JUNE}").status_code == 401


def test_the_schedule_reads_a_fixed_number_of_queries(chg, django_assert_max_num_queries) -> None:
    client = chg.client(chg.alpha)
    client.get(f"{API}/schedule?{JUNE}")
    with django_assert_max_num_queries(8):
        assert client.get(f"{API}/schedule?{JUNE}").status_code == 200


# Availability -----------------------------------------------------------------------------------------------


def test_availability_of_one_service_for_a_year_and_a_month(chg) -> None:
    year = timezone.localdate().year
    body = chg.client(chg.alpha).get(f"{API}/availability?year={year}&service=css").json()
    assert body["count"] == 1 and body["items"][0]["service"]["slug"] == "css"
    months = body["items"][0]["months"]
    assert [m["month"] for m in months] == list(range(1, 13))
    assert {str(m["target"]) for m in months} == {"99.500"}
    one = chg.client(chg.alpha).get(f"{API}/availability?year={year}&month=1&service=css").json()
    assert [m["month"] for m in one["items"][0]["months"]] == [1]
    assert set(one["items"][0]["months"][0]) >= {
        "agreed_minutes",
        "planned_minutes",
        "downtime_minutes",
        "availability",
        "met",
        "interruptions",
        "mean_interruption_minutes",
        "major_changes",
        "emergency_changes",
        "outages",
    }


def test_availability_of_every_service_is_paged(chg) -> None:
    body = chg.client(chg.desk).get(f"{API}/availability?month=1&limit=2").json()
    assert body["count"] >= 4 and len(body["items"]) == 2 and body["limit"] == 2
    assert Client().get(f"{API}/availability").status_code == 401


# Subscriptions ----------------------------------------------------------------------------------------------


def test_a_person_follows_and_leaves_a_service(chg) -> None:
    alpha = chg.client(chg.alpha).get(f"{API}/subscriptions").json()["items"]
    assert [s["service"]["slug"] for s in alpha] == ["css"]
    bravo = chg.client(chg.bravo)
    assert bravo.get(f"{API}/subscriptions").json()["count"] == 0
    made = _post(bravo, f"{API}/subscriptions", {"service": "css", "by_email": False})
    assert made.status_code == 201, made.content
    assert made.json()["by_email"] is False and made.json()["planned"] is True
    changed = _post(bravo, f"{API}/subscriptions", {"service": "css", "overrun": False})
    assert changed.status_code == 200 and changed.json()["overrun"] is False
    assert bravo.delete(f"{API}/subscriptions/css").status_code == 204
    assert bravo.delete(f"{API}/subscriptions/css").status_code == 404
    assert not ServiceSubscription.objects.filter(user=chg.bravo).exists()
    # Alpha's own subscription is untouched by Bravo.
    assert ServiceSubscription.objects.filter(user=chg.alpha, service=chg.css).exists()


def test_subscribing_to_an_unknown_service_is_422(chg) -> None:
    response = _post(chg.client(chg.bravo), f"{API}/subscriptions", {"service": "nope"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "service"
    assert Client().get(f"{API}/subscriptions").status_code == 401


# Feed tokens ------------------------------------------------------------------------------------------------


def test_a_feed_token_is_created_listed_used_and_revoked(chg) -> None:
    alpha = chg.client(chg.alpha)
    made = _post(alpha, f"{API}/feed-tokens")
    assert made.status_code == 201, made.content
    body = made.json()
    secret, url = body["secret"], body["feed_url"]
    assert secret.startswith(body["prefix"]) and secret in url and url.endswith("schedule.ics")
    assert [t["id"] for t in alpha.get(f"{API}/feed-tokens").json()["items"]] == [body["id"]]
    assert chg.client(chg.bravo).get(f"{API}/feed-tokens").json()["count"] == 0

    feed_path = url.split("testserver", 1)[-1]
    assert Client().get(feed_path).status_code == 200

    assert chg.client(chg.bravo).delete(f"{API}/feed-tokens/{body['id']}").status_code == 404
    assert alpha.delete(f"{API}/feed-tokens/{body['id']}").status_code == 204
    assert FeedToken.objects.get(pk=body["id"]).revoked_at is not None
    assert Client().get(feed_path).status_code == 404
    assert alpha.delete(f"{API}/feed-tokens/{body['id']}").status_code == 409


# Bulletins --------------------------------------------------------------------------------------------------


def _bulletin(chg) -> Bulletin:
    bulletin = Bulletin.objects.create(
        kind=BulletinKind.PLANNED,
        change=chg.accepted,
        title="Planned outage: UK Link",
        body="UK Link is down for the release",
        recipient_count=3,
    )
    bulletin.services.set([chg.uk_link])
    return bulletin


def test_bulletins_are_read_by_every_participant(chg) -> None:
    made = _bulletin(chg)
    rows = chg.client(chg.bravo).get(f"{API}/bulletins").json()["items"]
    assert [(r["id"], r["change"], [s["slug"] for s in r["services"]]) for r in rows] == [
        (made.pk, chg.accepted.reference, ["uk-link"])
    ]
    assert chg.client(chg.bravo).get(f"{API}/bulletins?service=css").json()["count"] == 0
    assert chg.client(chg.bravo).get(f"{API}/bulletins?kind=planned").json()["count"] == 1
    assert Client().get(f"{API}/bulletins").status_code == 401


def test_my_bulletins_are_about_the_services_i_follow(chg) -> None:
    _bulletin(chg)
    assert chg.client(chg.alpha).get(f"{API}/bulletins?mine=true").json()["count"] == 0  # follows CSS
    ServiceSubscription.objects.create(user=chg.bravo, service=chg.uk_link)
    assert chg.client(chg.bravo).get(f"{API}/bulletins?mine=true").json()["count"] == 1


def test_bulletins_read_a_fixed_number_of_queries(chg, django_assert_max_num_queries) -> None:
    for _ in range(3):
        _bulletin(chg)
    client = chg.client(chg.alpha)
    client.get(f"{API}/bulletins")
    with django_assert_max_num_queries(8):
        assert client.get(f"{API}/bulletins").json()["count"] == 3
