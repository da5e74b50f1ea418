"""The Busbar HTTP API, ``/api/v1/``: authentication, problem-details errors and pagination.

Each domain app contributes a ninja ``Router`` from its own ``api.py``; they are mounted here.
Errors follow RFC 9457 (``application/problem+json``) with, for input errors, an ``errors`` list naming
each field at fault.
"""

import logging
import math
import threading
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie
from ninja.throttling import BaseThrottle
from ninja.utils import check_csrf

from busbar.accounts.apiauth import InvalidToken, MfaRequired, TokenAuth, check_mfa
from busbar.core import ratelimit
from busbar.core.errors import database_unavailable, unavailable_response
from busbar.core.openapi import document_problems
from busbar.lib.actions import ActionError
from busbar.lib.env import parse_rate
from busbar.lib.json import JsonInputError, loads_bounded
from busbar.lib.pagination import Page
from busbar.lib.problems import PROBLEM_BASE, invalid_problem, problem_response

logger = logging.getLogger(__name__)
__all__ = [
    "PROBLEM_BASE",
    "InvalidToken",
    "Page",
    "TokenAuth",
    "api",
    "invalid_problem",
    "mounted",
    "problem",
]


class SessionAuth(APIKeyCookie):
    """The browser's session, with CSRF checked on unsafe methods — only once a session user is found.

    Without a signed-in session the answer is 401 with a Bearer challenge, not a CSRF failure.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed")
        return check_mfa(request.user)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return check_mfa(request.user) if request.user.is_authenticated else None


class UserRateThrottle(BaseThrottle):
    """``BUSBAR_API_RATE`` requests per user, counted in fixed windows shared by every process.

    The bucket is the user's id — the same for every token and session of theirs, and unchanged by
    renaming — so one caller can neither escape their own limit nor exhaust another's.
    """

    def __init__(self) -> None:
        self._local = threading.local()  # one instance serves every thread: keep each request's wait apart

    def allow_request(self, request: HttpRequest) -> bool:
        self._local.retry_after = None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return True  # anonymous callers are refused with 401 before this
        limit, window = parse_rate(settings.BUSBAR_API_RATE)
        now = time.time()
        if ratelimit.hit(f"api:u{user.pk}:{window}", window=window, now=now) > limit:
            self._local.retry_after = (int(now // window) + 1) * window - now
            return False
        return True

    def wait(self) -> float | None:
        return getattr(self._local, "retry_after", None)


class BoundedParser(Parser):
    """JSON bodies parsed strictly (UTF-8, no NULs, bounded depth); query strings free of NULs."""

    def parse_body(self, request: HttpRequest) -> Any:
        return loads_bounded(request.body)

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> Any:
        for name, values in data.lists():
            if any(isinstance(v, str) and "\x00" in v for v in values):
                raise JsonInputError("Text must not contain NUL characters (\\u0000)", name)
        return super().parse_querydict(data, list_fields, request)


problem = problem_response


class BusbarAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        return document_problems(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = BusbarAPI(
    title="Busbar API",
    version="1",
    description=(
        "Service management and integration assurance for the GB energy industry's central systems.\n\n"
        "Errors are RFC 9457 problem details (`application/problem+json`); input errors name each field "
        "in `errors`. Every write accepts an `Idempotency-Key` header: a retry with the same key and body "
        "replays the first response instead of acting twice."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    throttle=[UserRateThrottle()],
    parser=BoundedParser(),
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    invalid = isinstance(exc, InvalidToken)
    response = problem(
        request,
        status=401,
        title="Authentication required",
        detail=(
            "The API token is not valid: it may be mistyped, revoked or expired."
            if invalid
            else "Sign in, or send a personal API token as 'Authorization: Bearer <token>'."
        ),
        kind="unauthenticated",
    )
    response["WWW-Authenticate"] = 'Bearer realm="busbar"' + (', error="invalid_token"' if invalid else "")
    return response


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    wait = math.ceil(exc.wait) if exc.wait else None
    response = problem(
        request,
        status=429,
        title="Too many requests",
        detail=f"You may make {settings.BUSBAR_API_RATE} API requests. "
        + (f"Retry in {wait} seconds." if wait else ""),
        kind="rate-limited",
    )
    if wait:
        response["Retry-After"] = str(wait)
    return response


@api.exception_handler(JsonInputError)
def _bad_json(request: HttpRequest, exc: JsonInputError) -> HttpResponse:
    return invalid_problem(request, [{"field": exc.field, "message": exc.message}])


@api.exception_handler(MfaRequired)
def _mfa_required(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        request,
        status=403,
        title="Multi-factor authentication required",
        detail="Your role requires multi-factor authentication. Set it up in your profile first.",
        kind="mfa-required",
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ())]
        # Drop the leading location parts ninja adds (body/query/path, then the parameter name), keeping a
        # real field that happens to be called "body".
        if loc and loc[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
            loc = loc[1:]  # once: a field may itself be called "body" or "query"
            if loc and loc[0] in ("payload", "filters", "pagination", "data"):
                loc = loc[1:]
        errors.append({"field": ".".join(loc) or None, "message": err.get("msg", "invalid")})
    return invalid_problem(request, errors)


@api.exception_handler(ActionError)
def _refused(request: HttpRequest, exc: ActionError) -> HttpResponse:
    errors = [{"field": exc.field, "message": exc.message}]
    kind = type(exc).__name__.replace("Error", "").lower() or "refused"
    return problem(request, status=exc.status, title=exc.title, detail=exc.message, kind=kind, errors=errors)


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(request, status=404, title="Not found", detail="No such record, or you may not see it.")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(
        request, status=403, title="Forbidden", detail=str(exc) or "You may not do that.", kind="forbidden"
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps a body it could not parse in a 400; answer for the real cause.
    cause = exc.__cause__
    if isinstance(cause, JsonInputError):
        return _bad_json(request, cause)
    if isinstance(cause, RequestDataTooBig):
        return problem(request, status=413, title="The request body is too large", kind="too-large")
    return problem(request, status=exc.status_code, title=str(exc.message))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    if database_unavailable(exc):
        logger.warning("Database unavailable on %s: %s", request.path, exc)
        return unavailable_response(request)
    logger.exception("Unhandled API error on %s", request.path)
    return problem(request, status=500, title="Internal error", detail="The error has been logged.")


_mounted = threading.Lock()


def mounted() -> NinjaAPI:
    """The API with every app's router, as the apps registered them in ``AppConfig.ready``
    (busbar.lib.registry). Mounted once, when the URLs are first built (after every app is ready)."""
    with _mounted:
        if not getattr(api, "_busbar_mounted", False):
            from busbar.core.api_routes import router as core_router
            from busbar.lib.registry import api_routers

            api.add_router("", core_router)
            for router in api_routers():
                api.add_router("", router)
            api._busbar_mounted = True  # type: ignore[attr-defined]
    return api
