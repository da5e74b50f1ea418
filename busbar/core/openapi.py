"""Completes the OpenAPI document with what every endpoint shares.

The framework documents each endpoint's own responses. Every endpoint can also answer with the
problems of the API as a whole — 401 (no or a bad token), 403 (MFA not set up, CSRF), 422 (input), 429
(rate limit), 503 (database unavailable), 404 where a path names a record, 413 where a body is sent —
and every write takes an ``Idempotency-Key`` header. This adds them, and serves every error as
``application/problem+json`` with the one Problem schema, so clients and contract testers see exactly
what the server sends.
"""

from __future__ import annotations

from typing import Any

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. Input errors list each field at fault in `errors`.",
    "type": "object",
    "required": ["type", "title", "status", "instance"],
    "properties": {
        "type": {"type": "string", "title": "Type"},
        "title": {"type": "string", "title": "Title"},
        "status": {"type": "integer", "title": "Status"},
        "instance": {"type": "string", "title": "Instance"},
        "detail": {"type": "string", "title": "Detail"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "message": {"type": "string"},
                },
                "required": ["field", "message"],
            },
        },
    },
    "additionalProperties": True,
}
DESCRIPTIONS = {
    400: "Bad request",
    401: "Not signed in, or the API token is not valid",
    403: "Not allowed (role, multi-factor authentication not set up, or CSRF check failed)",
    404: "No such record, or you may not see it",
    409: "The change conflicts with the record's state, or a request with this Idempotency-Key is running",
    413: "The request body is too large",
    415: "The body is not of a type this endpoint reads",
    422: "The input is not valid: `errors` names each field",
    429: "Too many requests: wait for Retry-After seconds",
    503: "The database is temporarily unavailable: retry after Retry-After seconds",
}
IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "A key of your choosing (e.g. a UUID) that makes a retry safe: the same key with the same request "
        "within 24 hours replays the first response (marked Idempotent-Replayed: true) instead of acting "
        "again; the same key with a different request is refused with 422."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}
UNSAFE = ("post", "put", "patch", "delete")


def _problem(code: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS.get(code, "Error"),
        "content": {"application/problem+json": {"schema": PROBLEM_REF}},
    }


def document_problems(spec: dict[str, Any]) -> dict[str, Any]:
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in UNSAFE + ("get", "head", "options"):
                continue
            responses = operation.setdefault("responses", {})
            for code in list(responses):
                if int(code) >= 400:
                    responses[code] = _problem(int(code))
            codes = {422, 503}
            if operation.get("security"):
                codes |= {401, 403, 429}
            if "{" in path:
                codes.add(404)
            if method in UNSAFE:
                codes |= {409, 413}
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(IDEMPOTENCY_PARAMETER)
            for code in sorted(codes):
                responses.setdefault(code, _problem(code))
    return spec
