"""Request guards and response headers that apply to every page and endpoint.

* :class:`SecurityHeadersMiddleware` — the Content-Security-Policy and Permissions-Policy.
* :class:`ApiProblemMiddleware` — every error under ``/api/`` is ``application/problem+json``, whoever
  produced it (an unknown path, a wrong method, a CSRF failure, an oversized body).
* :class:`InputGuardMiddleware` — a body larger than any Busbar reads is refused before it is read (413),
  and text that no database stores (NUL characters) is refused at the edge with a 4xx naming the
  parameter, instead of failing deep inside a query.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from busbar.lib import registry
from busbar.lib.problems import PROBLEM_TYPE, is_api, problem_response, status_title

Handler = Callable[[HttpRequest], HttpResponse]

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
#: Headers of an error response kept when it is rewritten as a problem.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Content-Security-Policy"):
            response["Content-Security-Policy"] = settings.BUSBAR_CSP
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class ApiProblemMiddleware:
    """Rewrite any non-JSON error answer under ``/api/`` as a problem with the same status."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith((PROBLEM_TYPE, "application/json")):
            return response
        status = response.status_code
        detail = {
            404: "There is no such endpoint. The API is described at /api/v1/docs.",
            405: f"Use {response.get('Allow', 'another method')} on this endpoint.",
            413: "The request body is too large.",
        }.get(status, "")
        replacement = problem_response(request, status=status, title=status_title(status), detail=detail)
        for name in KEPT_HEADERS:
            if response.has_header(name):
                replacement[name] = response[name]
        return replacement


def _nul_in(request: HttpRequest) -> str | None:
    """The name of the first query parameter carrying a NUL character, or None.

    Form posts are not checked here: every form field refuses NULs itself and the page is shown again with
    what the user typed, which a bare 400 would lose. API bodies are checked by the API's parser.
    """
    if "\x00" in request.path:
        return "path"
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in v for v in values):
            return name.replace("\x00", "")
    return None


def _limit(request: HttpRequest) -> int:
    """The largest body this path reads: its app's own limit (registry.body_limit), else the site's."""
    return registry.body_limit_for(request.path) or settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > _limit(request)


class InputGuardMiddleware:
    """Refuses a body larger than Busbar ever reads (before reading it) and NULs in query strings."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _too_large(request):
            limit = _limit(request)
            message = f"The request body is larger than {limit:,} bytes"
            if is_api(request):
                return problem_response(
                    request, status=413, title="The request body is too large", detail=message
                )
            return HttpResponse(render_to_string("400.html", {"message": message + "."}), status=413)
        field = _nul_in(request)
        if field is None:
            return self.get_response(request)
        message = "Text must not contain NUL characters (\\u0000)"
        if is_api(request):
            return problem_response(
                request,
                status=422,
                title="The request is not valid",
                detail=f"Check {field}.",
                kind="invalid",
                errors=[{"field": field, "message": message}],
            )
        html = render_to_string("400.html", {"message": f"The field “{field}” contains a NUL character."})
        return HttpResponse(html, status=400)
