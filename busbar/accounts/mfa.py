"""Whether a person has the second factor their roles demand."""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from busbar.parties.queries import scope_for

STRONG_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_strong_factor(user) -> bool:
    cached = getattr(user, "_busbar_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(user_id=user.pk, type__in=STRONG_TYPES).exists()
        user._busbar_has_mfa = cached
    return cached


def mfa_missing(user) -> bool:
    """True when the user's roles require MFA and none is set up yet."""
    return bool(user.is_authenticated and scope_for(user).mfa_required and not has_strong_factor(user))
