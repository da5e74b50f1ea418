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
    """True when the user's roles require MFA (or an MFA reset obliges them to enrol again) and none is
    set up yet."""
    if not user.is_authenticated:
        return False
    required = getattr(user, "mfa_enrol_required", False) or scope_for(user).mfa_required
    return bool(required and not has_strong_factor(user))
