"""Who may change an account: the only place these rules live.

A person changes their own profile, notification preferences and API tokens, and nobody else's —
administrators included (a token acts with its owner's rights, so only its owner handles it). Busbar
itself (the command line, the demo) acts without a person. Platform administrators are made from the
command line only. ``can_<verb>(scope, user)`` answers None (allowed) or the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from busbar.accounts.models import ApiToken, SavedFilter, User
    from busbar.parties.queries import Scope


def _system(scope: Scope) -> bool:
    from busbar.parties.queries import SYSTEM

    return scope is SYSTEM


def _own(scope: Scope, user_id: int) -> bool:
    return _system(scope) or scope.user_id == user_id


def can_change_profile(scope: Scope, user: User) -> str | None:
    return None if _own(scope, user.pk) else "You can only change your own profile"


def can_change_preferences(scope: Scope, user: User) -> str | None:
    return None if _own(scope, user.pk) else "You can only change your own preferences"


def can_create_token(scope: Scope, user: User) -> str | None:
    return None if _own(scope, user.pk) else "You can only create tokens for yourself"


def can_revoke_token(scope: Scope, token: ApiToken) -> str | None:
    return None if _own(scope, token.user_id) else "You can only revoke your own tokens"


def can_create_platform_admin(scope: Scope) -> str | None:
    return None if _system(scope) else "Platform administrators are created from the command line"


def can_save_filter(scope: Scope, user: User) -> str | None:
    return None if _own(scope, user.pk) else "You can only save filters for yourself"


def can_delete_filter(scope: Scope, saved: SavedFilter) -> str | None:
    return None if _own(scope, saved.user_id) else "You can only delete your own saved filters"


def _operator_staff(scope: Scope) -> bool:
    """The operator's operations managers and platform administrators, and Busbar itself."""
    return _system(scope) or scope.is_operations or scope.is_platform_admin


def can_reset_second_factor(scope: Scope, user: User) -> str | None:
    """Removing someone's second factor (an approved MFA reset): the operator's operations managers and
    platform administrators, never on their own account (they manage their own factors on their profile)."""
    if not _operator_staff(scope):
        return "Only the operator's operations managers and platform administrators reset a second factor"
    if scope.user_id is not None and scope.user_id == user.pk:
        return "You cannot reset your own second factor; manage it on your profile or ask a colleague"
    return None


def can_send_password_reset(scope: Scope, user: User) -> str | None:
    """Sending someone the password reset link (password reset assistance): as for a second factor."""
    if not _operator_staff(scope):
        return "Only the operator's operations managers and platform administrators send password resets"
    if scope.user_id is not None and scope.user_id == user.pk:
        return "Use “Forgot your password?” on the sign-in page to reset your own password"
    return None
