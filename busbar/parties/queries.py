"""Who may see what. The one visibility rule of Busbar lives here.

A user sees the records of the organisations they belong to, plus what is published to everyone, plus
everything when one of their roles is central (service desk, operations, platform administration).
Every list, detail, search, export and API endpoint reaches records through a ``visible_to(user)``
that starts from :func:`scope_for`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from busbar.parties.models import (
    CENTRAL_ROLES,
    MFA_REQUIRED_ROLES,
    CannedResponse,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationRole,
)

if TYPE_CHECKING:
    from busbar.accounts.models import User


@dataclass(frozen=True)
class Scope:
    """What one user is entitled to, computed once per request."""

    user_id: int | None
    organisation_ids: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()
    admin_of: frozenset[int] = frozenset()
    resolver_for: frozenset[int] = frozenset()
    memberships: tuple[Membership, ...] = field(default=(), compare=False)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_central(self) -> bool:
        return bool(self.roles & CENTRAL_ROLES)

    @property
    def is_platform_admin(self) -> bool:
        return MembershipRole.PLATFORM_ADMIN in self.roles

    @property
    def is_desk(self) -> bool:
        return bool(self.roles & {MembershipRole.ANALYST, MembershipRole.OPERATIONS})

    @property
    def is_operations(self) -> bool:
        return MembershipRole.OPERATIONS in self.roles

    @property
    def is_resolver(self) -> bool:
        return bool(self.resolver_for)

    @property
    def mfa_required(self) -> bool:
        return bool(self.roles & MFA_REQUIRED_ROLES)

    @property
    def primary_organisation(self) -> Organisation | None:
        return self.memberships[0].organisation if self.memberships else None

    def can_administer(self, organisation_id: int) -> bool:
        return self.is_platform_admin or organisation_id in self.admin_of

    def sees_organisation(self, organisation_id: int | None) -> bool:
        return self.is_central or organisation_id in self.organisation_ids


ANONYMOUS = Scope(user_id=None)
#: Busbar itself acting (scans, monitoring, inbound mail on a system's behalf): the desk's powers.
SYSTEM = Scope(user_id=None, roles=frozenset({MembershipRole.OPERATIONS}))


def scope_of(actor) -> Scope:
    """The scope an action checks: the acting user's, or :data:`SYSTEM` when no user acts."""
    return SYSTEM if actor.user is None else scope_for(actor.user)


def scope_for(user: User | None) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_busbar_scope", None)
    if cached is not None:
        return cached
    memberships = tuple(
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("created_at", "id")
    )
    return remember_scope(user, memberships)


def remember_scope(user: User, memberships: tuple[Membership, ...]) -> Scope:
    """Build the scope from the user's active memberships (oldest first) and cache it on the user.

    For callers that read the memberships in a query of their own (token authentication reads the
    token, its owner, the memberships and the second factor in one statement).
    """
    scope = Scope(
        user_id=user.pk,
        organisation_ids=frozenset(m.organisation_id for m in memberships),
        roles=frozenset(m.role for m in memberships),
        admin_of=frozenset(m.organisation_id for m in memberships if m.role == MembershipRole.ORG_ADMIN),
        resolver_for=frozenset(m.organisation_id for m in memberships if m.role == MembershipRole.RESOLVER),
        memberships=memberships,
    )
    user._busbar_scope = scope  # type: ignore[attr-defined]
    return scope


