"""Every input the API takes is bounded at the edge: out of range is a 422 naming the field, never a 500.

The first test reads the published OpenAPI document and fails for any parameter or body field left
without a bound (a number without a maximum, text without a maximum length, a list without a maximum
number of items, a date without a range) — so a new endpoint cannot forget. The others send what once
made the server fail.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from busbar.conftest import World
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import raise_for

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
HUGE = "9223372036854775808"


def _unbounded(schema: dict, where: str, components: dict, out: list[str], seen: tuple = ()) -> None:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            _unbounded(components[name], where, components, out, (*seen, name))
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            _unbounded(sub, where, components, out, seen)
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "integer" and "maximum" not in schema:
        out.append(f"{where}: integer without a maximum")
    if kind == "string":
        if fmt in ("date", "date-time"):
            if "From " not in schema.get("description", ""):
                out.append(f"{where}: {fmt} without a range")
        elif (
            fmt != "binary" and "enum" not in schema and "maxLength" not in schema and "pattern" not in schema
        ):
            out.append(f"{where}: text without a maximum length")
    if kind == "array":
        if "maxItems" not in schema:
            out.append(f"{where}: list without a maximum number of items")
        _unbounded(schema.get("items", {}), f"{where}[]", components, out, seen)
    if (
        kind == "object"
        and "additionalProperties" in schema
        and isinstance(schema["additionalProperties"], dict)
    ):
        _unbounded(schema["additionalProperties"], f"{where}{{}}", components, out, seen)
    for name, sub in schema.get("properties", {}).items():
        _unbounded(sub, f"{where}.{name}", components, out, seen)


def test_every_api_input_is_bounded_in_openapi(db) -> None:
    spec = Client().get("/api/v1/openapi.json").json()
    components = spec["components"]["schemas"]
    out: list[str] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']}:{parameter['name']}"
                _unbounded(parameter["schema"], where, components, out)
            for content_type, content in operation.get("requestBody", {}).get("content", {}).items():
                _unbounded(
                    content["schema"], f"{method.upper()} {path} body({content_type})", components, out
                )
    assert out == [], "\n".join(out)


def _list_paths(spec: dict) -> list[str]:
    return [
        path
        for path, operations in spec["paths"].items()
        if "{" not in path
        and any(p["name"] == "offset" for p in operations.get("get", {}).get("parameters", []))
    ]


def test_a_huge_offset_is_422_on_every_list(world: World) -> None:
    client = world.client(world.platform_admin)
    paths = _list_paths(client.get("/api/v1/openapi.json").json())
    assert len(paths) >= 8
    for path in paths:
        response = client.get(f"{path}?offset={HUGE}")
        assert response.status_code == 422, path
        assert [e["field"] for e in response.json()["errors"]] == ["offset"], path


def test_a_huge_offset_on_a_records_list_is_422(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    client = world.client(world.analyst)
    for sub in ("updates", "timeline"):
        response = client.get(f"/api/v1/incidents/{incident.reference}/{sub}?offset={HUGE}")
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "offset"


def _raise(world: World, body: Any, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body)
    return world.client(world.user_a).post("/api/v1/incidents", data, content_type="application/json")


def test_a_nul_in_body_text_is_422_naming_the_field(world: World, catalogue) -> None:
    response = _raise(world, {"service": catalogue.service.pk, "summary": "a\x00b", "description": "y"})
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["summary"]
    assert not Incident.objects.exists()


def test_a_nul_in_a_nested_body_value_names_its_path(world: World) -> None:
    body = {"name": "X", "roles": ["energy_supplier"], "identifiers": [{"scheme": "mpid", "value": "A\x00"}]}
    response = world.client(world.platform_admin).post(
        "/api/v1/organisations", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["identifiers[0].value"]


def test_a_nul_in_a_query_parameter_is_422(world: World) -> None:
    response = world.client(world.analyst).get("/api/v1/incidents?q=a%00b")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "q"


def test_a_nul_in_a_page_query_is_a_400_page(world: World) -> None:
    response = world.client(world.analyst).get("/incidents/?q=a%00b")
    assert response.status_code == 400 and b"NUL" in response.content


def test_a_nul_in_a_form_post_shows_the_form_again(world: World, catalogue) -> None:
    client = world.client(world.user_a)
    response = client.post(
        "/incidents/new/", {"service": catalogue.service.pk, "summary": "x\x00", "description": "kept text"}
    )
    assert response.status_code == 422
    assert b"Null characters are not allowed" in response.content and b"kept text" in response.content
    assert not Incident.objects.exists()


def test_json_nested_100000_deep_is_422(world: World) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    response = _raise(world, None, raw=deep)
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    response = world.client(world.platform_admin).post(
        "/api/v1/organisations", deep, content_type="application/json"
    )
    assert response.status_code == 422


def test_json_nested_past_the_limit_in_an_object_is_422(world: World, catalogue) -> None:
    nested: Any = "x"
    for _ in range(40):
        nested = {"a": nested}
    response = _raise(
        world, {"service": catalogue.service.pk, "summary": "s", "description": "d", "x": nested}
    )
    assert response.status_code == 422


def test_a_lone_surrogate_in_json_is_422(world: World, catalogue) -> None:
    raw = b'{"service": %d, "summary": "\\ud800", "description": "y"}' % catalogue.service.pk
    assert _raise(world, None, raw=raw).status_code == 422
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00%2B14:00",
        "9999-12-31T23:59:59-12:00",
        "1969-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z",
    ],
)
def test_a_date_out_of_range_is_422_naming_it(world: World, value: str) -> None:
    response = world.client(world.analyst).get(f"/api/v1/incidents?created_after={value}")
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "created_after"


def test_a_time_without_its_offset_is_422_not_guessed(world: World, catalogue) -> None:
    raise_for(world, catalogue)
    client = world.client(world.analyst)
    response = client.get("/api/v1/incidents?created_after=2026-10-25T01:30:00")  # happens twice in the UK
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "created_after"
    ok = client.get("/api/v1/incidents?created_after=2020-07-01T00:00:00%2B01:00")
    assert ok.status_code == 200 and ok.json()["count"] == 1


def test_too_many_ids_in_a_list_is_422(world: World, catalogue) -> None:
    body = {
        "service": catalogue.service.pk,
        "summary": "s",
        "description": "d",
        "affected": list(range(1, 500)),
    }
    response = world.client(world.analyst).post("/api/v1/incidents", body, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "affected"


def test_a_bare_json_string_is_not_accepted_as_a_body(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    response = world.client(world.analyst).post(
        f"/api/v1/incidents/{incident.reference}/major", '"desk"', content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert not hasattr(Incident.objects.get(pk=incident.pk), "major")


@pytest.mark.parametrize("raw", ['"AAA"', "0", "false", "null", "[null, null]"])
def test_a_body_that_is_not_an_object_is_422(world: World, catalogue, raw: str) -> None:
    incident = raise_for(world, catalogue)
    client = world.client(world.analyst)
    for method, path in (
        ("post", f"/api/v1/incidents/{incident.reference}/triage"),
        ("post", f"/api/v1/incidents/{incident.reference}/assign"),
        ("patch", f"/api/v1/services/{catalogue.service.pk}"),
    ):
        response = getattr(client, method)(path, raw, content_type="application/json")
        assert response.status_code == 422, (path, raw, response.content)
    assert Incident.objects.get(pk=incident.pk).provider_id is None


def test_an_unknown_field_is_422_naming_it(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    response = world.client(world.analyst).post(
        f"/api/v1/incidents/{incident.reference}/triage", {"sevrity": "1"}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "sevrity"


def test_a_multipart_body_without_a_boundary_is_422(world: World, catalogue) -> None:
    for key in ({}, {"HTTP_IDEMPOTENCY_KEY": "mp-1"}):
        response = world.client(world.user_a).generic(
            "POST", "/api/v1/incidents", b"--x\r\n", "multipart/form-data", **key
        )
        assert response.status_code == 422, response.content
    assert not Incident.objects.exists()
