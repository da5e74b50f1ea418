"""RFC 9457 problem details (``application/problem+json``): the one shape of every API error.

Used by the API's exception handlers and by the middleware and error views that answer for ``/api/``
paths outside the API framework (unknown paths, CSRF failures, database outages, server errors).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse

from busbar.lib.json import dumps

PROBLEM_BASE = "https://busbar.dev/problems/"
PROBLEM_TYPE = "application/problem+json"


def problem_response(
    request: HttpRequest, *, status: int, title: str, detail: str = "", kind: str | None = None, **extra: Any
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"{PROBLEM_BASE}{kind}" if kind else "about:blank",
        "title": title,
        "status": status,
        "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return HttpResponse(dumps(body), status=status, content_type=PROBLEM_TYPE)


def status_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def invalid_problem(request: HttpRequest, errors: list[dict[str, Any]]) -> HttpResponse:
    """The 422 problem for input errors: ``errors`` is a list of ``{"field": name or None, "message": …}``."""
    fields = ", ".join(e["field"] for e in errors if e["field"]) or "the request"
    return problem_response(
        request,
        status=422,
        title="The request is not valid",
        detail=f"Check {fields}.",
        kind="invalid",
        errors=errors,
    )


def transition_refused(request: HttpRequest, exc: Any, *, current: str, allowed: Any) -> HttpResponse:
    """The 409 for a status change the record type's table forbids (``exc``: an IllegalTransition), with
    the record's ``current_status`` and the ``allowed_statuses`` from it."""
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        detail=exc.message,
        kind="illegaltransition",
        errors=[{"field": exc.field, "message": exc.message}],
        current_status=current,
        allowed_statuses=sorted(allowed),
    )
