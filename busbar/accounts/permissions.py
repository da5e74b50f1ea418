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
