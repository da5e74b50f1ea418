from django.apps import AppConfig


def _enrolled(sender, user, authenticator, **kwargs) -> None:
    """A person obliged to enrol again (an approved MFA reset) is free once they set up a real second
    factor (an authenticator app or security key; recovery codes alone do not count)."""
    from busbar.accounts.mfa import STRONG_TYPES
    from busbar.accounts.models import User

    if authenticator.type in STRONG_TYPES and getattr(user, "pk", None) is not None:
        User.objects.filter(pk=user.pk, mfa_enrol_required=True).update(mfa_enrol_required=False)
        user.mfa_enrol_required = False


class AccountsConfig(AppConfig):
    name = "busbar.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from busbar.accounts.api import router
        from busbar.lib.registry import api_router

        api_router("accounts", router, order=20)
        authenticator_added.connect(_enrolled, dispatch_uid="busbar.accounts.mfa_enrolled")
