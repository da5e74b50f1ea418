"""The Busbar HTTP API, ``/api/v1/``: authentication, problem-details errors and pagination.

Each domain app contributes a ninja ``Router`` from its own ``api.py``; they are mounted here.
Errors follow RFC 9457 (``application/problem+json``) with, for input errors, an ``errors`` list naming
each field at fault.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import PaginationBase
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import AuthRateThrottle

from busbar.accounts.mfa import mfa_missing
from busbar.accounts.models import ApiToken, hash_token
from busbar.lib.actions import ActionError
from busbar.lib.json import dumps

logger = logging.getLogger(__name__)
PROBLEM_BASE = "https://busbar.dev/problems/"


class MfaRequired(Exception):
    """The caller's roles require multi-factor authentication, and none is set up."""


def _check_mfa(user: Any) -> Any:
    if mfa_missing(user):
        raise MfaRequired
    return user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer bb_…`` with a personal API token; acts with the owner's visibility."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(digest=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.is_usable or not found.user.is_active:
            return None
        now = timezone.now()
        # Usage time is bookkeeping, not a state change: refreshed at most every five minutes, unjournalled.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        request.busbar_channel = "api"
        return _check_mfa(found.user)


class SessionAuth(APIKeyCookie):
    """The browser's session, with CSRF checked on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated:
            return _check_mfa(request.user)
        return None


def problem(
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
    return HttpResponse(dumps(body), status=status, content_type="application/problem+json")


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
        offset: int = Field(0, ge=0, description="Items to skip")

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


api = NinjaAPI(
    title="Busbar API",
    version="1",
    description="Service management and integration assurance for the GB energy industry's central systems.",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    throttle=[AuthRateThrottle("600/m")],
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = problem(
        request,
        status=401,
        title="Authentication required",
        detail="Sign in, or send a personal API token as 'Authorization: Bearer <token>'.",
        kind="unauthenticated",
    )
    response["WWW-Authenticate"] = 'Bearer realm="busbar"'
    return response


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
    return problem(request, status=exc.status_code, title=str(exc.message))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
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
