"""Idempotency-Key: a retried write is answered with the first response, never done twice.

A client that timed out cannot know whether its POST was committed; retrying with the same key is safe.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from busbar.accounts import actions as account_actions
from busbar.conftest import World, bearer
from busbar.core.models import IdempotencyKey
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import raise_for
from busbar.lib.actions import Actor
from busbar.records.models import Entry as Update

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _token(user) -> str:
    return account_actions.create_api_token(actor=Actor(user=user), user=user, name="sync")[1]


def _post(token: str, path: str, body: object, key: str | None = "key-1", raw: str | None = None):
    headers = bearer(token)
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    data = raw if raw is not None else json.dumps(body)
    return Client().post(path, data, content_type="application/json", **headers)


@pytest.fixture
def token(world: World) -> str:
    return _token(world.user_a)


def _body(catalogue, summary: str = "Switch requests rejected") -> dict:
    return {"service": catalogue.service.pk, "summary": summary, "description": "Since 09:00, E0001."}


def test_a_retry_with_the_same_key_replays_and_raises_once(world: World, catalogue, token: str) -> None:
    first = _post(token, "/api/v1/incidents", _body(catalogue))
    second = _post(token, "/api/v1/incidents", _body(catalogue))
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Incident.objects.count() == 1


def test_key_order_and_spacing_of_the_json_do_not_matter(world: World, catalogue, token: str) -> None:
    body = _body(catalogue)
    _post(token, "/api/v1/incidents", body)
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    again = _post(token, "/api/v1/incidents", None, raw=reordered)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 1


def test_the_same_key_with_another_body_is_422_naming_the_header(world: World, catalogue, token: str) -> None:
    _post(token, "/api/v1/incidents", _body(catalogue))
    other = _post(token, "/api/v1/incidents", _body(catalogue, summary="Something else"))
    assert other.status_code == 422 and other["Content-Type"] == PROBLEM
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Incident.objects.count() == 1


def test_the_same_key_on_another_path_is_422(world: World, catalogue, token: str) -> None:
    incident = raise_for(world, catalogue)
    _post(token, f"/api/v1/incidents/{incident.reference}/updates", {"body": "More detail"})
    other = _post(token, "/api/v1/incidents", _body(catalogue))
    assert other.status_code == 422
    assert Update.objects.filter(record=incident.record).count() == 1


def test_updates_are_not_duplicated_by_retries(world: World, catalogue, token: str) -> None:
    incident = raise_for(world, catalogue)
    path = f"/api/v1/incidents/{incident.reference}/updates"
    responses = [_post(token, path, {"body": "Still failing"}, key="upd-7") for _ in range(3)]
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert incident.record.entries.count() == 1


def test_keys_are_per_user(world: World, catalogue) -> None:
    """Two people may happen to pick the same key: each gets their own result."""
    a, b = _token(world.user_a), _token(world.user_b)
    first = _post(a, "/api/v1/incidents", _body(catalogue), key="shared")
    second = _post(b, "/api/v1/incidents", _body(catalogue), key="shared")
    assert first.status_code == second.status_code == 201 and not second.has_header("Idempotent-Replayed")
    assert Incident.objects.count() == 2


def test_a_users_other_token_replays_the_same_result(world: World, catalogue, token: str) -> None:
    _post(token, "/api/v1/incidents", _body(catalogue))
    again = _post(_token(world.user_a), "/api/v1/incidents", _body(catalogue))
    assert again["Idempotent-Replayed"] == "true" and Incident.objects.count() == 1


def test_a_failed_request_stores_nothing_and_can_be_corrected(world: World, catalogue, token: str) -> None:
    bad = _post(token, "/api/v1/incidents", {**_body(catalogue), "summary": ""})
    assert bad.status_code == 422 and not IdempotencyKey.objects.exists()
    good = _post(token, "/api/v1/incidents", _body(catalogue))
    assert good.status_code == 201 and Incident.objects.count() == 1


def test_keys_expire_after_24_hours(world: World, catalogue, token: str) -> None:
    _post(token, "/api/v1/incidents", _body(catalogue))
    record = IdempotencyKey.objects.get()
    assert record.expires_at - record.created_at == dt.timedelta(hours=24)
    IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    again = _post(token, "/api/v1/incidents", _body(catalogue))
    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    assert Incident.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "naïve"])
def test_a_malformed_key_is_422(world: World, catalogue, token: str, key: str) -> None:
    response = _post(token, "/api/v1/incidents", _body(catalogue), key=key)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Incident.objects.exists()


def test_without_a_key_every_post_acts(world: World, catalogue, token: str) -> None:
    for _ in range(2):
        assert _post(token, "/api/v1/incidents", _body(catalogue), key=None).status_code == 201
    assert Incident.objects.count() == 2


def test_the_key_is_documented_on_every_write_in_openapi(db) -> None:
    spec = Client().get("/api/v1/openapi.json").json()
    writes = [
        (path, method, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in ("post", "put", "patch", "delete")
    ]
    assert len(writes) > 20
    for path, method, op in writes:
        names = [p["name"] for p in op.get("parameters", [])]
        assert "Idempotency-Key" in names, (method, path)
