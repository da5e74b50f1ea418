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
