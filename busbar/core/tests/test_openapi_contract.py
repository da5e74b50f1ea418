"""The OpenAPI document says what the server does: problems, their media type, and one schema per name.

Schemathesis (.ci/schemathesis.sh) checks real answers against this document; these tests keep the
document itself honest.
"""

from __future__ import annotations

import collections
import enum
import typing

import pytest
from django.test import Client
from pydantic import BaseModel

pytestmark = pytest.mark.django_db
#: Models django-ninja generates per endpoint (never published under these names).
GENERATED = {"BodyParams", "PathParams", "QueryParams", "NinjaResponseSchema", "FormParams", "FileParams"}


def _spec() -> dict:
    return Client().get("/api/v1/openapi.json").json()


def _walk(tp: object, seen: dict[str, set], visited: set) -> None:
    if typing.get_origin(tp) is not None:
        for arg in typing.get_args(tp):
            _walk(arg, seen, visited)
        return
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        seen[tp.__name__].add(tp)
    elif isinstance(tp, type) and issubclass(tp, BaseModel) and tp not in visited:
        visited.add(tp)
        if tp.__name__ not in GENERATED and not tp.__name__.startswith("Paged"):
            seen[tp.__name__].add(tp)
        for field in tp.model_fields.values():
            _walk(field.annotation, seen, visited)


def test_no_two_schemas_share_a_name() -> None:
    """Two classes with one name become one OpenAPI component, and one of them is then documented wrong."""
    from busbar.core.api import mounted

    api = mounted()

    seen: dict[str, set] = collections.defaultdict(set)
    visited: set = set()
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.models, *operation.response_models.values()]:
                    _walk(model, seen, visited)
    clashes = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes) for name, classes in seen.items()
    }
    assert {n: c for n, c in clashes.items() if len(c) > 1} == {}


def test_service_status_is_documented_as_service_statuses() -> None:
    spec = _spec()
    schemas = spec["components"]["schemas"]
    assert schemas["ServiceStatus"]["enum"] == ["operational", "degraded", "outage", "maintenance"]
    assert "new" in schemas["IncidentStatus"]["enum"]


def test_every_error_response_is_a_problem_of_the_problem_media_type() -> None:
    for path, operations in _spec()["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (method, path, code)
                    schema = response["content"]["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, code)


@pytest.mark.parametrize("code", ["401", "403", "422", "429", "503"])
def test_every_authenticated_operation_documents_the_shared_problems(code: str) -> None:
    for path, operations in _spec()["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                assert code in operation["responses"], (method, path)


def test_operations_on_a_record_document_404_and_writes_document_409_and_413() -> None:
    for path, operations in _spec()["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if "{" in path:
                assert "404" in codes, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {"409", "413"} <= codes, (method, path)
