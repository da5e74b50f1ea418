"""API authentication by personal token (``Authorization: Bearer bb_…``) and the MFA rule for API callers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from busbar.accounts.loading import load_with_scope
from busbar.accounts.mfa import mfa_missing
from busbar.accounts.models import ApiToken, hash_token


class MfaRequired(Exception):
    """The caller's roles require multi-factor authentication, and none is set up."""


def check_mfa(user: Any) -> Any:
    if mfa_missing(user):
        raise MfaRequired
    return user


class InvalidToken(AuthenticationError):
    """A bearer token was sent but is unknown, revoked, expired or its owner is inactive."""


class TokenAuth(HttpBearer):
    """``Authorization: Bearer bb_…`` with a personal API token; acts with the owner's visibility.

    A token that does not work is a 401 at once: the caller meant to use it, so the browser session (if
    any) is not tried instead. The token, its owner, the owner's active memberships and whether a second
    factor is set up are read in one statement (:func:`token_owner`).
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_owner(hash_token(token))
        if found is None or not found.is_usable or not found.user.is_active:
            raise InvalidToken
        now = timezone.now()
        # Usage time is bookkeeping, not a state change: refreshed at most every five minutes, unjournalled.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        request.busbar_channel = "api"
        request.busbar_token_id = found.pk
        return check_mfa(found.user)


def token_owner(digest: str) -> ApiToken | None:
    """The unrevoked token with this digest and its owner, with the owner's scope and MFA state primed
    (one query: :func:`busbar.accounts.loading.load_with_scope`)."""
    found = load_with_scope(ApiToken.objects.filter(digest=digest, revoked_at__isnull=True), user_path="user")
    return None if found is None else found[0]
