"""Error answers: problem details under ``/api/``, plain pages elsewhere, 503 while the database is away.

The server-error and database-outage pages are rendered without the request's context processors, which
read the database: they must work when nothing else does.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from busbar.lib.problems import is_api, problem_response

logger = logging.getLogger("busbar.errors")
#: Seconds a client should wait before retrying while the database is unavailable.
RETRY_AFTER = 5


#: SQLite reports bugs (no such table, syntax) and outages alike as OperationalError: these are outages.
SQLITE_OUTAGES = ("database is locked", "unable to open database", "disk i/o error", "table is locked")


def database_unavailable(exc: BaseException | None) -> bool:
    """The database could not be reached or is busy — a passing condition worth a 503, not a bug."""
    for _ in range(10):
        if exc is None:
            return False
        if isinstance(exc, InterfaceError):
            return True
        if isinstance(exc, OperationalError):
            if type(exc.__cause__).__module__.startswith("sqlite3"):
                return any(s in str(exc).lower() for s in SQLITE_OUTAGES)
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        response = problem_response(
            request,
            status=503,
            title="Service temporarily unavailable",
            detail=f"The database is busy or not answering. Retry in {RETRY_AFTER} seconds.",
            kind="unavailable",
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: called by Django with the exception being handled."""
    exc = sys.exc_info()[1]
    if database_unavailable(exc):
        logger.warning("Database unavailable on %s: %s", request.path, exc)
        return unavailable_response(request)
    if is_api(request):
        return problem_response(
            request, status=500, title="Internal error", detail="The error has been logged."
        )
    return HttpResponse(render_to_string("500.html"), status=500)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return problem_response(
            request,
            status=404,
            title="Not found",
            detail="There is no such endpoint. The API is described at /api/v1/docs.",
        )
    return HttpResponse(render_to_string("404.html", request=request), status=404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return problem_response(request, status=400, title="Bad request", detail=str(exception) or "")
    return HttpResponse(render_to_string("400.html", {"message": ""}), status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return problem_response(
            request, status=403, title="Forbidden", detail=str(exception) or "You may not do that."
        )
    return HttpResponse(render_to_string("403.html", request=request), status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api(request):
        return problem_response(
            request,
            status=403,
            title="CSRF check failed",
            detail="A browser session must send its CSRF token (X-CSRFToken); scripts should use a token.",
            kind="csrf",
        )
    return HttpResponse(
        render_to_string("403.html", {"csrf": True}, request=request),
        status=403,
    )
