"""Changes to accounts: what people change on their own (profile, notification preferences, API tokens,
saved filters), and what the operator does for them (reset a lost second factor, send a password reset)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from busbar.accounts import permissions, queries
from busbar.accounts.models import ApiToken, SavedFilter, User, hash_token, new_token_secret
from busbar.audit.journal import diff, record, snapshot
from busbar.lib import registry
from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.lib.limits import clean_text
from busbar.parties.models import Membership, MembershipRole, Organisation
from busbar.parties.queries import scope_of

MAX_TOKENS_PER_USER = 20
#: Saved filters a person keeps per list, and the bounds of each.
MAX_SAVED_FILTERS = 20
MAX_FILTER_NAME = 60
MAX_FILTER_QUERY = 1000
#: Never part of a saved filter: where the list was, or what it was asked to do.
_NOT_SAVED = frozenset({"page", "cursor", "format", "csrfmiddlewaretoken"})


def _owner(actor: Actor, user: User) -> Organisation | None:
    from busbar.parties.queries import scope_for

    return scope_for(user).primary_organisation or actor.organisation


@action
def update_profile(*, actor: Actor, user: User, full_name: str, phone: str = "") -> User:
    refuse(permissions.can_change_profile(scope_of(actor), user))
    if not full_name.strip():
        raise ActionError("Enter your name", field="full_name")
    before = snapshot(user, ("full_name", "phone"))
    user.full_name = full_name.strip()
    user.phone = phone.strip()
    user.save(update_fields=["full_name", "phone"])
    record(
        actor=actor,
        action="user.update",
        obj=user,
        owner=_owner(actor, user),
        changes=diff(before, snapshot(user, ("full_name", "phone"))),
    )
    return user


@action
def set_notification_preferences(*, actor: Actor, user: User, preferences: dict[str, bool]) -> User:
    refuse(permissions.can_change_preferences(scope_of(actor), user))
    kinds = registry.notification_kinds()  # registered by the apps that send them
    unknown = set(preferences) - set(kinds)
    if unknown:
        raise ActionError(f"Unknown notification kind {sorted(unknown)[0]!r}", field="preferences")
    before = dict(user.notification_preferences)
    user.notification_preferences = {k: bool(preferences.get(k, True)) for k in kinds}
    user.save(update_fields=["notification_preferences"])
    record(
        actor=actor,
        action="user.preferences",
        obj=user,
        owner=_owner(actor, user),
        changes=diff(before, user.notification_preferences),
    )
    return user


@action
def create_api_token(
    *, actor: Actor, user: User, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is shown once and never stored."""
    refuse(permissions.can_create_token(scope_of(actor), user))
    name = name.strip()
    if not name:
        raise ActionError("Give the token a name so you can recognise it later", field="name")
    if expires_at is not None and timezone.is_naive(expires_at):
        raise ActionError("Give the expiry with its time zone, e.g. 2027-01-31T23:59:00Z", field="expires_at")
    if expires_at is not None and expires_at <= timezone.now():
        raise ActionError("The expiry must be in the future", field="expires_at")
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if live.count() >= MAX_TOKENS_PER_USER:
        raise Conflict(f"You already have {MAX_TOKENS_PER_USER} tokens; revoke one first", field="name")
    raw, prefix = new_token_secret()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, digest=hash_token(raw), expires_at=expires_at
    )
    record(
        actor=actor,
        action="api_token.create",
        obj=token,
        owner=_owner(actor, user),
        changes={"name": [None, name], "expires_at": [None, expires_at]},
    )
    return token, raw


@action
def revoke_api_token(*, actor: Actor, token: ApiToken) -> ApiToken:
    refuse(permissions.can_revoke_token(scope_of(actor), token))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ActionError("That token is already revoked", field="token")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        actor=actor,
        action="api_token.revoke",
        obj=token,
        owner=_owner(actor, token.user),
        changes={"revoked_at": [None, token.revoked_at]},
    )
    return token


@action
def create_platform_admin(
    *, actor: Actor, email: str, full_name: str, password: str, organisation: Organisation
) -> User:
    """Bootstrap: make a platform administrator in the operator's organisation (``busbar createadmin``)."""
    refuse(permissions.can_create_platform_admin(scope_of(actor)))
    User_ = get_user_model()
    email = email.strip().lower()
    try:
        validate_password(password, User_(email=email, full_name=full_name))
    except ValidationError as exc:
        raise ActionError(" ".join(exc.messages), field="password") from None
    if User_.objects.filter(email=email).exists():
        raise Conflict(f"A user with {email} already exists", field="email")
    user = User_.objects.create_user(email=email, full_name=full_name, password=password)
    Membership.objects.create(user=user, organisation=organisation, role=MembershipRole.PLATFORM_ADMIN)
    record(
        actor=actor,
        action="user.create",
        obj=user,
        owner=organisation,
        changes={"email": [None, email], "role": [None, MembershipRole.PLATFORM_ADMIN]},
    )
    return user


def _clean_query(query_string: str) -> str:
    """The query string re-encoded (parameters of pages and exports dropped), or refused when too long."""
    from urllib.parse import parse_qsl, urlencode

    query_string = query_string.strip().lstrip("?")
    too_long = f"The filter is too long to save (at most {MAX_FILTER_QUERY} characters)"
    if len(query_string) > MAX_FILTER_QUERY:
        raise ActionError(too_long, field="query_string")
    pairs = [(k, v) for k, v in parse_qsl(query_string, keep_blank_values=False) if k not in _NOT_SAVED]
    cleaned = urlencode(pairs)
    if len(cleaned) > MAX_FILTER_QUERY:
        raise ActionError(too_long, field="query_string")
    return cleaned


