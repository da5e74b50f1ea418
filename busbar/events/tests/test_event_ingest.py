"""Monitoring events: folding by key, a critical storm becomes one incident, clear, promote; who may send;
bad input named, all or nothing."""

import pytest

from busbar.events.models import Event
from busbar.incidents.models import Incident

pytestmark = pytest.mark.django_db


def _send(world, user, body):
    return world.client(user).post("/api/v1/events", body, content_type="application/json")


def _event(catalogue, **kw):
    return {
        "source": "probe-1",
        "service": catalogue.service.slug,
        "severity": "warning",
        "message": "Queue depth 5200",
        "dedupe_key": "css/queue-depth",
        **kw,
    }


def test_a_storm_of_a_thousand_critical_events_is_one_event_and_one_incident(world, catalogue) -> None:
    storm = [_event(catalogue, severity="critical", message=f"Queue depth {5000 + i}") for i in range(1000)]
    response = _send(world, world.resolver, storm)
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["received"], body["new"], body["folded"]) == (1000, 1, 999)
    assert len(body["incidents"]) == 1
    event = Event.objects.get()
    assert event.count == 1000 and event.message == "Queue depth 5999" and event.severity == "critical"
    incident = Incident.objects.get()
    assert incident.channel == "monitoring" and incident.reference == body["incidents"][0]
    assert event.incident == incident
    # More of the same storm later joins the same event; another key on the service joins the incident.
    again = _send(
        world, world.resolver, [_event(catalogue, severity="critical", dedupe_key="css/other")]
    ).json()
    assert again["incidents"] == [incident.reference] and Incident.objects.count() == 1


def test_warnings_fold_and_do_not_raise_until_promoted(world, catalogue) -> None:
    assert _send(world, world.resolver, _event(catalogue)).status_code == 202
    assert _send(world, world.resolver, _event(catalogue, message="Queue depth 5300")).json()["folded"] == 1
    event = Event.objects.get()
    assert event.count == 2 and not Incident.objects.exists()
    assert world.client(world.resolver).post(f"/events/{event.pk}/promote/").status_code == 302
    assert event.__class__.objects.get().incident is None  # a provider cannot promote
    response = world.client(world.analyst).post(f"/events/{event.pk}/promote/")
    event.refresh_from_db()
    assert event.incident is not None and response["Location"] == f"/incidents/{event.incident.reference}/"


def test_clear_ends_the_alert_and_says_so_on_the_incident(world, catalogue) -> None:
    reference = _send(world, world.resolver, _event(catalogue, severity="critical")).json()["incidents"][0]
    cleared = _send(world, world.resolver, _event(catalogue, clear=True)).json()
    assert cleared["cleared"] == 1
    event = Event.objects.get()
    assert event.cleared_at is not None
    incident = Incident.objects.get(reference=reference)
    assert incident.record.entries.filter(
        body__startswith="Monitoring: the alert css/queue-depth cleared"
    ).exists()
    # After a clear the same key starts a new event.
    assert _send(world, world.resolver, _event(catalogue)).json()["new"] == 1


def test_who_may_send_and_read(world, catalogue) -> None:
    assert _send(world, world.user_a, _event(catalogue)).status_code == 403
    assert _send(world, None, _event(catalogue)).status_code == 401
    assert _send(world, world.analyst, _event(catalogue)).status_code == 202
    assert world.client(world.user_a).get("/api/v1/events").status_code == 403
    assert world.client(world.user_a).get("/events/").status_code == 403
    assert world.client(world.resolver).get("/api/v1/events").json()["count"] == 1
    assert world.client(world.analyst).get("/events/").status_code == 200
    assert not Event.objects.filter(sent_by=world.user_a).exists()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        ({"service": "no-such-service"}, "[1].service"),
        ({"service": 9223372036854775808}, "[1].service"),
        ({"service": "²"}, "[1].service"),
        ({"dedupe_key": "k" * 201}, "dedupe_key"),
        ({"severity": "panic"}, "severity"),
        ({"message": ""}, "message"),
        ({"sorce": "typo"}, "sorce"),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(world, catalogue, mutate, field) -> None:
    batch = [_event(catalogue), {**_event(catalogue), **mutate}]
    response = _send(world, world.resolver, batch)
    assert response.status_code == 422, response.content
    problem = response.json()
    assert any(field in (e["field"] or "") for e in problem["errors"]), problem
    assert not Event.objects.exists()


def test_a_huge_batch_is_refused_whole(world, catalogue) -> None:
    too_many = [_event(catalogue)] * 1001
    assert _send(world, world.resolver, too_many).status_code == 422
    huge = world.client(world.resolver).post(
        "/api/v1/events", b"[" + b" " * (11 * 1024 * 1024) + b"]", content_type="application/json"
    )
    assert huge.status_code == 413
    assert not Event.objects.exists()


def test_a_retry_with_the_same_idempotency_key_is_not_counted_twice(world, catalogue) -> None:
    client = world.client(world.resolver)
    for _ in range(2):
        response = client.post(
            "/api/v1/events",
            _event(catalogue),
            content_type="application/json",
            headers={"Idempotency-Key": "k-1"},
        )
        assert response.status_code == 202
    assert Event.objects.get().count == 1
