"""django-allauth adapters: invitation-only accounts; staff cannot remove their last second factor."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from busbar.parties.queries import scope_for


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # People join through their organisation administrator's invitation, never by signing up.
        return False


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if not scope_for(authenticator.user).mfa_required:
            return True
        # Staff must keep at least one real second factor (recovery codes alone do not count).
        others = Authenticator.objects.filter(
            user_id=authenticator.user_id, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exclude(pk=authenticator.pk)
        return authenticator.type == Authenticator.Type.RECOVERY_CODES or others.exists()