@action
def save_filter(*, actor: Actor, user: User, list_key: str, name: str, query_string: str) -> SavedFilter:
    """Save (or replace, by name) the person's filter of the list ``list_key`` (the list's URL name)."""
    refuse(permissions.can_save_filter(scope_of(actor), user))
    name = " ".join(name.split())
    if not name:
        raise ActionError("Give the filter a name", field="name")
    if len(name) > MAX_FILTER_NAME:
        raise ActionError(f"At most {MAX_FILTER_NAME} characters", field="name")
    if list_key not in queries.saveable_lists():
        raise ActionError("Not a list that filters can be saved for", field="list_key")
    query = _clean_query(query_string)
    mine = SavedFilter.objects.select_for_update().filter(user=user, list_key=list_key)
    existing = mine.filter(name=name).first()
    if existing is None and mine.count() >= MAX_SAVED_FILTERS:
        raise Conflict(f"You already keep {MAX_SAVED_FILTERS} filters here: delete one first", field="name")
    before = existing.query_string if existing else None
    if existing is None:
        saved = SavedFilter.objects.create(user=user, list_key=list_key, name=name, query_string=query)
    else:
        saved = existing
        saved.query_string = query
        saved.save(update_fields=["query_string"])
    record(
        actor=actor,
        action="saved_filter.save",
        obj=saved,
        owner=_owner(actor, user),
        changes={"list": [None, list_key], "name": [None, name], "query_string": [before, query]},
    )
    return saved


@action
def delete_filter(*, actor: Actor, saved: SavedFilter) -> None:
    refuse(permissions.can_delete_filter(scope_of(actor), saved))
    record(
        actor=actor,
        action="saved_filter.delete",
        obj=saved,
        owner=_owner(actor, saved.user),
        changes={"name": [saved.name, None], "query_string": [saved.query_string, None]},
    )
    saved.delete()


# --- What the operator does for a person (access management) ------------------------------------------

#: The longest reason given for resetting a second factor.
MAX_RESET_REASON = 500


@action
def reset_second_factor(*, actor: Actor, user: User, reason: str) -> int:
    """Remove every second factor of ``user`` (authenticator apps, security keys, recovery codes), oblige
    them to set one up again before reaching any page (``mfa_enrol_required``, cleared when they enrol),
    and sign them out everywhere. Journalled with the reason and how many were removed (never the
    secrets). Returns how many authenticators were removed."""
    refuse(permissions.can_reset_second_factor(scope_of(actor), user))
    reason = clean_text(reason, field="reason", limit=MAX_RESET_REASON, what="The reason")
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    kinds = sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    Authenticator.objects.filter(user=user).delete()
    removed = len(kinds)
    before = user.mfa_enrol_required
    user.mfa_enrol_required = True
    user.save(update_fields=["mfa_enrol_required"])
    user._busbar_has_mfa = False
    from busbar.parties.actions import _end_sessions  # same layer; the one way sessions are ended

    ended = _end_sessions(user)
    record(
        actor=actor,
        action="user.mfa_reset",
        obj=user,
        owner=_owner(actor, user),
        changes={"authenticators": [kinds, []], "mfa_enrol_required": [before, True]},
        note=(
            f"{reason} ({removed} authenticator{'s' * (removed != 1)} removed, "
            f"{ended} session{'s' * (ended != 1)} ended)"
        ),
    )
    return removed


class _SiteRequest(HttpRequest):
    """A request to the site's own address (``SITE_URL``), for allauth's password reset flow run outside
    a page: its links and sender's site name are those of the site."""

    def __init__(self) -> None:
        super().__init__()
        parts = urlsplit(settings.SITE_URL)
        self._site_scheme = parts.scheme or "http"
        self._site_host = parts.netloc or "localhost"
        self.method = "POST"
        self.path = self.path_info = "/"

    def get_host(self) -> str:
        return self._site_host

    def _get_scheme(self) -> str:
        return self._site_scheme


def _mail_password_reset(user_id: int) -> None:
    """allauth's own password reset email (the "forgot your password" one), to the account's address."""
    from allauth.account.forms import default_token_generator
    from allauth.account.internal.flows.password_reset import request_password_reset
    from allauth.core.context import request_context

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:  # switched off since: the link would not work
        return
    request = _SiteRequest()
    with request_context(request):
        request_password_reset(request, user.email, [user], default_token_generator)


@action
def send_password_reset(*, actor: Actor, user: User) -> None:
    """Email ``user`` the link to choose a new password (password reset assistance), once the change is
    committed; the link is the one "Forgot your password?" sends, and only the address's owner reads it."""
    refuse(permissions.can_send_password_reset(scope_of(actor), user))
    if not user.is_active:
        raise ActionError(f"{user.display_name}'s account is switched off; restore it first", field="user")
    record(
        actor=actor,
        action="user.password_reset_sent",
        obj=user,
        owner=_owner(actor, user),
        changes={},
        note=f"Password reset link sent to {user.email}",
    )
    user_id = user.pk
    transaction.on_commit(lambda: _mail_password_reset(user_id))
