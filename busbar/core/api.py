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
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.pagination import PaginationBase
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import BaseThrottle
from ninja.utils import check_csrf

from busbar.accounts.mfa import mfa_missing
from busbar.accounts.models import ApiToken, hash_token
from busbar.core import ratelimit
from busbar.core.errors import database_unavailable, unavailable_response
from busbar.core.openapi import document_problems
from busbar.core.problems import PROBLEM_BASE, problem_response
from busbar.lib.actions import ActionError
from busbar.lib.env import parse_rate
from busbar.lib.json import JsonInputError, loads_bounded
from busbar.lib.limits import MAX_OFFSET

logger = logging.getLogger(__name__)
__all__ = ["PROBLEM_BASE", "Page", "api", "invalid_problem", "problem"]


class MfaRequired(Exception):
    """The caller's roles require multi-factor authentication, and none is set up."""


def _check_mfa(user: Any) -> Any:
    if mfa_missing(user):
        raise MfaRequired
    return user


class InvalidToken(AuthenticationError):
    """A bearer token was sent but is unknown, revoked, expired or its owner is inactive."""


class TokenAuth(HttpBearer):
    """``Authorization: Bearer bb_…`` with a personal API token; acts with the owner's visibility.

    A token that does not work is a 401 at once: the caller meant to use it, so the browser session (if
    any) is not tried instead.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(digest=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.is_usable or not found.user.is_active:
            raise InvalidToken
        now = timezone.now()
        # Usage time is bookkeeping, not a state change: refreshed at most every five minutes, unjournalled.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        request.busbar_channel = "api"
        request.busbar_token_id = found.pk
        return _check_mfa(found.user)


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
        return _check_mfa(request.user)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _check_mfa(request.user) if request.user.is_authenticated else None


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


def invalid_problem(request: HttpRequest, errors: list[dict[str, Any]]) -> HttpResponse:
    """The 422 problem for input errors: ``errors`` is a list of ``{"field": name or None, "message": …}``."""
    fields = ", ".join(e["field"] for e in errors if e["field"]) or "the request"
    return problem(
        request,
        status=422,
        title="The request is not valid",
        detail=f"Check {fields}.",
        kind="invalid",
        errors=errors,
    )


class Page(PaginationBase):
    """``?limit=&offset=`` pagination; the reply carries ``count`` and the page's ``items``."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=settings.API_PAGE_MAX, description="Items per page")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip")

    class Output(Schema):
        count: int
        limit: int
        offset: int
        items: list[Any]

    items_attribute = "items"

    def paginate_queryset(self, queryset: Any, pagination: Input, request: HttpRequest, **params: Any) -> Any:
        offset, limit = pagination.offset, pagination.limit
        return {
            "count": self._items_count(queryset),
            "limit": limit,
            "offset": offset,
            "items": list(queryset[offset : offset + limit]),
        }


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
        while loc and loc[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
            loc = loc[1:]
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


def _mount() -> None:
    from busbar.accounts.api import router as accounts_router
    from busbar.audit.api import router as audit_router
    from busbar.core.api_routes import router as core_router
    from busbar.incidents.api import router as incidents_router
    from busbar.parties.api import router as parties_router
    from busbar.services.api import router as services_router

    api.add_router("", core_router)
    api.add_router("", parties_router)
    api.add_router("", accounts_router)
    api.add_router("", audit_router)
    api.add_router("", services_router)
    api.add_router("", incidents_router)


_mount()
