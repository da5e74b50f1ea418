"""Staff roles cannot reach any page until they have set up multi-factor authentication."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from busbar.accounts.mfa import mfa_missing

# Pages a person without MFA may still reach: the MFA set-up itself, sign-out, static files, health.
ALLOWED_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/accounts/password/",
    "/static/",
    "/healthz",
    "/favicon.ico",
    "/mfa-required/",
    "/api/",  # the API answers with its own problem-details error (see busbar.core.api)
)


class RequireMfaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(ALLOWED_PREFIXES) and mfa_missing(request.user):
            return redirect("mfa_required")
        return self.get_response(request)