def remember_scopes(users) -> None:
    """:func:`scope_for` for many users at once: the memberships of those whose scope is not cached yet
    are read in one query (for a notification to a whole organisation, an @mention's candidates)."""
    todo: dict[int, list[User]] = {}
    for u in users:
        if u is not None and u.is_authenticated and u.is_active and getattr(u, "_busbar_scope", None) is None:
            todo.setdefault(u.pk, []).append(u)
    if not todo:
        return
    found: dict[int, list[Membership]] = {pk: [] for pk in todo}
    for m in (
        Membership.objects.filter(user_id__in=todo, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("created_at", "id")
    ):
        found[m.user_id].append(m)
    for pk, same in todo.items():
        for user in same:
            remember_scope(user, tuple(found[pk]))


def scope_key(scope: Scope) -> tuple:
    """What a record type's ``visible_to`` depends on: people with the same key see the same records."""
    return (scope.organisation_ids, scope.roles, scope.admin_of, scope.resolver_for)


def forget_scope(user: User) -> None:
    """Drop the cached scope after the user's memberships change."""
    if hasattr(user, "_busbar_scope"):
        del user._busbar_scope


def organisations_visible_to(user: User | None) -> QuerySet[Organisation]:
    """The directory of organisations is published to every signed-in user; inactive ones only centrally."""
    scope = scope_for(user)
    qs = Organisation.objects.prefetch_related(Prefetch("roles", queryset=OrganisationRole.objects.all()))
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_central:
        return qs
    return qs.filter(Q(is_active=True) | Q(pk__in=scope.organisation_ids))


def memberships_visible_to(user: User | None) -> QuerySet[Membership]:
    scope = scope_for(user)
    qs = Membership.objects.select_related("user", "organisation")
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_central:
        return qs
    return qs.filter(organisation_id__in=scope.organisation_ids)


#: What an emailed invitation link's secret looks like (``secrets.token_urlsafe(32)``), bounded.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,100}")


def open_invitations_q() -> Q:
    """Pending and not past expiry: the invitations that can still be answered."""
    return Q(status=InvitationStatus.PENDING, expires_at__gt=timezone.now())


def invitation_status_q(status: str) -> Q:
    """Invitations in ``status`` as people see it (a pending one past its expiry counts as expired)."""
    now = timezone.now()
    if status == InvitationStatus.PENDING:
        return Q(status=InvitationStatus.PENDING, expires_at__gt=now)
    if status == InvitationStatus.EXPIRED:
        return Q(status=InvitationStatus.EXPIRED) | Q(status=InvitationStatus.PENDING, expires_at__lte=now)
    return Q(status=status)


def invitations_visible_to(user: User | None) -> QuerySet[Invitation]:
    """An organisation's invitations are seen by its administrators, and platform administrators; the
    desk and everyone else see none (the rule: :func:`busbar.parties.permissions.can_read_invited_addresses`,
    which the audit journal follows too)."""
    scope = scope_for(user)
    qs = Invitation.objects.select_related("organisation", "invited_by")
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_platform_admin:
        return qs
    return qs.filter(organisation_id__in=scope.admin_of)


def invitations_addressed_to(user: User | None) -> QuerySet[Invitation]:
    """Every invitation sent to the signed-in person's own address, in any status."""
    if user is None or not user.is_authenticated or not user.is_active or not user.email:
        return Invitation.objects.none()
    return Invitation.objects.select_related("organisation", "invited_by").filter(
        email=user.email.lower(), organisation__is_active=True
    )


def open_invitations_for(user: User | None) -> QuerySet[Invitation]:
    """The invitations the signed-in person may still accept or decline (profile page, API)."""
    return invitations_addressed_to(user).filter(open_invitations_q())


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation an emailed link points to, or None for anything that is not a live link's secret."""
    from busbar.accounts.models import hash_token

    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(digest=hash_token(token))
        .first()
    )


def invitee_account(invitation: Invitation) -> User | None:
    """The account, if any, whose address the invitation was sent to. Never shown to the inviter."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(email__iexact=invitation.email).first()


#: What a switched-off account must give, besides its password, to be switched back on by accepting:
#: nothing, a code (from an authenticator app, or a recovery code), or — for an account whose only
#: second factor is a security key, which the invitation page cannot check — its administrator's help.
SECOND_FACTOR_NONE = "none"
SECOND_FACTOR_TOTP = "totp"
SECOND_FACTOR_RECOVERY_CODES = "recovery_codes"
SECOND_FACTOR_SECURITY_KEY = "security_key"


def second_factor_of(user: User | None) -> str:
    """Which second factor an account can prove on a form: see the ``SECOND_FACTOR_*`` values."""
    from allauth.mfa.models import Authenticator

    if user is None:
        return SECOND_FACTOR_NONE
    types = set(Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True))
    if Authenticator.Type.TOTP in types:
        return SECOND_FACTOR_TOTP
    if Authenticator.Type.RECOVERY_CODES in types:
        return SECOND_FACTOR_RECOVERY_CODES
    if Authenticator.Type.WEBAUTHN in types:
        return SECOND_FACTOR_SECURITY_KEY
    return SECOND_FACTOR_NONE


def invitee_account_state(invitation: Invitation) -> str:
    """What the owner of the invited address must do to accept. Only ever shown to that owner (on the page
    the emailed link opens, and in the email itself), never to the inviter:

    ``sign_in`` (an active account), ``confirm_password`` (a deactivated account with a password),
    ``choose_password`` (a deactivated account that never had one) or ``create`` (no account yet).
    """
    account = invitee_account(invitation)
    if account is None:
        return "create"
    if account.is_active:
        return "sign_in"
    return "confirm_password" if account.has_usable_password() else "choose_password"


def canned_organisations(user: User | None) -> list[Organisation]:
    """The organisations whose canned responses ``user`` keeps and picks (permissions.can_manage_canned)."""
    from busbar.parties.permissions import can_manage_canned

    scope = scope_for(user)
    return [m.organisation for m in scope.memberships if can_manage_canned(scope, m.organisation_id) is None]


def canned_visible_to(user: User | None) -> QuerySet[CannedResponse]:
    """The canned responses of ``user``'s own organisations (those they may keep): never another's."""
    orgs = [o.pk for o in canned_organisations(user)]
    qs = CannedResponse.objects.filter(organisation_id__in=orgs)
    return qs.select_related("organisation", "created_by")
